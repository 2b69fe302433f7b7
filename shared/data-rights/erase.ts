import { BatchWriteCommand, DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock.js';
import type { IdentityRef } from '../schemas/index.js';
import { putAuditRecord } from '../store/audit.js';
import type { Db } from '../store/db.js';
import type { Item } from '../store/items.js';
import {
  agentKey,
  conversationKey,
  customerConversationsPartition,
  customerKey,
  customerTombstoneKey,
  type Entity,
  identityTombstoneKey,
  type PrimaryKey,
  timelinePartition,
} from '../store/keys.js';
import { TABLE_KEYS } from '../store/table-definition.js';
import { type TransactItems, transactWrite } from '../store/transact-write.js';
import { cancelledTransaction, conditionFailedItem } from '../store/write-errors.js';
import { findHoldings, holdingCounts, kindOf, queryEvery } from './holdings.js';
import { deleteRawMail, isRawMail, type RawMailStore, rawMailObject } from './raw-mail.js';
import { ERASURE_TOMBSTONE_DAYS, identityHash } from './tombstones.js';

/** What an erasure did: ids and counts, nothing personal. */
export interface ErasureReport {
  /** The customer as it stood (the survivor of its merges). */
  readonly customerId: string;
  /** Every customer erased: it and the customers merged into it. */
  readonly customerIds: readonly string[];
  readonly erasedAt: string;
  /** Items deleted, by kind, and `raw-email`: objects deleted from the mail bucket. */
  readonly counts: Readonly<Record<string, number>>;
}

const CONCURRENCY = 8;
const MAX_CONVERSATION_ATTEMPTS = 4;

/**
 * Erases a customer (docs/data-rights.md): every item the store holds about them and the customers merged
 * into them (found by findHoldings through the access patterns, never a scan), and the raw mail of their
 * messages in the mail bucket. In this order, so that a message in flight cannot bring them back and an
 * erasure cut short (a timeout) is finished by asking again:
 * 1. tombstones of their identities (hashed) and customer ids: a message received before now is dropped
 *    when it arrives later, and queued work about them is done instead of retried;
 * 2. the audit record: who, when, which customer ids, how many items of each kind (no personal data);
 * 3. their identity items (each only while it is still theirs), so no new message finds them;
 * 4. raw mail, conversations (an agent holding one gets the slot back) with their notes, interactions,
 *    campaign recipients and every other item;
 * 5. a second look at their timelines and partitions, for what a message that found them an instant before
 *    step 3 wrote meanwhile;
 * 6. the profiles, the survivor's last: until then the customer id still finds what is left.
 * Aggregates (report counters, campaign counters) keep their counts; audit records (ids only) stay.
 * NotFoundError (404) for an unknown id.
 */
export async function eraseCustomer(
  db: Db,
  rawMail: RawMailStore,
  customerId: string,
  actor: string,
  clock: Clock,
): Promise<ErasureReport> {
  const holdings = await findHoldings(db, customerId, clock);
  const erasedAt = clock.now();
  const rawEmails = holdings.rawEmails.flatMap((uri) => {
    const object = rawMailObject(uri);
    return object && isRawMail(rawMail, object) ? [object] : [];
  });
  const counts = { ...holdingCounts(holdings, { withAudit: false }), 'raw-email': rawEmails.length };
  await putTombstones(db, holdings.heldIdentities, holdings.customerIds, erasedAt);
  await putAuditRecord(db, {
    auditId: clock.newId(),
    action: 'erase',
    actor,
    at: erasedAt,
    customerId: holdings.customerId,
    customerIds: [...holdings.customerIds],
    counts,
  });

  const ours = new Set(holdings.customerIds);
  await eachLimited(holdings.identities, (item) => deleteIfOwned(db, item, ours));
  await eachLimited(rawEmails, (object) => deleteRawMail(rawMail, object));
  await deleteItems(db, holdings.notes);
  await eachLimited(holdings.conversations, (item) => deleteConversation(db, item, ours));
  await deleteItems(db, [
    ...holdings.interactions,
    ...holdings.recipients,
    ...holdings.emailThreadRefs,
    ...holdings.chatConnections,
    ...holdings.verificationMails,
    ...holdings.submissionMarkers,
    ...holdings.quarantined,
    ...holdings.partitionItems.filter((item) => item.sk !== customerKey(holdings.customerId).sk),
  ]);

  const late = await sweepLateWrites(db, holdings.customerIds, ours);
  const profiles = holdings.customerIds.map(customerKey);
  // The survivor's profile last: an erasure cut short before it is found again by the same id.
  await deleteItems(db, profiles.slice(1));
  await deleteItems(db, profiles.slice(0, 1));
  return {
    customerId: holdings.customerId,
    customerIds: holdings.customerIds,
    erasedAt,
    counts: addCounts(counts, late),
  };
}

async function putTombstones(
  db: Db,
  identities: readonly IdentityRef[],
  customerIds: readonly string[],
  erasedAt: string,
): Promise<void> {
  const expiresAt = Math.floor(Date.parse(erasedAt) / 1000) + ERASURE_TOMBSTONE_DAYS * 86_400;
  const tombstone = (key: PrimaryKey) => ({
    PutRequest: {
      Item: {
        ...key,
        [TABLE_KEYS.entityAttribute]: 'erasure-tombstone' satisfies Entity,
        erasedAt,
        [TABLE_KEYS.ttlAttribute]: expiresAt,
      },
    },
  });
  const keys = [
    ...[...new Set(identities.map(identityHash))].map(identityTombstoneKey),
    ...[...new Set(customerIds)].map(customerTombstoneKey),
  ];
  await batchWrite(db, keys.map(tombstone));
}

/** Deletes an identity item while it still belongs to one of `ours` (a proof may have taken it since). */
async function deleteIfOwned(db: Db, item: Item, ours: ReadonlySet<string>): Promise<void> {
  try {
    await db.doc.send(
      new DeleteCommand({
        TableName: db.tableName,
        Key: keyOf(item),
        ConditionExpression: 'customerId = :owner',
        ExpressionAttributeValues: { ':owner': item.customerId },
      }),
    );
  } catch (error) {
    if (conditionFailedItem(error) === null) throw error;
    // Moved since it was read: delete it only if it moved within the erased customers.
    const current = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: keyOf(item), ConsistentRead: true }),
    );
    if (current.Item && ours.has(String(current.Item.customerId))) {
      await deleteIfOwned(db, current.Item, ours);
    }
  }
}

