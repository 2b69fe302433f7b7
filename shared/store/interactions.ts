import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Conversation, Customer, DeliveryStatus, Interaction } from '../schemas/index.js';
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

/** The customer's own messages in one conversation, as far as a bounded read reaches. */
export interface ConversationInbound {
  /** The latest routed inbound message: the one a reply answers. */
  readonly latest: Interaction | undefined;
  /** Every routed inbound message of the conversation that was read, newest first. */
  readonly messages: readonly Interaction[];
  /** True when the read reached the conversation's start, so `messages` is all of them. */
  readonly complete: boolean;
}

/**
 * The customer's routed inbound messages in a conversation, read from the timeline newest first down to
 * the conversation's opening (record-only ones, such as auto-replies, are skipped: a reply threads on the
 * customer's own message). Looks back at most 200 interactions; `complete` says whether that sufficed.
 */
export async function conversationInbound(
  db: Db,
  customer: Customer,
  conversation: Pick<Conversation, 'conversationId' | 'openedAt'>,
): Promise<ConversationInbound> {
  const messages: Interaction[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < SEARCH_PAGES; page++) {
    const result = await getTimeline(db, customer, { limit: SEARCH_PAGE_SIZE, cursor });
    for (const interaction of result.items) {
      if (interaction.occurredAt < conversation.openedAt)
        return { latest: messages[0], messages, complete: true };
      if (
        interaction.direction === 'inbound' &&
        interaction.conversationId === conversation.conversationId &&
        interaction.routing !== 'record-only'
      ) {
        messages.push(interaction);
      }
    }
    if (!result.nextCursor) return { latest: messages[0], messages, complete: true };
    cursor = result.nextCursor;
  }
  return { latest: messages[0], messages, complete: false };
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

/** providerRefs key of an outbound interaction whose provider call one invocation has taken on. */
export const SEND_CLAIM_REF = 'sendClaim';

/**
 * Takes on the provider call of an outbound interaction that is `queued` (or `failed`, for a retry) and
 * that nobody has taken on: sets `providerRefs.sendClaim` to `token`, once. False when another delivery
 * holds it — it is sending, has sent, or died in between; either way the caller must not send, so a
 * message is sent at most once however often its queue message is delivered.
 */
export async function claimSend(db: Db, interactionId: string, token: string): Promise<boolean> {
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: outboundInteractionKey(interactionId),
        UpdateExpression: 'SET providerRefs.#ref = :token',
        ConditionExpression: '#status IN (:queued, :failed) AND attribute_not_exists(providerRefs.#ref)',
        ExpressionAttributeNames: { '#ref': SEND_CLAIM_REF, '#status': 'deliveryStatus' },
        ExpressionAttributeValues: { ':token': token, ':queued': 'queued', ':failed': 'failed' },
      }),
    );
    return true;
  } catch (error) {
    if (conditionFailedItem(error) === null) throw error;
    return false;
  }
}

/** Records that the provider refused the claimed send and lets go of the claim, so a retry may send. */
export async function recordSendFailure(db: Db, interactionId: string, token: string): Promise<void> {
  await db.doc.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: outboundInteractionKey(interactionId),
      UpdateExpression: 'SET #status = :failed REMOVE providerRefs.#ref',
      ConditionExpression: 'providerRefs.#ref = :token',
      ExpressionAttributeNames: { '#ref': SEND_CLAIM_REF, '#status': 'deliveryStatus' },
      ExpressionAttributeValues: { ':failed': 'failed', ':token': token },
    }),
  );
}
