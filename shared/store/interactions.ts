import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Customer, DeliveryStatus, Interaction } from '../schemas/index.js';
import type { Db } from './db.js';
import { interactionFromItem, interactionItem } from './items.js';
import { outboundInteractionKey } from './keys.js';
import { getTimeline } from './timeline.js';
import { conditionFailedItem } from './write-errors.js';

/** Records an outbound interaction before it is sent, so a crash mid-send leaves a trace, not nothing. */
export async function putOutboundInteraction(db: Db, interaction: Interaction): Promise<void> {
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: interactionItem(interaction),
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

/** Records what the provider did with an outbound interaction. */
export async function recordDelivery(
  db: Db,
  interactionId: string,
  status: DeliveryStatus,
  providerRefs: Readonly<Record<string, string>> = {},
): Promise<void> {
  const names: Record<string, string> = { '#status': 'deliveryStatus' };
  const values: Record<string, unknown> = { ':status': status };
  const sets = ['#status = :status'];
  Object.entries(providerRefs).forEach(([name, value], index) => {
    names[`#ref${index}`] = name;
    values[`:ref${index}`] = value;
    sets.push(`providerRefs.#ref${index} = :ref${index}`);
  });
  await db.doc.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: outboundInteractionKey(interactionId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

const SEARCH_PAGES = 4;
const SEARCH_PAGE_SIZE = 50;

/**
 * The customer's latest inbound interaction in a conversation (the message a reply answers), read
 * from the timeline newest first, skipping record-only ones; looks back at most 200 interactions.
 */
export async function latestInbound(
  db: Db,
  customer: Customer,
  conversationId: string,
): Promise<Interaction | undefined> {
  let cursor: string | undefined;
  for (let page = 0; page < SEARCH_PAGES; page++) {
    const result = await getTimeline(db, customer, { limit: SEARCH_PAGE_SIZE, cursor });
    // A record-only message (an auto-reply) is never the one answered: a reply threads on the customer's own message.
    const found = result.items.find(
      (interaction) =>
        interaction.direction === 'inbound' &&
        interaction.conversationId === conversationId &&
        interaction.routing !== 'record-only',
    );
    if (found || !result.nextCursor) return found;
    cursor = result.nextCursor;
  }
  return undefined;
}

/** Access pattern "outbound interaction by id": GetItem `MESSAGE#outbound#<id>`, or undefined. */
export async function getOutboundInteraction(
  db: Db,
  interactionId: string,
  consistent: boolean,
): Promise<Interaction | undefined> {
  const output = await db.doc.send(
    new GetCommand({
      TableName: db.tableName,
      Key: outboundInteractionKey(interactionId),
      ConsistentRead: consistent,
    }),
  );
  return output.Item ? interactionFromItem(output.Item) : undefined;
}

/**
 * Takes charge of an outbound interaction that is still `queued` by setting `providerRefs[ref]`, once:
 * false when it is no longer queued or someone already set the ref (the caller re-reads and decides).
 * Used by the chat email fallback so a visitor's fetch and a redelivered fallback never both win.
 */
export async function claimQueuedInteraction(
  db: Db,
  interactionId: string,
  ref: string,
  value: string,
): Promise<boolean> {
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: outboundInteractionKey(interactionId),
        UpdateExpression: 'SET providerRefs.#ref = :value',
        ConditionExpression: '#status = :queued AND attribute_not_exists(providerRefs.#ref)',
        ExpressionAttributeNames: { '#ref': ref, '#status': 'deliveryStatus' },
        ExpressionAttributeValues: { ':value': value, ':queued': 'queued' },
      }),
    );
    return true;
  } catch (error) {
    if (conditionFailedItem(error) === null) throw error;
    return false;
  }
}
