import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ContentionError } from '../errors.js';
import type { Agent, Conversation, Tier } from '../schemas/index.js';
import { getConversation } from '../store/conversations.js';
import { getCustomer, getCustomerVersion } from '../store/customers.js';
import type { Db } from '../store/db.js';
import { conversationItem } from '../store/items.js';
import {
  agentKey,
  claimQueuePartition,
  conversationIdOfQueueKey,
  conversationKey,
  customerKey,
  heldPartition,
  identityKey,
} from '../store/keys.js';
import { cancelledTransaction } from '../store/write-errors.js';

/**
 * Who holds which conversation, kept true in one place: a conversation's `assignee` and its agent's
 * `activeCount` change in the same transaction, so capacity always matches what agents hold.
 */

/** The head of one claim queue: a conversation an agent may take, with its queue position. */
export interface QueueHead {
  readonly conversationId: string;
  readonly gsi2pk: string;
  readonly gsi2sk: string;
}

/** Human tiers an agent of `tier` works: theirs and the shallower ones. */
export function workableTiers(tier: Agent['tier']): Tier[] {
  return (['1', '2', '3'] as const).filter((candidate) => candidate <= tier);
}

/**
 * Access pattern "next conversations an agent may take": the first `perQueue` of every claim queue of
 * the agent's tiers and skills (gsi2 `QUEUE#<tier>#<skill>`, most urgent then earliest due first), in
 * parallel, merged in that order.
 */
export async function queueHeads(db: Db, agent: Agent, perQueue: number): Promise<QueueHead[]> {
  const partitions = workableTiers(agent.tier).flatMap((tier) =>
    agent.skills.map((skill) => claimQueuePartition(tier, skill)),
  );
  const pages = await Promise.all(
    partitions.map((partition) =>
      db.doc.send(
        new QueryCommand({
          TableName: db.tableName,
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :queue',
          ExpressionAttributeValues: { ':queue': partition },
          Limit: perQueue,
        }),
      ),
    ),
  );
  return pages
    .flatMap((page) => page.Items ?? [])
    .map((item) => ({
      conversationId: conversationIdOfQueueKey(String(item.gsi2sk)),
      gsi2pk: String(item.gsi2pk),
      gsi2sk: String(item.gsi2sk),
    }))
    .sort((a, b) => a.gsi2sk.localeCompare(b.gsi2sk) || a.gsi2pk.localeCompare(b.gsi2pk));
}

/** What one claim attempt did. */
export type ClaimAttempt = 'claimed' | 'taken' | 'agent-unavailable';

/**
 * Takes a queued conversation for an agent, atomically: the conversation must still be at that queue
 * position (open, nobody's) and the agent available with a free slot. Two agents racing for it: one
 * wins, the other is told `taken`; an agent at capacity or away: `agent-unavailable`.
 */
export async function claimQueued(
  db: Db,
  head: QueueHead,
  agentId: string,
  now: string,
): Promise<ClaimAttempt> {
  const [, dueAt] = head.gsi2sk.split('#');
  const tier = head.gsi2pk.split('#')[1] as Tier;
  try {
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: db.tableName,
              Key: conversationKey(head.conversationId),
              UpdateExpression:
                'SET assignee = :assignee, gsi2pk = :held, gsi2sk = :heldAt, updatedAt = :now',
              ConditionExpression: 'gsi2pk = :queue AND gsi2sk = :position',
              ExpressionAttributeValues: {
                ':assignee': { agentId, assignedAt: now },
                ':held': heldPartition(tier),
                ':heldAt': `${dueAt}#${head.conversationId}`,
                ':now': now,
                ':queue': head.gsi2pk,
                ':position': head.gsi2sk,
              },
            },
          },
          {
            Update: {
              TableName: db.tableName,
              Key: agentKey(agentId),
              UpdateExpression: 'ADD activeCount :one SET updatedAt = :now',
              ConditionExpression: '#status = :available AND activeCount < #capacity',
              ExpressionAttributeNames: { '#status': 'status', '#capacity': 'capacity' },
              ExpressionAttributeValues: { ':one': 1, ':available': 'available', ':now': now },
            },
          },
        ],
      }),
    );
    return 'claimed';
  } catch (error) {
    const cancelled = cancelledTransaction(error);
    if (cancelled === null) throw error;
    if (cancelled.failed.some((failure) => failure.index === 1)) return 'agent-unavailable';
    return 'taken';
  }
}

