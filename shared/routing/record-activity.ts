import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock.js';
import { updateConversation } from '../store/conversations.js';
import { getCustomer } from '../store/customers.js';
import type { Db } from '../store/db.js';
import { activityIndexKeys, customerKey } from '../store/keys.js';
import { conditionFailedItem } from '../store/write-errors.js';
import type { RoutingRequest } from './handoff.js';

/**
 * Applies an inbound interaction to its conversation and customer: the conversation waits on us
 * again (`open`, last inbound time) and the customer's last-interaction date moves forward (the
 * segment index, at day granularity). Idempotent and order-tolerant: writes only move timestamps forward, so a redelivered
 * or late request changes nothing.
 */
export async function recordInboundActivity(db: Db, request: RoutingRequest, clock: Clock): Promise<void> {
  await touchConversation(db, request, clock);
  await touchCustomer(db, request.customerId, request.occurredAt);
}

async function touchConversation(db: Db, request: RoutingRequest, clock: Clock): Promise<void> {
  await updateConversation(db, request.conversationId, (conversation) => {
    const alreadyApplied =
      conversation.lastInboundAt !== undefined && conversation.lastInboundAt >= request.occurredAt;
    // A resolved conversation stays resolved here; reopening belongs to the resolution workflow.
    if (conversation.status === 'resolved' || (alreadyApplied && conversation.status === 'open'))
      return undefined;
    return {
      ...conversation,
      status: 'open',
      lastInboundAt: alreadyApplied ? conversation.lastInboundAt : request.occurredAt,
      updatedAt: clock.now(),
    };
  });
}

async function touchCustomer(db: Db, customerId: string, occurredAt: string): Promise<void> {
  // The request names the customer at ingest time; a merge since then moves the activity to the survivor.
  const customer = await getCustomer(db, customerId);
  const survivorId = customer.customerId;
  // Segments ask for the day of the last interaction: moving the index entry (three write units)
  // once a day is enough, so a later message on a day already recorded writes nothing.
  if (
    customer.lastInteractionAt !== undefined &&
    customer.lastInteractionAt.slice(0, 10) >= occurredAt.slice(0, 10)
  ) {
    return;
  }
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: customerKey(survivorId),
        UpdateExpression: 'SET lastInteractionAt = :at, gsi3pk = :gsi3pk, gsi3sk = :gsi3sk',
        ConditionExpression:
          'attribute_exists(pk) AND attribute_not_exists(mergedInto) AND (attribute_not_exists(lastInteractionAt) OR lastInteractionAt < :at)',
        ExpressionAttributeValues: {
          ':at': occurredAt,
          ...prefixed(activityIndexKeys(survivorId, occurredAt)),
        },
      }),
    );
  } catch (error) {
    // Not newer than what is recorded (or merged away a moment ago): nothing to move forward.
    if (conditionFailedItem(error) === null) throw error;
  }
}

function prefixed(keys: { gsi3pk: string; gsi3sk: string }) {
  return { ':gsi3pk': keys.gsi3pk, ':gsi3sk': keys.gsi3sk };
}
