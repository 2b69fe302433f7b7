import * as z from 'zod/mini';
import type { Clock } from '../clock.js';
import { type Conversation, TagsSchema } from '../schemas/index.js';
import { updateConversation } from '../store/conversations.js';
import type { Db } from '../store/db.js';

/** `POST /v1/conversations/{id}/tags`: the conversation's tags from now on (an empty list clears them). */
export const TagsBodySchema = z.strictObject({ tags: TagsSchema });
export type TagsBody = z.infer<typeof TagsBodySchema>;

/**
 * Sets a conversation's tags (what the concern was about: `complaint`, `praise`, `product-feedback`, …),
 * replacing those it had, distinct and sorted; in any status, since wrapping up a resolved concern is when an agent
 * knows best what it was. Routing rules add theirs to these later (shared/routing/record-activity.ts).
 * Setting the same tags again writes nothing. Throws NotFoundError for an unknown conversation.
 */
export async function setTags(
  db: Db,
  conversationId: string,
  tags: readonly string[],
  clock: Clock,
): Promise<Conversation> {
  const next = [...new Set(tags)].sort();
  return updateConversation(db, conversationId, (current) => {
    if ((current.tags ?? []).join(',') === next.join(',')) return undefined;
    const { tags: _previous, ...rest } = current;
    return { ...rest, ...(next.length > 0 ? { tags: next } : {}), updatedAt: clock.now() };
  });
}
