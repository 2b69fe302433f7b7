import { describe, expect, it } from 'vitest';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import { type RoutingRequest, routingRequest } from '../../shared/routing/handoff.js';
import { recordInboundActivity, ruleRouter } from '../../shared/routing/record-activity.js';
import { getConversation, replaceConversation } from '../../shared/store/conversations.js';
import { getCustomer } from '../../shared/store/customers.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { clock, email, inbound, testDb } from '../support/inbound.js';

const table = useDynamoTable();

function requestFor(result: Awaited<ReturnType<typeof ingestInbound>>): RoutingRequest {
  return routingRequest(result);
}

const router = ruleRouter(ROUTING_DEFINITION);

describe('recordInboundActivity', () => {
  it("moves the customer's last interaction and the conversation's last inbound forward", async () => {
    const db = testDb(table);
    const first = await ingestInbound(
      db,
      inbound([email('act@example.com')], { receivedAt: '2026-11-20T09:00:00.000Z' }),
      clock,
    );
    const second = await ingestInbound(
      db,
      inbound([email('act@example.com')], { receivedAt: '2026-11-21T09:00:00.000Z' }),
      clock,
    );

    await recordInboundActivity(db, requestFor(second), router, clock);

    expect((await getCustomer(db, first.customerId)).lastInteractionAt).toBe('2026-11-21T09:00:00.000Z');
    expect((await getConversation(db, first.conversationId)).lastInboundAt).toBe('2026-11-21T09:00:00.000Z');
  });

  it('keeps the first interaction of a day as the last-interaction date until another day comes', async () => {
    const db = testDb(table);
    const morning = await ingestInbound(
      db,
      inbound([email('day@example.com')], { receivedAt: '2026-11-20T09:00:00.000Z' }),
      clock,
    );
    const evening = await ingestInbound(
      db,
      inbound([email('day@example.com')], { receivedAt: '2026-11-20T18:00:00.000Z' }),
      clock,
    );
    const nextDay = await ingestInbound(
      db,
      inbound([email('day@example.com')], { receivedAt: '2026-11-21T08:00:00.000Z' }),
      clock,
    );

    await recordInboundActivity(db, requestFor(morning), router, clock);
    await recordInboundActivity(db, requestFor(evening), router, clock);
    const sameDay = (await getCustomer(db, morning.customerId)).lastInteractionAt;
    await recordInboundActivity(db, requestFor(nextDay), router, clock);

    expect(sameDay?.slice(0, 10)).toBe('2026-11-20');
    expect((await getCustomer(db, morning.customerId)).lastInteractionAt).toBe('2026-11-21T08:00:00.000Z');
  });

  it('ignores a late or repeated request instead of moving time backwards', async () => {
    const db = testDb(table);
    const early = await ingestInbound(
      db,
      inbound([email('late@example.com')], { receivedAt: '2026-11-20T09:00:00.000Z' }),
      clock,
    );
    const late = await ingestInbound(
      db,
      inbound([email('late@example.com')], { receivedAt: '2026-11-22T09:00:00.000Z' }),
      clock,
    );

    await recordInboundActivity(db, requestFor(late), router, clock);
    await recordInboundActivity(db, requestFor(early), router, clock);
    await recordInboundActivity(db, requestFor(late), router, clock);

    expect((await getCustomer(db, early.customerId)).lastInteractionAt).toBe('2026-11-22T09:00:00.000Z');
    expect((await getConversation(db, early.conversationId)).lastInboundAt).toBe('2026-11-22T09:00:00.000Z');
  });

  it('puts a conversation waiting on the customer back to open when they write', async () => {
    const db = testDb(table);
    const first = await ingestInbound(
      db,
      inbound([email('pending@example.com')], { receivedAt: '2026-11-20T09:00:00.000Z' }),
      clock,
    );
    const conversation = await getConversation(db, first.conversationId, true);
    await replaceConversation(
      db,
      { ...conversation, status: 'pending', updatedAt: clock.now() },
      conversation.updatedAt,
    );
    const reply = await ingestInbound(
      db,
      inbound([email('pending@example.com')], { receivedAt: '2026-11-20T10:00:00.000Z' }),
      clock,
    );

    await recordInboundActivity(db, requestFor(reply), router, clock);

    expect((await getConversation(db, first.conversationId)).status).toBe('open');
  });
});
