import { workableTiers } from '../agents/assignment.js';
import { AgentUnavailableError, claimNext } from '../agents/workflow.js';
import type { Clock } from '../clock.js';
import type { Agent, Conversation } from '../schemas/index.js';
import { listAgents } from '../store/agents.js';
import type { Db } from '../store/db.js';
import type { TierRequest } from './tier-queues.js';

/**
 * Push assignment (definition `assignment: push`): when a concern starts waiting at a human tier, an
 * available agent who may work it (its tier or deeper, its skill, a free slot) is given the most urgent
 * concern of their queues, through the same atomic claim as `POST /v1/agents/me/next`; usually this
 * one, or an older or more urgent one first. The least busy agent is asked first. Nothing happens when
 * nobody is free: the concern waits for the next claim.
 */
export async function pushToAgent(
  db: Db,
  request: TierRequest,
  clock: Clock,
): Promise<Conversation | undefined> {
  if (request.tier === 'e') return undefined;
  const candidates = (await listAgents(db))
    .filter((agent) => mayTake(agent, request))
    .sort((a, b) => a.activeCount - b.activeCount || a.agentId.localeCompare(b.agentId));
  for (const agent of candidates) {
    try {
      const claimed = await claimNext(db, agent.agentId, clock);
      // Nothing left in this agent's queues: someone took the concern already.
      return claimed;
    } catch (error) {
      // Went away or filled up since the listing: ask the next one.
      if (!(error instanceof AgentUnavailableError)) throw error;
    }
  }
  return undefined;
}

function mayTake(agent: Agent, request: TierRequest): boolean {
  return (
    agent.status === 'available' &&
    agent.activeCount < agent.capacity &&
    request.tier !== 'e' &&
    workableTiers(agent.tier).includes(request.tier) &&
    agent.skills.includes(request.skill)
  );
}