/**
 * Deletes a conversation of theirs; an agent who holds it gets the slot back in the same transaction.
 * Re-read and tried again when it changed meanwhile; nothing to do when it is gone or no longer theirs.
 */
async function deleteConversation(db: Db, read: Item, ours: ReadonlySet<string>): Promise<void> {
  let item: Item | undefined = read;
  for (let attempt = 0; item && attempt < MAX_CONVERSATION_ATTEMPTS; attempt++) {
    if (!ours.has(String(item.customerId))) return;
    const assignee = (item.assignee as { agentId?: unknown } | undefined)?.agentId;
    const items: TransactItems = [
      {
        Delete: {
          TableName: db.tableName,
          Key: keyOf(item),
          ConditionExpression: 'updatedAt = :read',
          ExpressionAttributeValues: { ':read': item.updatedAt },
        },
      },
      ...(typeof assignee === 'string'
        ? [
            {
              Update: {
                TableName: db.tableName,
                Key: agentKey(assignee),
                UpdateExpression: 'ADD activeCount :minusOne',
                ConditionExpression: 'activeCount > :zero',
                ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
              },
            },
          ]
        : []),
    ];
    try {
      await transactWrite(db, items);
      return;
    } catch (error) {
      const cancelled = cancelledTransaction(error);
      if (cancelled === null) throw error;
      // The agent's count is already 0 (or the agent is gone): delete the conversation alone.
      if (cancelled.failed.length > 0 && cancelled.failed.every((failure) => failure.index === 1)) {
        item = { ...item, assignee: undefined };
        continue;
      }
    }
    const output = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: keyOf(read), ConsistentRead: true }),
    );
    item = output.Item;
  }
  if (item) throw new Error('a conversation kept changing while it was erased');
}

