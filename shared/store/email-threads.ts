import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type EmailThreadRef, EmailThreadRefSchema } from '../schemas/index.js';
import { batchGetItems } from './batch-get.js';
import type { Db } from './db.js';
import type { Item } from './items.js';
import { type Entity, emailMessageIdKey } from './keys.js';
import { TABLE_KEYS } from './table-definition.js';

/** How long a sent Message-ID threads a reply; a reply after that follows the usual threading rules. */
export const EMAIL_THREAD_RETENTION_DAYS = 400;
/** BatchGetItem and the threading lookup read at most this many Message-IDs per inbound message. */
export const MAX_THREAD_LOOKUPS = 25;
const MAX_WRITE_ROUNDS = 8;

function emailThreadItem(ref: EmailThreadRef): Item {
  const expiresAt = Math.floor(Date.parse(ref.createdAt) / 1000) + EMAIL_THREAD_RETENTION_DAYS * 86_400;
  return {
    ...emailMessageIdKey(ref.messageId),
    [TABLE_KEYS.entityAttribute]: 'email-id' satisfies Entity,
    ...ref,
    [TABLE_KEYS.ttlAttribute]: expiresAt,
  };
}

function emailThreadFromItem(item: Item): EmailThreadRef {
  return EmailThreadRefSchema.parse({
    messageId: item.messageId,
    conversationId: item.conversationId,
    customerId: item.customerId,
    interactionId: item.interactionId,
    createdAt: item.createdAt,
  });
}

/**
 * Records Message-IDs of a sent email (ours, and the one the provider may have put in its place) in one
 * BatchWriteItem. Writing the same ref again is harmless, so a retried send can repeat it.
 */
export async function putEmailThreadRefs(db: Db, refs: readonly EmailThreadRef[]): Promise<void> {
  let pending: Record<string, unknown>[] = refs.map((ref) => ({
    PutRequest: { Item: emailThreadItem(ref) },
  }));
  for (let round = 0; pending.length > 0; round++) {
    if (round === MAX_WRITE_ROUNDS) throw new Error(`${pending.length} thread refs stayed unprocessed`);
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
    const output = await db.doc.send(new BatchWriteCommand({ RequestItems: { [db.tableName]: pending } }));
    pending = output.UnprocessedItems?.[db.tableName] ?? [];
  }
}

/**
 * Access pattern "conversation by email Message-ID": the stored refs among `messageIds` (canonical
 * form), in the order asked for; unknown ids are left out. One BatchGetItem.
 */
export async function findEmailThreadRefs(db: Db, messageIds: readonly string[]): Promise<EmailThreadRef[]> {
  const wanted = [...new Set(messageIds)].slice(0, MAX_THREAD_LOOKUPS);
  if (wanted.length === 0) return [];
  const found = new Map(
    (await batchGetItems(db, wanted.map(emailMessageIdKey), false))
      .map(emailThreadFromItem)
      .map((ref) => [ref.messageId, ref] as const),
  );
  return wanted.flatMap((id) => found.get(id) ?? []);
}
