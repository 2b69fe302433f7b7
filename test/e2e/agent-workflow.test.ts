import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { LocalStack } from '../../local/stack.js';
import { eventually } from '../support/eventually.js';
import { localApi } from '../support/local-api.js';
import { useLocalStack } from '../support/local-stack.js';

/**
 * Issue 7, on the local stack over HTTP: a web-form message is routed by the definition, waits in its
 * tier and skill's queue, is claimed by an agent of that skill, answered and resolved; the roles hold.
 */

const current = useLocalStack({ seed: false });
let stack: LocalStack;
beforeAll(() => {
  stack = current();
});

const call = localApi(() => stack);

/** A call as one of the local agents, by id. */
async function asAgent(agentId: string, path: string, init: { method?: string; body?: unknown } = {}) {
  const agent = stack.info.agents.find((candidate) => candidate.id === agentId);
  if (!agent) throw new Error(`no local agent ${agentId}`);
  const response = await fetch(`${stack.info.apiUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${agent.token}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

const CustomerSchema = z.looseObject({ customerId: z.string(), openConversationId: z.string() });
const ConversationSchema = z.looseObject({
  conversationId: z.string(),
  status: z.string(),
  tier: z.string(),
  skill: z.string().optional(),
  assignee: z.object({ agentId: z.string() }).optional(),
});
const EscalatedSchema = z.looseObject({
  tier: z.string(),
  escalations: z.array(z.object({ reason: z.string(), fromTier: z.string(), toTier: z.string() })),
});
const QueuesSchema = z.object({
  queues: z.array(
    z.object({ tier: z.string(), skill: z.string(), waiting: z.number(), agentsAvailable: z.number() }),
  ),
});

describe('a concern from the web form to an agent and back', () => {
  const address = `agents-${Date.now()}@example.com`;
  let conversationId: string;

  it('lists two agents per human tier in local.json, each with a token', () => {
    const tiers = stack.info.agents.map((agent) => agent.tier).sort();
    expect(tiers).toEqual(['1', '1', '2', '2', '3', '3']);
    for (const agent of stack.info.agents) expect(agent.token.split('.')).toHaveLength(3);
  });

  it('routes a billing message to tier 1 billing and pushes it to the free billing generalist', async () => {
    // Act
    const form = await call('/v1/channels/webform', {
      method: 'POST',
      body: { email: address, subject: 'Invoice', message: 'My invoice was charged twice, please refund.' },
    });

    // Assess: every agent is free, so the least busy one who may take it, first by id, has it.
    expect(form.status).toBe(202);
    const customer = CustomerSchema.parse(
      (await call(`/v1/customers?email=${address}`, { role: 'agent' })).body,
    );
    conversationId = customer.openConversationId;
    const pushed = await eventually(async () => {
      const reply = await call(`/v1/conversations/${conversationId}`, { role: 'supervisor' });
      const conversation = ConversationSchema.parse(reply.body);
      return conversation.assignee ? conversation : undefined;
    });
    expect(pushed).toMatchObject({
      tier: '1',
      skill: 'billing',
      status: 'open',
      assignee: { agentId: 'agent-tier1-ada' },
    });
    expect((await asAgent('agent-tier1-alan', '/v1/agents/me/next', { method: 'POST' })).status).toBe(204);
  });

  it('keeps a concern in its queue while nobody of its skill is free; the first one back claims it', async () => {
    // Prepare: every billing agent steps away.
    const billing = stack.info.agents.filter((agent) => agent.skills.includes('billing'));
    for (const agent of billing) {
      const away = await asAgent(agent.id, '/v1/agents/me/status', {
        method: 'PUT',
        body: { status: 'away' },
      });
      expect(away.status).toBe(200);
    }
    await call('/v1/channels/webform', {
      method: 'POST',
      body: { email: `wait-${address}`, message: 'Please refund the second payment.' },
    });
    const waiting = CustomerSchema.parse(
      (await call(`/v1/customers?email=wait-${address}`, { role: 'agent' })).body,
    ).openConversationId;
    await eventually(async () => {
      const conversation = ConversationSchema.parse(
        (await call(`/v1/conversations/${waiting}`, { role: 'supervisor' })).body,
      );
      return conversation.skill === 'billing' ? conversation : undefined;
    });

    // Act
    const queues = QueuesSchema.parse((await call('/v1/queues', { role: 'supervisor' })).body).queues;
    const alan = await asAgent('agent-tier1-alan', '/v1/agents/me/next', { method: 'POST' });
    const back = await asAgent('agent-tier1-ada', '/v1/agents/me/status', {
      method: 'PUT',
      body: { status: 'available' },
    });
    const ada = await asAgent('agent-tier1-ada', '/v1/agents/me/next', { method: 'POST' });
    const resolved = await asAgent('agent-tier1-ada', `/v1/conversations/${waiting}/resolve`, {
      method: 'POST',
      body: { resolutionCode: 'answered' },
    });
    for (const agent of billing) {
      await asAgent(agent.id, '/v1/agents/me/status', { method: 'PUT', body: { status: 'available' } });
    }

    // Assess
    expect(queues.find((queue) => queue.tier === '1' && queue.skill === 'billing')).toMatchObject({
      waiting: 1,
      agentsAvailable: 0,
    });
    expect(alan.status).toBe(204);
    expect(back.status).toBe(200);
    expect(ada.status).toBe(200);
    expect(ConversationSchema.parse(ada.body)).toMatchObject({
      conversationId: waiting,
      assignee: { agentId: 'agent-tier1-ada' },
    });
    expect(resolved.status).toBe(200);
  });

  it('lets the agent answer on the customer channel and resolve, after which nothing is left to claim', async () => {
    // Act
    const reply = await asAgent('agent-tier1-ada', `/v1/conversations/${conversationId}/replies`, {
      method: 'POST',
      body: { body: 'We refunded the second charge.' },
    });
    const resolved = await asAgent('agent-tier1-ada', `/v1/conversations/${conversationId}/resolve`, {
      method: 'POST',
      body: { resolutionCode: 'answered' },
    });
    const next = await asAgent('agent-tier1-ada', '/v1/agents/me/next', { method: 'POST' });

    // Assess
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({
      channel: 'email',
      identities: [{ value: address, trust: 'claimed' }],
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', resolutionCode: 'answered' });
    expect(next.status).toBe(204);
  });

  it('hands a concern to tier 2 with a note the next agent reads, and refuses another agent', async () => {
    // Prepare: a billing concern held by a tier 1 agent.
    await call('/v1/channels/webform', {
      method: 'POST',
      body: { email: `deep-${address}`, message: 'My invoice total is wrong.' },
    });
    const customer = CustomerSchema.parse(
      (await call(`/v1/customers?email=deep-${address}`, { role: 'agent' })).body,
    );
    const deep = customer.openConversationId;
    // Pushed to the least busy billing agent: ada, who holds nothing now (first by id among the free).
    const pushed = await eventually(async () => {
      const conversation = ConversationSchema.parse(
        (await call(`/v1/conversations/${deep}`, { role: 'supervisor' })).body,
      );
      return conversation.assignee ? conversation : undefined;
    });
    expect(pushed.assignee?.agentId).toBe('agent-tier1-ada');

    // Act
    const stranger = await asAgent('agent-tier1-alan', `/v1/conversations/${deep}/escalate`, {
      method: 'POST',
      body: { toTier: '2', note: 'not mine' },
    });
    const escalated = await asAgent('agent-tier1-ada', `/v1/conversations/${deep}/escalate`, {
      method: 'POST',
      body: { toTier: '2', note: 'Tax line computed twice; needs a billing specialist.' },
    });
    const claimed = await asAgent('agent-tier2-grace', '/v1/agents/me/next', { method: 'POST' });
    const view = await asAgent('agent-tier2-grace', `/v1/conversations/${deep}`);

    // Assess
    expect(stranger.status).toBe(403);
    expect(escalated.status).toBe(200);
    expect(ConversationSchema.parse(claimed.body)).toMatchObject({ conversationId: deep, tier: '2' });
    expect(view.body).toMatchObject({
      notes: [{ text: 'Tax line computed twice; needs a billing specialist.', authorId: 'agent-tier1-ada' }],
      timeline: [{ body: 'My invoice total is wrong.' }],
    });
  });

  it('escalates a concern nobody answered once the clock passes its first-response due time', async () => {
    // Prepare: a technical concern at tier 1, normal priority: first response due within 8 hours.
    await call('/v1/channels/webform', {
      method: 'POST',
      body: { email: `late-${address}`, message: 'The app shows an error on login.' },
    });
    const customer = CustomerSchema.parse(
      (await call(`/v1/customers?email=late-${address}`, { role: 'agent' })).body,
    );
    const late = customer.openConversationId;
    await eventually(async () => {
      const conversation = ConversationSchema.parse(
        (await call(`/v1/conversations/${late}`, { role: 'supervisor' })).body,
      );
      return conversation.skill === 'technical' ? conversation : undefined;
    });

    // Act: nine hours pass on the stack's clock.
    const advanced = await fetch(stack.info.clock.advanceUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seconds: 9 * 60 * 60 }),
    });

    // Assess: the sweep ran with the advanced clock and moved it to tier 2, recording why.
    expect(advanced.status).toBe(200);
    const escalated = EscalatedSchema.parse(
      (await call(`/v1/conversations/${late}`, { role: 'supervisor' })).body,
    );
    expect(escalated.tier).toBe('2');
    expect(escalated.escalations.at(-1)).toMatchObject({
      reason: 'first-response-breach',
      fromTier: '1',
      toTier: '2',
    });
  });

  it('keeps marketing out of claims and queues, and answers 401 without a token', async () => {
    const claim = await call('/v1/agents/me/next', { method: 'POST', role: 'marketing' });
    const queues = await call('/v1/queues', { role: 'marketing' });
    const anonymous = await call('/v1/agents/me/next', { method: 'POST' });
    const anonymousQueues = await call('/v1/queues');

    expect(claim.status).toBe(403);
    expect(queues.status).toBe(403);
    expect(anonymous.status).toBe(401);
    expect(anonymousQueues.status).toBe(401);
  });
});