/**
 * What a message that found the customer an instant before its identity items were deleted may have
 * written meanwhile: their timelines, partitions (but the profiles) and conversations, read again.
 */
async function sweepLateWrites(
  db: Db,
  customerIds: readonly string[],
  ours: ReadonlySet<string>,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const id of customerIds) {
    const [timeline, partition, conversations] = await Promise.all([
      queryEvery(db, { index: 'gsi1', pk: timelinePartition(id) }),
      queryEvery(db, { pk: customerKey(id).pk }),
      queryEvery(db, { index: 'gsi3', pk: customerConversationsPartition(id) }),
    ]);
    const items = [...timeline, ...partition.filter((item) => item.sk !== customerKey(id).sk)];
    for (const item of items) counts[kindOf(item)] = (counts[kindOf(item)] ?? 0) + 1;
    await deleteItems(db, items);
    for (const entry of conversations) {
      const key = { pk: String(entry.pk), sk: conversationKey('').sk };
      const output = await db.doc.send(
        new GetCommand({ TableName: db.tableName, Key: key, ConsistentRead: true }),
      );
      if (!output.Item) continue;
      const notes = (await queryEvery(db, { pk: key.pk })).filter((item) => item.sk !== key.sk);
      await deleteItems(db, notes);
      await deleteConversation(db, output.Item, ours);
      counts.conversation = (counts.conversation ?? 0) + 1;
      counts.note = (counts.note ?? 0) + notes.length;
    }
  }
  return counts;
}

function addCounts(
  counts: Readonly<Record<string, number>>,
  more: Readonly<Record<string, number>>,
): Record<string, number> {
  const sum: Record<string, number> = { ...counts };
  for (const [kind, count] of Object.entries(more)) sum[kind] = (sum[kind] ?? 0) + count;
  return sum;
}

function keyOf(item: Item | PrimaryKey): PrimaryKey {
  return { pk: String(item.pk), sk: String(item.sk) };
}

/** Deletes items by key, 25 per BatchWriteItem. */
async function deleteItems(db: Db, items: readonly (Item | PrimaryKey)[]): Promise<void> {
  const unique = [...new Map(items.map((item) => [`${item.pk}\u0000${item.sk}`, keyOf(item)])).values()];
  await batchWrite(
    db,
    unique.map((key) => ({ DeleteRequest: { Key: key } })),
  );
}

const MAX_WRITE_ROUNDS = 8;

/** BatchWriteItem in chunks of 25, asking again (with back-off) for what DynamoDB left unprocessed. */
async function batchWrite(db: Db, requests: readonly Record<string, unknown>[]): Promise<void> {
  const chunks: Record<string, unknown>[][] = [];
  for (let start = 0; start < requests.length; start += 25) chunks.push(requests.slice(start, start + 25));
  await eachLimited(chunks, async (chunk) => {
    let pending = chunk;
    for (let round = 0; pending.length > 0; round++) {
      if (round === MAX_WRITE_ROUNDS) throw new Error(`${pending.length} writes stayed unprocessed`);
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
      const output = await db.doc.send(new BatchWriteCommand({ RequestItems: { [db.tableName]: pending } }));
      pending = output.UnprocessedItems?.[db.tableName] ?? [];
    }
  });
}

/** Runs `work` for each input, CONCURRENCY at a time. */
async function eachLimited<T>(inputs: readonly T[], work: (input: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const input = inputs[next++] as T;
      await work(input);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, inputs.length) }, worker));
}
