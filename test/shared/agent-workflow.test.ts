import { describe, expect, it } from 'vitest';
import { conversationView } from '../../shared/agents/conversation-view.js';
import { queueOverview } from '../../shared/agents/queues.js';
import {
  AgentUnavailableError,
  addNote,
  claimNext,
  escalate,
  resolve,
  transfer,
} from '../../shared/agents/workflow.js';
import { ForbiddenError, ValidationError } from '../../shared/errors.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import { routingRequest } from '../../shared/routing/handoff.js';
import { recordInboundActivity, ruleRouter } from '../../shared/routing/record-activity.js';
import { sweepBreaches } from '../../shared/routing/sla-sweep.js';
import { getAgent, putAgentProfile, setAgentStatus } from '../../shared/store/agents.js';
import { getConversation } from '../../shared/store/conversations.js';
import { getCustomer } from '../../shared/store/customers.js';
import type { Db } from '../../shared/store/db.js';
import { fixedClock } from '../support/chat.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { email, inbound, testDb } from '../support/inbound.js';

const table = useDynamoTable();
const router = ruleRouter(ROUTING_DEFINITION);
const supervisor = { agentId: 'sup-1', supervisor: true };

/** A customer message, ingested and routed as the queue consumer would. */
async function concern(db: Db, address: string, body: string, receivedAt = '2026-11-26T09:00:00.000Z') {
  const clock = fixedClock(receivedAt);
  const result = await ingestInbound(db, inbound([email(address)], { body, receivedAt }), clock);
  const request = routingRequest(result);
  await recordInboundActivity(db, request, router, clock);
  return result;
}

async function agent(db: Db, agentId: string, tier: '1' | '2' | '3', skills: string[], capacity = 2) {
  await putAgentProfile(db, { agentId, tier, skills, capacity }, '2026-11-26T08:00:00.000Z');
  return setAgentStatus(db, agentId, 'available', '2026-11-26T08:00:00.000Z');
}

const clock = fixedClock('2026-11-26T10:00:00.000Z');

describe('claiming the next conversation', () => {
  it('gives two agents racing for work different conversations, and holds each capacity', async () => {
    // Prepare: three billing concerns, two agents of capacity one.
    const db = testDb(table);
    for (const n of [1, 2, 3]) await concern(db, `race${n}@example.com`, `refund ${n} please`);
    await agent(db, 'agent-a', '1', ['billing'], 1);
    await agent(db, 'agent-b', '1', ['billing'], 1);

    // Act
    const [a, b] = await Promise.all([claimNext(db, 'agent-a', clock), claimNext(db, 'agent-b', clock)]);
    const again = await claimNext(db, 'agent-a', clock).catch((error: unknown) => error);

    // Assess
    expect(a?.conversationId).toBeDefined();
    expect(b?.conversationId).toBeDefined();
    expect(a?.conversationId).not.toBe(b?.conversationId);
    expect(a?.assignee?.agentId).toBe('agent-a');
    expect(again).toBeInstanceOf(AgentUnavailableError);
    expect((await getAgent(db, 'agent-a', true)).activeCount).toBe(1);
    expect((await getAgent(db, 'agent-b', true)).activeCount).toBe(1);
  });

  it('takes the most urgent first, then the earliest due, within the agent skills and tiers', async () => {
    // Prepare: a normal billing concern first, an urgent one later, and a sales one the agent lacks.
    const db = testDb(table);
    const normal = await concern(
      db,
      'normal@example.com',
      'Question about my invoice',
      '2026-11-26T08:00:00.000Z',
    );
    const urgent = await concern(db, 'urgent@example.com', 'Fraud on my card!', '2026-11-26T09:30:00.000Z');
    await concern(db, 'sales@example.com', 'What does the pro plan cost?', '2026-11-26T07:00:00.000Z');
    await agent(db, 'specialist', '2', ['billing'], 5);

    // Act
    const first = await claimNext(db, 'specialist', clock);
    const second = await claimNext(db, 'specialist', clock);
    const third = await claimNext(db, 'specialist', clock);

    // Assess: the urgent one is tier 2, the normal one tier 1: a tier 2 agent works both, sales not at all.
    expect(first?.conversationId).toBe(urgent.conversationId);
    expect(second?.conversationId).toBe(normal.conversationId);
    expect(third).toBeUndefined();
  });

  it('gives a tier 1 agent nothing of tier 2, and an away agent nothing at all', async () => {
    const db = testDb(table);
    await concern(db, 'deep@example.com', 'There is an unauthorized charge');
    await agent(db, 'generalist', '1', ['billing', 'general']);
    await putAgentProfile(db, { agentId: 'away', tier: '3', skills: ['billing'], capacity: 3 }, clock.now());

    expect(await claimNext(db, 'generalist', clock)).toBeUndefined();
    await expect(claimNext(db, 'away', clock)).rejects.toBeInstanceOf(AgentUnavailableError);
  });
});

