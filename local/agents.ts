import * as z from 'zod';
import { type DevSigningKey, issueDevToken } from './dev-auth.js';

/** An agent of the local stack, as `.carebridge/local.json` lists it. */
export interface LocalAgent {
  readonly id: string;
  readonly tier: '1' | '2' | '3';
  readonly skills: readonly string[];
  /** A dev token of role `agent` for this user: call the agent routes as them. */
  readonly token: string;
}

/** Two agents per human tier, with overlapping skills, so several can be driven at once. */
export const LOCAL_AGENTS = [
  { id: 'agent-tier1-ada', tier: '1', skills: ['general', 'billing'] },
  { id: 'agent-tier1-alan', tier: '1', skills: ['general', 'technical', 'sales'] },
  { id: 'agent-tier2-grace', tier: '2', skills: ['billing', 'technical'] },
  { id: 'agent-tier2-edsger', tier: '2', skills: ['general', 'sales', 'billing'] },
  { id: 'agent-tier3-barbara', tier: '3', skills: ['general', 'billing', 'technical', 'sales'] },
  { id: 'agent-tier3-donald', tier: '3', skills: ['general', 'billing', 'technical', 'sales'] },
] as const;

const AgentAnswerSchema = z.looseObject({ agentId: z.string(), status: z.string() });

/**
 * Registers the local agents the way an administrator and the agents would, over the running gateway:
 * `PUT /v1/agents/{id}` with the admin token (capacity 3), then `PUT /v1/agents/me/status available` with
 * each agent's own token. Idempotent: a restart on the same data keeps their held conversations.
 */
export async function seedAgents(
  apiUrl: string,
  adminToken: string,
  signingKey: DevSigningKey,
  token: { readonly issuer: string; readonly clientId: string },
): Promise<LocalAgent[]> {
  const agents: LocalAgent[] = [];
  for (const agent of LOCAL_AGENTS) {
    const agentToken = await issueDevToken(signingKey, { ...token, role: 'agent', subject: agent.id });
    await call(`${apiUrl}/v1/agents/${agent.id}`, adminToken, 'PUT', {
      tier: agent.tier,
      skills: agent.skills,
      capacity: 3,
    });
    await call(`${apiUrl}/v1/agents/me/status`, agentToken, 'PUT', { status: 'available' });
    agents.push({ id: agent.id, tier: agent.tier, skills: agent.skills, token: agentToken });
  }
  return agents;
}

async function call(url: string, bearer: string, method: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`seeding agents: ${method} ${url} answered ${response.status} ${text}`);
  AgentAnswerSchema.parse(JSON.parse(text));
}
