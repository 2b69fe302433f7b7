import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { sendReply } from '../../shared/outbound/send-reply.js';
import { ROUTING_DEFINITION, type RoutingDefinition } from '../../shared/routing/definition.js';
import { routingRequest } from '../../shared/routing/handoff.js';
import { recordInboundActivity, ruleRouter } from '../../shared/routing/record-activity.js';
import { replay, simulateRouting } from '../../shared/routing/simulate.js';
import { getConversation } from '../../shared/store/conversations.js';
import type { Db } from '../../shared/store/db.js';
import { customerKey } from '../../shared/store/keys.js';
import { fixedClock } from '../support/chat.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { clock, email, inbound, testDb } from '../support/inbound.js';
import { recordingSender } from '../support/recording-sender.js';

const table = useDynamoTable();
const router = ruleRouter(ROUTING_DEFINITION);

/** Ingests a message and has the route consumer apply it, as the routing queue would. */
async function routed(db: Db, message: ReturnType<typeof inbound>) {
  const result = await ingestInbound(db, message, clock);
  const request = routingRequest(result);
  await recordInboundActivity(db, request, router, clock);
  return { result, request };
}

describe('routing decisions on the conversation', () => {
  it('places a new concern by its words and records the rule that fired under the definition version', async () => {
    const db = testDb(table);

    const { result } = await routed(
      db,
      inbound([email('bill@example.com')], { body: 'Please refund my invoice' }),
    );

    const conversation = await getConversation(db, result.conversationId);
    expect(conversation).toMatchObject({ tier: '1', skill: 'billing', priority: 'normal' });
    expect(conversation.routingDecisions).toEqual([
      expect.objectContaining({
        interactionId: result.interactionId,
        skill: 'billing',
        rules: ['billing'],
        definitionVersion: ROUTING_DEFINITION.version,
      }),
    ]);
  });

  it('makes suspected fraud urgent at tier 2 with the due times of that service level', async () => {
    const db = testDb(table);
    const receivedAt = '2026-11-26T12:00:00.000Z';

    const { result } = await routed(
      db,
      inbound([email('fraud@example.com')], {
        body: 'There is an unauthorized charge on my card',
        receivedAt,
      }),
    );

    const conversation = await getConversation(db, result.conversationId);
    expect(conversation).toMatchObject({ tier: '2', priority: 'urgent', skill: 'billing' });
    expect(conversation.firstResponseDueAt).toBe('2026-11-26T13:00:00.000Z');
    expect(conversation.resolutionDueAt).toBe('2026-11-27T12:00:00.000Z');
  });

  it('moves a concern one tier deeper when the customer chases an unanswered message, not otherwise', async () => {
    // Prepare
    const db = testDb(table);
    const at = (hour: number) => `2026-11-26T${String(hour).padStart(2, '0')}:00:00.000Z`;
    const first = await routed(
      db,
      inbound([email('again@example.com')], { body: 'Hello?', receivedAt: at(9) }),
    );

    // Act: a second message a moment later, a third after two hours unanswered, an answer, a fourth.
    await routed(
      db,
      inbound([email('again@example.com')], { body: 'PS', receivedAt: '2026-11-26T09:00:30.000Z' }),
    );
    const afterMoment = await getConversation(db, first.result.conversationId);
    await routed(db, inbound([email('again@example.com')], { body: 'Anyone there?', receivedAt: at(11) }));
    const afterChase = await getConversation(db, first.result.conversationId);
    await sendReply(
      db,
      { email: recordingSender('email') },
      { conversationId: first.result.conversationId, body: 'Yes, here', authorId: 'agent-1' },
      fixedClock(at(12)),
    );
    await routed(
      db,
      inbound([email('again@example.com')], { body: 'Thanks, one more thing', receivedAt: at(15) }),
    );
    const afterAnswer = await getConversation(db, first.result.conversationId);

    // Assess
    expect(afterMoment.tier).toBe('e');
    expect(afterChase.tier).toBe('1');
    expect(afterChase.routingDecisions?.at(-1)?.rules).toEqual(['repeat-contact']);
    expect(afterAnswer.tier).toBe('1');
    expect(afterAnswer.routingDecisions?.at(-1)?.rules).toEqual([]);
  });

  it('reads the customer attributes: a VIP is answered sooner', async () => {
    const db = testDb(table);
    const first = await ingestInbound(db, inbound([email('vip@example.com')], { body: 'first' }), clock);
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: customerKey(first.customerId),
        UpdateExpression: 'SET attributes = :attributes',
        ExpressionAttributeValues: { ':attributes': { vip: true } },
      }),
    );

    const { result } = await routed(db, inbound([email('vip@example.com')], { body: 'second' }));

    const conversation = await getConversation(db, result.conversationId);
    expect(conversation.priority).toBe('high');
    expect(conversation.routingDecisions?.at(-1)?.rules).toContain('vip');
  });

  it('applies a redelivered request once', async () => {
    const db = testDb(table);
    const { result, request } = await routed(
      db,
      inbound([email('twice@example.com')], { body: 'refund please' }),
    );

    await recordInboundActivity(db, request, router, clock);

    expect((await getConversation(db, result.conversationId)).routingDecisions).toHaveLength(1);
  });
});