describe('working a conversation', () => {
  it('escalates to a deeper tier with a note, giving the agent the slot back', async () => {
    // Prepare
    const db = testDb(table);
    const { conversationId } = await concern(db, 'esc@example.com', 'Refund my invoice');
    await agent(db, 'tier1', '1', ['billing']);
    await agent(db, 'tier2', '2', ['billing']);
    await claimNext(db, 'tier1', clock);

    // Act
    const escalated = await escalate(
      db,
      conversationId,
      { toTier: '2', note: 'Customer was charged twice; needs a refund override.' },
      { agentId: 'tier1', supervisor: false },
      ROUTING_DEFINITION,
      clock,
    );
    const next = await claimNext(db, 'tier2', clock);

    // Assess
    expect(escalated).toMatchObject({ tier: '2', status: 'open' });
    expect(escalated.assignee).toBeUndefined();
    expect(escalated.escalations?.at(-1)).toMatchObject({
      reason: 'escalated',
      fromTier: '1',
      toTier: '2',
      by: 'tier1',
    });
    expect((await getAgent(db, 'tier1', true)).activeCount).toBe(0);
    expect(next?.conversationId).toBe(conversationId);
    const view = await conversationView(db, conversationId);
    expect(view.notes.map((note) => note.text)).toEqual([
      'Customer was charged twice; needs a refund override.',
    ]);
    expect(view.timeline.map((item) => item.body)).toEqual(['Refund my invoice']);
    expect(view.routingDecisions?.[0]?.rules).toEqual(['billing']);
  });

  it('refuses another agent, a tier that is not deeper, and an unknown skill', async () => {
    const db = testDb(table);
    const { conversationId } = await concern(db, 'guard@example.com', 'Refund please');
    await agent(db, 'holder', '1', ['billing']);
    await claimNext(db, 'holder', clock);
    const other = { agentId: 'other', supervisor: false };

    const byOther = await escalate(
      db,
      conversationId,
      { toTier: '2', note: 'x' },
      other,
      ROUTING_DEFINITION,
      clock,
    ).catch((error: unknown) => error);
    const notDeeper = await escalate(
      db,
      conversationId,
      { toTier: '1', note: 'x' },
      { agentId: 'holder', supervisor: false },
      ROUTING_DEFINITION,
      clock,
    ).catch((error: unknown) => error);
    const unknownSkill = await transfer(
      db,
      conversationId,
      { skill: 'astrology', note: 'x' },
      supervisor,
      ROUTING_DEFINITION,
      clock,
    ).catch((error: unknown) => error);

    expect(byOther).toBeInstanceOf(ForbiddenError);
    // A refused request writes nothing, not even its note.
    expect((await conversationView(db, conversationId)).notes).toEqual([]);
    expect(notDeeper).toBeInstanceOf(ValidationError);
    expect(unknownSkill).toBeInstanceOf(ValidationError);
    expect((await getConversation(db, conversationId)).assignee?.agentId).toBe('holder');
  });

  it('transfers to another skill at the same tier', async () => {
    const db = testDb(table);
    const { conversationId } = await concern(db, 'xfer@example.com', 'Refund please');
    await agent(db, 'billing-agent', '1', ['billing']);
    await agent(db, 'tech-agent', '1', ['technical']);
    await claimNext(db, 'billing-agent', clock);

    await transfer(
      db,
      conversationId,
      { skill: 'technical', note: 'It is a login bug' },
      { agentId: 'billing-agent', supervisor: false },
      ROUTING_DEFINITION,
      clock,
    );

    expect((await claimNext(db, 'tech-agent', clock))?.conversationId).toBe(conversationId);
  });

  it('resolves, and a message within the reopen window reopens the same conversation', async () => {
    // Prepare
    const db = testDb(table);
    const first = await concern(db, 'reopen@example.com', 'Refund please', '2026-11-26T09:00:00.000Z');
    await agent(db, 'closer', '1', ['billing']);
    await claimNext(db, 'closer', clock);

    // Act
    const resolved = await resolve(
      db,
      first.conversationId,
      { resolutionCode: 'answered' },
      { agentId: 'closer', supervisor: false },
      clock,
    );
    const customerAfter = await getCustomer(db, first.customerId);
    const back = await concern(db, 'reopen@example.com', 'It happened again', '2026-11-27T09:00:00.000Z');

    // Assess
    expect(resolved).toMatchObject({ status: 'resolved', resolutionCode: 'answered' });
    expect((await getAgent(db, 'closer', true)).activeCount).toBe(0);
    expect(customerAfter.openConversationId).toBeUndefined();
    expect(customerAfter.lastResolved?.conversationId).toBe(first.conversationId);
    expect(back.conversationId).toBe(first.conversationId);
    const reopened = await getConversation(db, first.conversationId);
    expect(reopened).toMatchObject({ status: 'open', reopenedAt: '2026-11-27T09:00:00.000Z' });
    expect(reopened.assignee).toBeUndefined();
    expect((await claimNext(db, 'closer', clock))?.conversationId).toBe(first.conversationId);
  });

  it('opens a new conversation for a message after the reopen window', async () => {
    const db = testDb(table);
    const first = await concern(db, 'late@example.com', 'Refund please', '2026-11-20T09:00:00.000Z');
    await resolve(
      db,
      first.conversationId,
      { resolutionCode: 'answered' },
      supervisor,
      fixedClock('2026-11-20T10:00:00.000Z'),
    );

    const later = await concern(db, 'late@example.com', 'New question', '2026-11-26T09:00:00.000Z');

    expect(later.conversationId).not.toBe(first.conversationId);
    expect(later.conversationOpened).toBe(true);
    expect((await getConversation(db, first.conversationId)).status).toBe('resolved');
  });
});

