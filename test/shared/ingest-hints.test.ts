import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { getConversation, updateConversation } from '../../shared/store/conversations.js';
import { getCustomer } from '../../shared/store/customers.js';
import type { Db } from '../../shared/store/db.js';
import { getIdentities } from '../../shared/store/identities.js';
import { conversationInbound } from '../../shared/store/interactions.js';
import { conversationKey } from '../../shared/store/keys.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { clock, email, inbound, phone, testDb } from '../support/inbound.js';

const table = useDynamoTable();

/** Clears the open pointers the way the resolution workflow will, leaving the conversation's status as is. */
async function clearOpenPointers(db: Db, customerId: string, address: string): Promise<void> {
  await db.doc.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: { pk: `CUSTOMER#${customerId}`, sk: 'PROFILE' },
      UpdateExpression: 'REMOVE openConversationId',
    }),
  );
  await db.doc.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: { pk: `IDENTITY#email#${address}`, sk: 'IDENTITY' },
      UpdateExpression: 'REMOVE conversationId',
    }),
  );
}

/** A customer with two unresolved conversations (as a merge leaves them): A older, B the open pointer. */
async function customerWithTwoConversations(db: Db, address: string) {
  const first = await ingestInbound(db, inbound([email(address)]), clock);
  await clearOpenPointers(db, first.customerId, address);
  const second = await ingestInbound(db, inbound([email(address)]), clock);
  return { customerId: first.customerId, a: first.conversationId, b: second.conversationId };
}

describe('ingestInbound with a conversation hint', () => {
  it('continues the hinted conversation when it is the customer’s and not resolved', async () => {
    // Prepare
    const db = testDb(table);
    const { customerId, a, b } = await customerWithTwoConversations(db, 'hint@example.com');

    // Act
    const result = await ingestInbound(
      db,
      inbound([email('hint@example.com')], { channel: 'email' }),
      clock,
      {
        conversationHint: a,
      },
    );

    // Assess: the message joins A; the open pointer still names B.
    expect(result).toMatchObject({ outcome: 'recorded', conversationId: a, conversationOpened: false });
    expect((await getCustomer(db, customerId)).openConversationId).toBe(b);
    const [identity] = await getIdentities(db, [email('hint@example.com')], true);
    expect(identity?.conversationId).toBe(b);
  });

  it('ignores a hint at a resolved conversation', async () => {
    const db = testDb(table);
    const { a, b } = await customerWithTwoConversations(db, 'resolved@example.com');
    await updateConversation(db, a, (current) => ({
      ...current,
      status: 'resolved',
      updatedAt: clock.now(),
    }));

    const result = await ingestInbound(db, inbound([email('resolved@example.com')]), clock, {
      conversationHint: a,
    });

    expect(result.conversationId).toBe(b);
  });

  it('ignores a hint at another customer’s conversation and attaches nothing to that customer', async () => {
    const db = testDb(table);
    const owner = await ingestInbound(db, inbound([email('owner@example.com')]), clock);

    const colleague = await ingestInbound(db, inbound([email('colleague@example.com')]), clock, {
      conversationHint: owner.conversationId,
    });

    expect(colleague.customerId).not.toBe(owner.customerId);
    expect(colleague.conversationId).not.toBe(owner.conversationId);
    expect((await getCustomer(db, owner.customerId)).identities).toEqual([email('owner@example.com')]);
  });

  it('ignores a hint at a conversation that does not exist', async () => {
    const db = testDb(table);
    const first = await ingestInbound(db, inbound([email('ghost@example.com')]), clock);

    const result = await ingestInbound(db, inbound([email('ghost@example.com')]), clock, {
      conversationHint: '01JDQ3V9XK4T2B7Y8Z0M5N6P7Z',
    });

    expect(result.conversationId).toBe(first.conversationId);
  });

  it('files a hinted message that also brings a new identity, keeping the pointers on the open conversation', async () => {
    const db = testDb(table);
    const { customerId, a, b } = await customerWithTwoConversations(db, 'grow-hint@example.com');

    const result = await ingestInbound(
      db,
      inbound([email('grow-hint@example.com'), phone('+14155552671')]),
      clock,
      { conversationHint: a },
    );

    expect(result.conversationId).toBe(a);
    const identities = await getIdentities(
      db,
      [email('grow-hint@example.com'), { kind: 'phone', value: '+14155552671' }],
      true,
    );
    expect(identities.map((identity) => identity.conversationId)).toEqual([b, b]);
    expect((await getCustomer(db, customerId)).openConversationId).toBe(b);
  });
});

describe('ingestInbound of a record-only message', () => {
  it('files a first message from an unknown sender in a resolved conversation nothing points at', async () => {
    // Prepare
    const db = testDb(table);

    // Act
    const result = await ingestInbound(
      db,
      inbound([email('ooo@example.com')], { routing: 'record-only' }),
      clock,
    );

    // Assess: on the timeline, but no open conversation and nothing in a work queue.
    const conversation = await getConversation(db, result.conversationId);
    expect(conversation).toMatchObject({ status: 'resolved', resolvedAt: expect.any(String) });
    const stored = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: conversationKey(result.conversationId) }),
    );
    expect(stored.Item?.gsi2pk).toBeUndefined();
    const customer = await getCustomer(db, result.customerId);
    expect(customer.openConversationId).toBeUndefined();
    const [identity] = await getIdentities(db, [email('ooo@example.com')], true);
    expect(identity?.conversationId).toBeUndefined();

    // A message from a person afterwards opens a conversation of its own.
    const later = await ingestInbound(db, inbound([email('ooo@example.com')]), clock);
    expect(later.conversationOpened).toBe(true);
    expect(later.conversationId).not.toBe(result.conversationId);
    expect((await getConversation(db, later.conversationId)).status).toBe('open');
  });

  it('files into the open conversation when there is one, marked record-only and never the one answered', async () => {
    const db = testDb(table);
    const first = await ingestInbound(db, inbound([email('known@example.com')], { body: 'question' }), clock);

    const auto = await ingestInbound(
      db,
      inbound([email('known@example.com')], { routing: 'record-only', body: 'I am away' }),
      clock,
    );

    expect(auto.conversationId).toBe(first.conversationId);
    const customer = await getCustomer(db, first.customerId);
    const conversation = await getConversation(db, first.conversationId);
    const answering = (await conversationInbound(db, customer, conversation)).latest;
    expect(answering?.body).toBe('question');
  });

  it('does not open a conversation for a known customer who has none open', async () => {
    const db = testDb(table);
    const first = await ingestInbound(db, inbound([email('closed@example.com')]), clock);
    await clearOpenPointers(db, first.customerId, 'closed@example.com');

    const auto = await ingestInbound(
      db,
      inbound([email('closed@example.com')], { routing: 'record-only' }),
      clock,
    );

    expect((await getConversation(db, auto.conversationId)).status).toBe('resolved');
    expect((await getCustomer(db, first.customerId)).openConversationId).toBeUndefined();
  });
});