describe('the routing dry run', () => {
  // A candidate without automation: what the e-level takes today goes to a person.
  const candidate: RoutingDefinition = {
    ...ROUTING_DEFINITION,
    version: 'candidate-1',
    rules: [
      ...ROUTING_DEFINITION.rules,
      {
        id: 'people-only',
        when: { channels: ['email', 'sms', 'chat', 'webform'] },
        route: { tierAtLeast: '1' },
      },
    ],
  };

  it('replays recorded messages through both definitions and writes nothing', async () => {
    // Prepare
    const db = testDb(table);
    await routed(db, inbound([email('hours@example.com')], { body: 'What are your opening hours?' }));
    await routed(db, inbound([email('refund@example.com')], { body: 'Refund my invoice please' }));
    const before = await db.doc.send(new ScanCommand({ TableName: db.tableName }));

    // Act
    const report = await simulateRouting(
      db,
      ROUTING_DEFINITION,
      candidate,
      { days: 30, maxMessages: 100 },
      fixedClock('2026-11-27T00:00:00.000Z'),
    );

    // Assess
    expect(report).toMatchObject({ messages: 2, conversations: 2, complete: true, changedMessages: 1 });
    expect(report.inForce.tiers).toEqual({ e: 1, '1': 1, '2': 0, '3': 0 });
    expect(report.candidate.tiers).toEqual({ e: 0, '1': 2, '2': 0, '3': 0 });
    expect(report.inForce.eLevelConversations).toBe(1);
    expect(report.candidate.eLevelConversations).toBe(0);
    expect(report.candidate.rulesFired).toEqual({ 'people-only': 2, billing: 1 });
    expect(report.examples).toEqual([
      expect.objectContaining({
        inForce: expect.objectContaining({ tier: 'e' }),
        candidate: expect.objectContaining({ tier: '1' }),
      }),
    ]);
    expect(report.readUnits).toBeGreaterThan(0);
    const after = await db.doc.send(new ScanCommand({ TableName: db.tableName }));
    expect(after.Items).toEqual(before.Items);
  });

  it('predicts first-response breaches from when answers were actually sent', () => {
    const opened = '2026-11-26T09:00:00.000Z';
    const message = {
      interactionId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7A',
      customerId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7B',
      conversationId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7C',
      direction: 'inbound' as const,
      channel: 'webform' as const,
      identities: [{ kind: 'email' as const, value: 'a@example.com', trust: 'verified' as const }],
      body: 'There is an unauthorized charge',
      attachments: [],
      providerMessageId: 'p-1',
      providerRefs: {},
      occurredAt: opened,
      recordedAt: opened,
    };
    // Answered after three hours: fine for tier 1 normal (8 h), a breach once the candidate makes it urgent (1 h).
    const answer = {
      ...message,
      interactionId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7D',
      direction: 'outbound' as const,
      occurredAt: '2026-11-26T12:00:00.000Z',
    };
    const lenient: RoutingDefinition = {
      ...ROUTING_DEFINITION,
      version: 'lenient',
      defaultAssignment: { tier: '1', skill: 'general', priority: 'normal' },
      rules: [],
    };

    const report = replay(
      [answer, message],
      new Map(),
      lenient,
      ROUTING_DEFINITION,
      '2026-11-27T00:00:00.000Z',
      100,
    );

    expect(report.inForce.predictedFirstResponseBreaches).toBe(0);
    expect(report.candidate.predictedFirstResponseBreaches).toBe(1);
  });
});
