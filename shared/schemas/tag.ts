import * as z from 'zod/mini';

/**
 * A tag on a conversation (`complaint`, `praise`, `product-feedback`, …): what the concern was about, set
 * by agents (`POST /v1/conversations/{id}/tags`) and by routing rules (a rule's `tags` action). Reports
 * count conversations by tag (docs/reporting.md).
 */
export const TagSchema = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be 1-40 of a-z, 0-9 and -'));
export type Tag = z.infer<typeof TagSchema>;

/** The most tags a conversation carries, so its item stays small and reports stay readable. */
export const MAX_TAGS = 10;

/** A conversation's tags, at most MAX_TAGS (a repeated one counts once: writers keep them distinct). */
export const TagsSchema = z.array(TagSchema).check(z.maxLength(MAX_TAGS));

/**
 * The tags a conversation has after `added` join `current`: the union, sorted, at most MAX_TAGS (the
 * tags it had are kept first, so a rule never pushes out what an agent set). Undefined when the union
 * is empty.
 */
export function mergedTags(
  current: readonly string[] | undefined,
  added: readonly string[] | undefined,
): string[] | undefined {
  const union = [...new Set([...(current ?? []), ...(added ?? [])])].slice(0, MAX_TAGS);
  return union.length > 0 ? union.sort() : undefined;
}
