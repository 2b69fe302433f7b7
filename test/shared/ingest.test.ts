import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/errors.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { getConversation } from '../../shared/store/conversations.js';
import { findCustomerByIdentity, getCustomer } from '../../shared/store/customers.js';
import type { Db } from '../../shared/store/db.js';
import { getTimeline } from '../../shared/store/timeline.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { clock, email, inbound, phone, testDb } from '../support/inbound.js';

const table = useDynamoTable();

async function countEntities(db: Db, entity: string): Promise<number> {
  const output = await db.doc.send(
    new ScanCommand({
      TableName: db.tableName,
      FilterExpression: 'entity = :entity',
      ExpressionAttributeValues: { ':entity': entity },
    }),
  );
  return output.Items?.length ?? 0;
}

async function timelineOf(db: Db, customerId: string) {
  const customer = await getCustomer(db, customerId);
  return (await getTimeline(db, customer, { limit: 100 })).items;
}

describe('ingestInbound', () => {
  it('creates a customer, an open conversation and the interaction for an unknown sender', async () => {
    // Prepare
    const db = testDb(table);
    const message = inbound([email('ada@example.com')], { name: 'Ada', subject: 'Billing' });

    // Act
    const result = await ingestInbound(db, message, clock);

    // Assess
    expect(result).toMatchObject({ outcome: 'recorded', customerCreated: true, conversationOpened: true });
    const customer = await findCustomerByIdentity(db, email('ada@example.com'));
    expect(customer).toMatchObject({
      customerId: result.customerId,
      name: 'Ada',
      openConversationId: result.conversationId,
    });
    const conversation = await getConversation(db, result.conversationId);
    expect(conversation).toMatchObject({ status: 'open', channel: 'webform', tier: 'e', subject: 'Billing' });
    expect(conversation.firstResponseDueAt > message.receivedAt).toBe(true);
    const timeline = await timelineOf(db, result.customerId);
    expect(timeline.map((interaction) => interaction.body)).toEqual([message.body]);
  });

  it('answers a retried delivery with the first ids and stores one interaction', async () => {
    const db = testDb(table);
    const message = inbound([email('retry@example.com')]);

    const first = await ingestInbound(db, message, clock);
    const second = await ingestInbound(db, { ...message, receivedAt: new Date().toISOString() }, clock);

    expect(second.outcome).toBe('duplicate');
    expect(second).toMatchObject({
      customerId: first.customerId,
      conversationId: first.conversationId,
      interactionId: first.interactionId,
    });
    expect(await countEntities(db, 'interaction')).toBe(1);
  });

  it('stores one interaction when copies of a message arrive at the same time', async () => {
    const db = testDb(table);
    const message = inbound([email('burst@example.com')]);

    const results = await Promise.all(Array.from({ length: 8 }, () => ingestInbound(db, message, clock)));

    expect(new Set(results.map((result) => result.interactionId)).size).toBe(1);
    expect(results.filter((result) => result.outcome === 'recorded')).toHaveLength(1);
    expect(await countEntities(db, 'interaction')).toBe(1);
    expect(await countEntities(db, 'customer')).toBe(1);
  });

  it('makes one customer of simultaneous first messages from one new address', async () => {
    const db = testDb(table);
    const messages = Array.from({ length: 6 }, () => inbound([email('twins@example.com')]));

    const results = await Promise.all(messages.map((message) => ingestInbound(db, message, clock)));

    expect(new Set(results.map((result) => result.customerId)).size).toBe(1);
    expect(new Set(results.map((result) => result.conversationId)).size).toBe(1);
    expect(await countEntities(db, 'customer')).toBe(1);
    expect(await timelineOf(db, results[0]?.customerId ?? '')).toHaveLength(6);
  });

  it('continues the open conversation whatever the channel', async () => {
    const db = testDb(table);
    const first = await ingestInbound(db, inbound([email('cross@example.com')]), clock);

    const second = await ingestInbound(
      db,
      inbound([email('cross@example.com')], { channel: 'email', providerMessageId: '<abc@mail.example>' }),
      clock,
    );

    expect(second).toMatchObject({
      outcome: 'recorded',
      customerId: first.customerId,
      conversationId: first.conversationId,
      conversationOpened: false,
    });
    const channels = (await timelineOf(db, first.customerId)).map((interaction) => interaction.channel);
    expect(channels).toEqual(['email', 'webform']);
  });

  it('attaches a new identity to the known customer and resolves it afterwards', async () => {
    const db = testDb(table);
    const first = await ingestInbound(db, inbound([email('grow@example.com')]), clock);

    await ingestInbound(db, inbound([email('grow@example.com'), phone('+14155552671')]), clock);
    const byPhone = await ingestInbound(db, inbound([phone('+14155552671')], { channel: 'sms' }), clock);

    expect(byPhone).toMatchObject({ customerId: first.customerId, conversationId: first.conversationId });
    const customer = await getCustomer(db, first.customerId);
    expect(customer.identities).toEqual([email('grow@example.com'), phone('+14155552671')]);
    expect(await countEntities(db, 'customer')).toBe(1);
  });

  it('merges two customers when one message carries identities of both, losing no interaction', async () => {
    // Prepare: two customers who do not know they are one person.
    const db = testDb(table);
    const byEmail = await ingestInbound(db, inbound([email('merge@example.com')]), clock);
    const byPhone = await ingestInbound(db, inbound([phone('+442079460958')], { channel: 'sms' }), clock);
    await ingestInbound(db, inbound([phone('+442079460958')], { channel: 'sms' }), clock);

    // Act
    const joined = await ingestInbound(
      db,
      inbound([email('merge@example.com'), phone('+442079460958')]),
      clock,
    );

    // Assess: the oldest customer survives with every identity and all four interactions.
    expect(joined.customerId).toBe(byEmail.customerId);
    expect(joined.mergedCustomerIds).toEqual([byPhone.customerId]);
    const survivor = await getCustomer(db, byEmail.customerId);
    expect(survivor.identities).toEqual([email('merge@example.com'), phone('+442079460958')]);
    expect(survivor.mergedFrom).toEqual([byPhone.customerId]);
    expect(await timelineOf(db, survivor.customerId)).toHaveLength(4);
    expect((await getCustomer(db, byPhone.customerId)).customerId).toBe(byEmail.customerId);
    expect((await findCustomerByIdentity(db, phone('+442079460958'))).customerId).toBe(byEmail.customerId);
    // The merged customer's open conversation now belongs to the survivor.
    expect((await getConversation(db, byPhone.conversationId)).customerId).toBe(byEmail.customerId);
    const later = await ingestInbound(db, inbound([phone('+442079460958')], { channel: 'sms' }), clock);
    expect(later).toMatchObject({ customerId: byEmail.customerId, conversationId: byEmail.conversationId });
  });

  it('merges once when concurrent messages each carry both identities', async () => {
    const db = testDb(table);
    const a = await ingestInbound(db, inbound([email('race@example.com')]), clock);
    await ingestInbound(db, inbound([phone('+33142685300')]), clock);

    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        ingestInbound(db, inbound([email('race@example.com'), phone('+33142685300')]), clock),
      ),
    );

    expect(new Set(results.map((result) => result.customerId))).toEqual(new Set([a.customerId]));
    expect(await timelineOf(db, a.customerId)).toHaveLength(6);
  });

  it('refuses a provider message id reused by a different sender', async () => {
    const db = testDb(table);
    await ingestInbound(
      db,
      inbound([email('owner@example.com')], { providerMessageId: 'form:shared-id' }),
      clock,
    );

    await expect(
      ingestInbound(
        db,
        inbound([email('intruder@example.com')], { providerMessageId: 'form:shared-id' }),
        clock,
      ),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await countEntities(db, 'interaction')).toBe(1);
  });

  it('opens a new conversation when the customer has none open', async () => {
    const db = testDb(table);
    const first = await ingestInbound(db, inbound([email('reopen@example.com')]), clock);
    // Resolve the conversation the way the resolution workflow will: clear the open pointers.
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: { pk: `CUSTOMER#${first.customerId}`, sk: 'PROFILE' },
        UpdateExpression: 'REMOVE openConversationId',
      }),
    );
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: { pk: 'IDENTITY#email#reopen@example.com', sk: 'IDENTITY' },
        UpdateExpression: 'REMOVE conversationId',
      }),
    );

    const second = await ingestInbound(db, inbound([email('reopen@example.com')]), clock);

    expect(second.conversationOpened).toBe(true);
    expect(second.conversationId).not.toBe(first.conversationId);
    expect((await getCustomer(db, first.customerId)).openConversationId).toBe(second.conversationId);
  });
});
