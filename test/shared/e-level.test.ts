import { describe, expect, it } from 'vitest';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import {
  E_LEVEL_AUTHOR,
  type ELevelDeps,
  type KnowledgeBase,
  runELevel,
} from '../../shared/routing/e-level.js';
import { routingRequest } from '../../shared/routing/handoff.js';
import { pushToAgent } from '../../shared/routing/push-assignment.js';
import { recordInboundActivity, ruleRouter } from '../../shared/routing/record-activity.js';
import { type TierRequest, tierRequestFor } from '../../shared/routing/tier-queues.js';
import { getAgent, putAgentProfile, setAgentStatus } from '../../shared/store/agents.js';
import { getConversation } from '../../shared/store/conversations.js';
import { getCustomer } from '../../shared/store/customers.js';
import type { Db } from '../../shared/store/db.js';
import { getTimeline } from '../../shared/store/timeline.js';
import { fixedClock } from '../support/chat.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { email, inbound, testDb } from '../support/inbound.js';
import { type RecordingSender, recordingSender } from '../support/recording-sender.js';

const table = useDynamoTable();
const router = ruleRouter(ROUTING_DEFINITION);

const PASSWORD_ARTICLE = {
  articleId: '01JDQ3V9XK4T2B7Y8Z0M5N6KB1',
  title: 'Resetting your password',
  body: 'Open the sign-in page, choose "Forgot password" and follow the link we email you.',
};

/** A knowledge base that knows about passwords only, with a confidence the test chooses. */
function knowledgeBase(score: number, coverage: number): KnowledgeBase {
  return {
    best: (text) => (/password/i.test(text) ? { article: PASSWORD_ARTICLE, score, coverage } : undefined),
  };
}

interface Harness {
  readonly deps: ELevelDeps;
  readonly mail: RecordingSender;
  readonly handedOff: TierRequest[];
}

function harness(db: Db, kb: KnowledgeBase, at = '2026-11-26T09:01:00.000Z'): Harness {
  const mail = recordingSender('email');
  const handedOff: TierRequest[] = [];
  return {
    mail,
    handedOff,
    deps: {
      db,
      senders: { email: mail },
      knowledgeBase: async () => kb,
      handOff: async (request) => {
        handedOff.push(request);
      },
      definition: ROUTING_DEFINITION,
      clock: fixedClock(at),
    },
  };
}

/** A customer's email, ingested and routed; the tier request routing would send, if any. */
async function routed(db: Db, address: string, body: string, receivedAt = '2026-11-26T09:00:00.000Z') {
  const clock = fixedClock(receivedAt);
  const result = await ingestInbound(
    db,
    inbound([email(address)], { channel: 'email', body, receivedAt }),
    clock,
  );
  const request = routingRequest(result);
  const conversation = await recordInboundActivity(db, request, router, clock);
  return { result, tierRequest: tierRequestFor(request, conversation, ROUTING_DEFINITION) };
}

