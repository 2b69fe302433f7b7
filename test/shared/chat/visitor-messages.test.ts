import { describe, expect, it } from 'vitest';
import { chatToInbound } from '../../../shared/channels/chat/receive-message.js';
import { listVisitorMessages } from '../../../shared/channels/chat/visitor-messages.js';
import { ingestInbound } from '../../../shared/ingest/ingest.js';
import type { ChatConnection, IdentityRef, Interaction } from '../../../shared/schemas/index.js';
import type { Db } from '../../../shared/store/db.js';
import { getOutboundInteraction, putOutboundInteraction } from '../../../shared/store/interactions.js';
import { fixedClock } from '../../support/chat.js';
import { useDynamoTable } from '../../support/dynamodb.js';
import { email, inbound, testDb } from '../../support/inbound.js';

const table = useDynamoTable();

const START = '2026-11-26T12:20:00.000Z';

function at(seconds: number): string {
  return new Date(Date.parse(START) + seconds * 1000).toISOString();
}

function visitorConnection(visitorId: string, address?: string): ChatConnection {
  return {
    connectionId: `conn-${visitorId.slice(-6)}=`,
    visitorId,
    ...(address ? { email: address } : {}),
    connectedAt: START,
    expiresAt: Date.parse(START) / 1000 + 7200,
  };
}

async function chat(
  db: Db,
  clock: ReturnType<typeof fixedClock>,
  connection: ChatConnection,
  id: string,
  text: string,
) {
  clock.advance(1000);
  return ingestInbound(
    db,
    chatToInbound(connection, { action: 'sendMessage', clientMessageId: id, text }, clock.now()),
    clock,
  );
}

async function reply(
  db: Db,
  clock: ReturnType<typeof fixedClock>,
  to: IdentityRef,
  base: { customerId: string; conversationId: string },
  channel: Interaction['channel'],
  body: string,
): Promise<string> {
  clock.advance(1000);
  const interactionId = clock.newId();
  await putOutboundInteraction(db, {
    interactionId,
    customerId: base.customerId,
    conversationId: base.conversationId,
    direction: 'outbound',
    channel,
    identities: [{ ...to, trust: 'verified' }],
    body,
    attachments: [],
    providerMessageId: interactionId,
    providerRefs: {},
    occurredAt: clock.now(),
    recordedAt: clock.now(),
    deliveryStatus: 'queued',
    authorId: 'agent-7',
  });
  return interactionId;
}

describe('listVisitorMessages', () => {
  it("returns only the visitor's own chat messages and the replies to them, oldest first", async () => {
    // Prepare: one customer (ada@example.com) who wrote by web form and email, and chatted as two visitors.
    const db = testDb(table);
    const clock = fixedClock(START);
    await ingestInbound(
      db,
      inbound([email('ada@example.com')], { receivedAt: at(-600), body: 'web form' }),
      clock,
    );
    const visitor = clock.newId();
    const otherVisitor = clock.newId();
    const mine = visitorConnection(visitor, 'ada@example.com');
    const theirs = visitorConnection(otherVisitor, 'ada@example.com');
    const first = await chat(db, clock, mine, 'm-1', 'Hello, my invoice is wrong');
    await ingestInbound(
      db,
      inbound([email('ada@example.com')], { channel: 'email', receivedAt: clock.now(), body: 'an email' }),
      clock,
    );
    await chat(db, clock, theirs, 'x-1', 'I am the other tab');
    const base = { customerId: first.customerId, conversationId: first.conversationId };
    const answer = await reply(
      db,
      clock,
      { kind: 'visitor', value: visitor },
      base,
      'chat',
      'Looking into it',
    );
    await reply(db, clock, { kind: 'email', value: 'ada@example.com' }, base, 'email', 'Email answer');
    await reply(
      db,
      clock,
      { kind: 'visitor', value: otherVisitor },
      base,
      'chat',
      'Reply to the other visitor',
    );

    // Act
    const result = await listVisitorMessages(db, visitor, undefined);

    // Assess
    expect(result.hasMore).toBe(false);
    expect(result.messages).toEqual([
      {
        interactionId: first.interactionId,
        from: 'visitor',
        body: 'Hello, my invoice is wrong',
        sentAt: first.occurredAt,
        clientMessageId: 'm-1',
      },
      { interactionId: answer, from: 'agent', body: 'Looking into it', sentAt: expect.any(String) },
    ]);
  });

  it('marks the queued replies it returns as delivered', async () => {
    const db = testDb(table);
    const clock = fixedClock(START);
    const visitor = clock.newId();
    const first = await chat(db, clock, visitorConnection(visitor), 'm-1', 'Anyone there?');
    const answer = await reply(db, clock, { kind: 'visitor', value: visitor }, first, 'chat', 'Yes!');

    await listVisitorMessages(db, visitor, undefined);

    const stored = await getOutboundInteraction(db, answer, true);
    expect(stored?.deliveryStatus).toBe('delivered');
    expect(stored?.providerRefs.deliveredVia).toBe('fetch');
  });

  it('returns only messages created after the cursor', async () => {
    const db = testDb(table);
    const clock = fixedClock(START);
    const visitor = clock.newId();
    const connection = visitorConnection(visitor);
    const first = await chat(db, clock, connection, 'm-1', 'one');
    const second = await chat(db, clock, connection, 'm-2', 'two');
    const answer = await reply(db, clock, { kind: 'visitor', value: visitor }, first, 'chat', 'three');

    const result = await listVisitorMessages(db, visitor, first.interactionId);

    expect(result.messages.map((message) => message.interactionId)).toEqual([second.interactionId, answer]);
  });

  it('pages by 100 with hasMore, continuing after the last id', async () => {
    const db = testDb(table);
    const clock = fixedClock(START);
    const visitor = clock.newId();
    const connection = visitorConnection(visitor);
    for (let n = 0; n < 103; n++) await chat(db, clock, connection, `m-${n}`, `message ${n}`);

    const page = await listVisitorMessages(db, visitor, undefined);
    const rest = await listVisitorMessages(db, visitor, page.messages.at(-1)?.interactionId);

    expect(page.messages).toHaveLength(100);
    expect(page.hasMore).toBe(true);
    expect(page.messages[0]?.body).toBe('message 0');
    expect(rest.messages.map((message) => message.body)).toEqual([
      'message 100',
      'message 101',
      'message 102',
    ]);
    expect(rest.hasMore).toBe(false);
  });

  it('returns nothing for a visitor who never wrote', async () => {
    const db = testDb(table);

    const result = await listVisitorMessages(db, fixedClock(START).newId(), undefined);

    expect(result).toEqual({ messages: [], hasMore: false });
  });
});
