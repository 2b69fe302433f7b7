import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type QuarantinedMessage, QuarantinedMessageSchema } from '../schemas/index.js';
import type { Db } from './db.js';
import type { Item } from './items.js';
import { type Entity, quarantineIndexKeys, quarantineKey } from './keys.js';
import { TABLE_KEYS } from './table-definition.js';
import { conditionFailedItem } from './write-errors.js';

/** How long a quarantine record is kept for review; the raw message's own lifecycle is the bucket's. */
export const QUARANTINE_RETENTION_DAYS = 90;

function quarantineItem(message: QuarantinedMessage): Item {
  const expiresAt = Math.floor(Date.parse(message.quarantinedAt) / 1000) + QUARANTINE_RETENTION_DAYS * 86_400;
  return {
    ...quarantineKey(message.channel, message.providerMessageId),
    [TABLE_KEYS.entityAttribute]: 'quarantine' satisfies Entity,
    ...quarantineIndexKeys(message.receivedAt, message.channel, message.providerMessageId),
    ...message,
    [TABLE_KEYS.ttlAttribute]: expiresAt,
  };
}

/**
 * Holds a message back (access pattern "quarantine by provider message id"). Conditional on the key, so
 * a retried delivery stores nothing twice: `duplicate` when it was already held.
 */
export async function putQuarantined(db: Db, message: QuarantinedMessage): Promise<'stored' | 'duplicate'> {
  try {
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: quarantineItem(message),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return 'stored';
  } catch (error) {
    if (conditionFailedItem(error) === null) throw error;
    return 'duplicate';
  }
}

/** A held message by channel and provider message id, or undefined. */
export async function getQuarantined(
  db: Db,
  channel: QuarantinedMessage['channel'],
  providerMessageId: string,
): Promise<QuarantinedMessage | undefined> {
  const output = await db.doc.send(
    new GetCommand({ TableName: db.tableName, Key: quarantineKey(channel, providerMessageId) }),
  );
  return output.Item ? quarantinedFromItem(output.Item) : undefined;
}

function quarantinedFromItem(item: Item): QuarantinedMessage {
  const fields = Object.keys(QuarantinedMessageSchema.shape);
  return QuarantinedMessageSchema.parse(Object.fromEntries(fields.map((field) => [field, item[field]])));
}