describe('the e-level', () => {
  it('answers a standard question from the knowledge base, says how to reach a person, and resolves', async () => {
    // Prepare
    const db = testDb(table);
    const { result, tierRequest } = await routed(db, 'pw@example.com', 'How do I reset my password?');
    const { deps, mail } = harness(db, knowledgeBase(20, 1));

    // Act
    const outcome = await runELevel(deps, tierRequest as TierRequest);

    // Assess
    expect(tierRequest).toMatchObject({ tier: 'e', skill: 'general' });
    expect(outcome.kind).toBe('answered');
    expect(mail.sent).toHaveLength(1);
    expect(mail.sent[0]?.to).toMatchObject({ value: 'pw@example.com' });
    expect(mail.sent[0]?.body).toContain('Forgot password');
    expect(mail.sent[0]?.body).toContain('AGENT');
    const conversation = await getConversation(db, result.conversationId);
    expect(conversation).toMatchObject({
      status: 'resolved',
      resolutionCode: 'e-level-answer',
      tier: 'e',
      eLevel: { outcome: 'answered', articleId: PASSWORD_ARTICLE.articleId, score: 20, coverage: 1 },
    });
    const timeline = await getTimeline(db, await getCustomer(db, result.customerId), { limit: 10 });
    expect(timeline.items.find((item) => item.direction === 'outbound')).toMatchObject({
      authorId: E_LEVEL_AUTHOR,
    });
  });

  it('answers a message once, however often it is delivered', async () => {
    // Prepare
    const db = testDb(table);
    const { tierRequest } = await routed(db, 'twice-pw@example.com', 'Forgot my password');
    const { deps, mail } = harness(db, knowledgeBase(20, 1));

    // Act
    const first = await runELevel(deps, tierRequest as TierRequest);
    const again = await runELevel(deps, tierRequest as TierRequest);

    // Assess
    expect(first.kind).toBe('answered');
    expect(again.kind).toBe('skipped');
    expect(mail.sent).toHaveLength(1);
  });

  it('hands a concern it cannot answer confidently to tier 1, with the attempt attached', async () => {
    // Prepare
    const db = testDb(table);
    const { result, tierRequest } = await routed(
      db,
      'weak@example.com',
      'Something about my password and more',
    );
    const { deps, mail, handedOff } = harness(db, knowledgeBase(0.5, 0.2));

    // Act
    const outcome = await runELevel(deps, tierRequest as TierRequest);

    // Assess
    expect(outcome).toMatchObject({ kind: 'handed-off', reason: 'low-confidence' });
    expect(mail.sent).toEqual([]);
    const conversation = await getConversation(db, result.conversationId);
    expect(conversation).toMatchObject({
      status: 'open',
      tier: '1',
      eLevel: { outcome: 'handed-off', reason: 'low-confidence', title: PASSWORD_ARTICLE.title, score: 0.5 },
    });
    expect(conversation.escalations?.at(-1)).toMatchObject({
      reason: 'e-level-handoff',
      fromTier: 'e',
      toTier: '1',
    });
    expect(handedOff).toEqual([
      expect.objectContaining({ tier: '1', conversationId: result.conversationId }),
    ]);
  });

  it('sends the reply AGENT to a person: the resolved concern reopens at tier 1 with the answer it had', async () => {
    // Prepare: answered and resolved by the e-level.
    const db = testDb(table);
    const { result, tierRequest } = await routed(db, 'agent-pw@example.com', 'Reset password please');
    await runELevel(harness(db, knowledgeBase(20, 1)).deps, tierRequest as TierRequest);

    // Act: the customer answers AGENT an hour later.
    const reply = await routed(db, 'agent-pw@example.com', 'AGENT', '2026-11-26T10:00:00.000Z');

    // Assess: the same concern, open at tier 1, the e-level's answer still on it; tier 1's queue is told.
    expect(reply.result.conversationId).toBe(result.conversationId);
    const conversation = await getConversation(db, result.conversationId);
    expect(conversation).toMatchObject({ status: 'open', tier: '1', eLevel: { outcome: 'answered' } });
    expect(conversation.routingDecisions?.at(-1)?.rules).toContain('asks-for-agent');
    expect(reply.tierRequest).toMatchObject({ tier: '1', conversationId: result.conversationId });
  });

  it('hands a second contact about an answered concern to tier 1 instead of answering again', async () => {
    // Prepare: answered, then the customer writes again about passwords.
    const db = testDb(table);
    const { result, tierRequest } = await routed(db, 'again-pw@example.com', 'password reset?');
    const { deps, mail, handedOff } = harness(db, knowledgeBase(20, 1));
    await runELevel(deps, tierRequest as TierRequest);
    const second = await routed(
      db,
      'again-pw@example.com',
      'The password link does not arrive',
      '2026-11-26T10:00:00.000Z',
    );

    // Act
    const outcome = await runELevel(deps, second.tierRequest as TierRequest);

    // Assess
    expect(second.result.conversationId).toBe(result.conversationId);
    expect(second.tierRequest).toMatchObject({ tier: 'e' });
    expect(outcome).toMatchObject({ kind: 'handed-off', reason: 'second-contact' });
    expect(mail.sent).toHaveLength(1);
    expect(handedOff).toHaveLength(1);
    expect(await getConversation(db, result.conversationId)).toMatchObject({ tier: '1', status: 'open' });
  });
});

describe('push assignment', () => {
  async function agent(
    db: Db,
    agentId: string,
    tier: '1' | '2' | '3',
    skills: string[],
    status = 'available',
  ) {
    await putAgentProfile(db, { agentId, tier, skills, capacity: 1 }, '2026-11-26T08:00:00.000Z');
    if (status === 'available') await setAgentStatus(db, agentId, 'available', '2026-11-26T08:00:00.000Z');
  }

  it('gives a waiting concern to a free agent of its tier and skill, never beyond capacity', async () => {
    // Prepare: one agent away, one of another skill, one billing agent of capacity one.
    const db = testDb(table);
    await agent(db, 'agent-away', '1', ['billing'], 'away');
    await agent(db, 'agent-sales', '1', ['sales']);
    await agent(db, 'agent-billing', '1', ['billing']);
    const first = await routed(db, 'push1@example.com', 'Refund my invoice please');
    const second = await routed(
      db,
      'push2@example.com',
      'My card was charged twice',
      '2026-11-26T09:05:00.000Z',
    );

    // Act
    const pushed = await pushToAgent(
      db,
      first.tierRequest as TierRequest,
      fixedClock('2026-11-26T09:01:00.000Z'),
    );
    const full = await pushToAgent(
      db,
      second.tierRequest as TierRequest,
      fixedClock('2026-11-26T09:02:00.000Z'),
    );

    // Assess
    expect(first.tierRequest).toMatchObject({ tier: '1', skill: 'billing' });
    expect(pushed).toMatchObject({
      conversationId: first.result.conversationId,
      assignee: { agentId: 'agent-billing' },
    });
    expect(full).toBeUndefined();
    expect((await getConversation(db, second.result.conversationId)).assignee).toBeUndefined();
    expect((await getAgent(db, 'agent-billing')).activeCount).toBe(1);
    expect((await getAgent(db, 'agent-away')).activeCount).toBe(0);
    expect((await getAgent(db, 'agent-sales')).activeCount).toBe(0);
  });

  it('asks nobody for an e-level concern', async () => {
    const db = testDb(table);
    const { tierRequest } = await routed(db, 'e-push@example.com', 'What are your opening hours?');

    expect(tierRequest?.tier).toBe('e');
    expect(
      await pushToAgent(db, tierRequest as TierRequest, fixedClock('2026-11-26T09:01:00.000Z')),
    ).toBeUndefined();
  });
});