describe('the queue overview', () => {
  it('counts waiting conversations per tier and skill, at-risk ones and available agents', async () => {
    const db = testDb(table);
    await concern(db, 'q1@example.com', 'Refund please', '2026-11-26T01:00:00.000Z');
    await concern(db, 'q2@example.com', 'Refund please', '2026-11-26T09:30:00.000Z');
    await agent(db, 'watcher', '2', ['billing']);
    await addNote(
      db,
      (await concern(db, 'q3@example.com', 'Which plan?')).conversationId,
      'sup-1',
      'note',
      clock,
    );

    const queues = await queueOverview(db, ROUTING_DEFINITION, clock);

    const billing = queues.find((queue) => queue.tier === '1' && queue.skill === 'billing');
    expect(billing).toMatchObject({ waiting: 2, slaAtRisk: 1, agentsAvailable: 1 });
    expect(billing?.oldestWaitSeconds).toBeGreaterThan(0);
    expect(queues.find((queue) => queue.tier === '1' && queue.skill === 'sales')).toMatchObject({
      waiting: 1,
      agentsAvailable: 0,
    });
  });
});

describe('the service-level sweep', () => {
  it('escalates a conversation past its first-response due time one tier, once, releasing its agent', async () => {
    // Prepare: a tier 1 normal concern (first response due after 8 hours), held by an agent.
    const db = testDb(table);
    const { conversationId } = await concern(
      db,
      'late-answer@example.com',
      'Refund please',
      '2026-11-26T09:00:00.000Z',
    );
    await agent(db, 'slow', '1', ['billing']);
    await claimNext(db, 'slow', clock);

    // Act: sweeps before and after the due time, and once more right after.
    const early = await sweepBreaches(db, ROUTING_DEFINITION, fixedClock('2026-11-26T16:59:00.000Z'));
    const late = await sweepBreaches(db, ROUTING_DEFINITION, fixedClock('2026-11-26T17:01:00.000Z'));
    const again = await sweepBreaches(db, ROUTING_DEFINITION, fixedClock('2026-11-26T17:02:00.000Z'));

    // Assess
    expect(early).toEqual([]);
    expect(late).toEqual([
      expect.objectContaining({ conversationId, kind: 'first-response-breach', fromTier: '1', toTier: '2' }),
    ]);
    expect(again).toEqual([]);
    const conversation = await getConversation(db, conversationId);
    expect(conversation).toMatchObject({ tier: '2', status: 'open' });
    expect(conversation.assignee).toBeUndefined();
    expect(conversation.escalations?.at(-1)).toMatchObject({
      reason: 'first-response-breach',
      fromTier: '1',
      toTier: '2',
    });
    expect(conversation.firstResponseDueAt).toBe('2026-11-27T01:01:00.000Z');
    expect((await getAgent(db, 'slow', true)).activeCount).toBe(0);
  });

  it('raises the priority at tier 3 instead of going deeper', async () => {
    const db = testDb(table);
    const { conversationId } = await concern(db, 'expert@example.com', 'Hello', '2026-11-26T09:00:00.000Z');
    await escalate(
      db,
      conversationId,
      { toTier: '3', note: 'for the experts' },
      supervisor,
      ROUTING_DEFINITION,
      fixedClock('2026-11-26T09:00:00.000Z'),
    );

    const breaches = await sweepBreaches(db, ROUTING_DEFINITION, fixedClock('2026-11-28T09:00:00.000Z'));

    expect(breaches).toEqual([
      expect.objectContaining({
        conversationId,
        fromTier: '3',
        toTier: '3',
        fromPriority: 'normal',
        toPriority: 'high',
      }),
    ]);
  });
});
