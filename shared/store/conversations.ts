import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ContentionError, NotFoundError } from '../errors.js';
import type { Conversation } from '../schemas/index.js';
import type { Db } from './db.js';
import { conversationFromItem, conversationItem } from './items.js';
import { conversationKey } from './keys.js';
import { replaceIfUnchanged } from './replace-item.js';

/** Access pattern "conversation by id". Throws NotFoundError for an unknown id. */
export async function getConversation(
  db: Db,
  conversationId: string,
  consistent = false,
): Promise<Conversation> {
  const output = await db.doc.send(
    new GetCommand({
      TableName: db.tableName,
      Key: conversationKey(conversationId),
      ConsistentRead: consistent,
    }),
  );
  if (!output.Item) throw new NotFoundError('conversation not found');
  return conversationFromItem(output.Item);
}

/**
 * Replaces a conversation if nobody changed it since it was read (its `updatedAt` is the version).
 * Returns false when someone did; the caller re-reads and decides again.
 */
export async function replaceConversation(
  db: Db,
  next: Conversation,
  readUpdatedAt: string,
): Promise<boolean> {
  return replaceIfUnchanged(db, conversationItem(next), readUpdatedAt);
}

const MAX_UPDATE_ATTEMPTS = 4;

/**
 * Read-modify-write of one conversation with optimistic concurrency: `change` gets the current state
 * and returns the next one, or undefined when nothing needs to change. Retried on a concurrent change.
 * Returns the conversation as it now stands.
 */
export async function updateConversation(
  db: Db,
  conversationId: string,
  change: (current: Conversation) => Conversation | undefined,
): Promise<Conversation> {
  for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
    const current = await getConversation(db, conversationId, attempt > 0);
    const next = change(current);
    if (next === undefined) return current;
    if (await replaceConversation(db, next, current.updatedAt)) return next;
  }
  throw new ContentionError('the conversation kept changing; try again');
}