/** Extra writes that go with a conversation change: the released agent's slot, the customer's pointers. */
type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;

const MAX_ATTEMPTS = 4;

/**
 * Read-modify-write of a conversation that may release its agent: `change` gets the current state and
 * returns the next, undefined when nothing needs to change, or throws to refuse. When the assignee goes away, that agent's `activeCount` drops
 * in the same transaction. When the conversation is resolved and is the customer's open one, the
 * customer's open pointer and their identities' pointers are cleared and `lastResolved` is recorded, so
 * the next message reopens it within the window, or opens a new one. Retried on a concurrent change.
 */
export async function changeConversation(
  db: Db,
  conversationId: string,
  change: (current: Conversation) => Conversation | undefined,
): Promise<Conversation> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await getConversation(db, conversationId, true);
    const next = change(current);
    // Nothing to change (e.g. someone else already did it): the conversation as it stands.
    if (next === undefined) return current;
    const extra: TransactItems = [];
    const released = current.assignee && current.assignee.agentId !== next.assignee?.agentId;
    if (released && current.assignee) extra.push(releaseSlot(db, current.assignee.agentId));
    if (current.status !== 'resolved' && next.status === 'resolved') {
      extra.push(...(await clearPointers(db, next)));
    }
    try {
      await db.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: db.tableName,
                Item: conversationItem(next),
                ConditionExpression: 'updatedAt = :read',
                ExpressionAttributeValues: { ':read': current.updatedAt },
              },
            },
            ...extra,
          ],
        }),
      );
      return next;
    } catch (error) {
      if (cancelledTransaction(error) === null) throw error;
    }
  }
  throw new ContentionError('the conversation kept changing; try again');
}

function releaseSlot(db: Db, agentId: string) {
  return {
    Update: {
      TableName: db.tableName,
      Key: agentKey(agentId),
      UpdateExpression: 'ADD activeCount :minusOne',
      ConditionExpression: 'activeCount > :zero',
      ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
    },
  };
}

/** The writes that stop the customer's pointers naming a conversation that is now resolved. */
async function clearPointers(db: Db, resolved: Conversation): Promise<TransactItems> {
  // The conversation names its customer as it was then; a merge since moved the pointers to the survivor.
  const survivorId = (await getCustomer(db, resolved.customerId)).customerId;
  const found = await getCustomerVersion(db, survivorId, true);
  if (!found || found.customer.mergedInto || found.customer.openConversationId !== resolved.conversationId)
    return [];
  const { customer, version } = found;
  return [
    {
      Update: {
        TableName: db.tableName,
        Key: customerKey(customer.customerId),
        UpdateExpression: 'SET lastResolved = :last, #version = :next REMOVE openConversationId',
        ConditionExpression: '#version = :version AND openConversationId = :conversation',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: {
          ':last': {
            conversationId: resolved.conversationId,
            resolvedAt: resolved.resolvedAt ?? resolved.updatedAt,
          },
          ':version': version,
          ':next': version + 1,
          ':conversation': resolved.conversationId,
        },
      },
    },
    ...customer.identities.map((identity) => ({
      Update: {
        TableName: db.tableName,
        Key: identityKey(identity),
        UpdateExpression: 'REMOVE conversationId',
        ConditionExpression: 'customerId = :customer',
        ExpressionAttributeValues: { ':customer': customer.customerId },
      },
    })),
  ];
}
