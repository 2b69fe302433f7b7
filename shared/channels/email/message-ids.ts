/** Longest Message-ID we keep or look up; RFC 5322 sets no limit, real ones stay well below. */
const MAX_ID_LENGTH = 250;
const BRACKETED_ID = /<([^<>\s]+)>/g;

/**
 * The Message-IDs in an In-Reply-To or References header, in header order, without angle brackets
 * (some clients omit them; a bare token with an `@` counts too). Comments and junk are ignored.
 */
export function parseMessageIds(value: string | undefined): string[] {
  if (value === undefined) return [];
  const bracketed = [...value.matchAll(BRACKETED_ID)].map((match) => match[1] ?? '');
  const ids = bracketed.length > 0 ? bracketed : value.split(/[\s,]+/).filter((token) => token.includes('@'));
  return ids.filter((id) => id.length > 0 && id.length <= MAX_ID_LENGTH && id.includes('@'));
}

/**
 * The form a Message-ID is stored and looked up in (EMAILID items): no angle brackets, domain in lower
 * case. SES replaces the Message-ID of mail it sends with `<id@email.amazonses.com>` (us-east-1) or
 * `<id@<region>.amazonses.com>`, so every `*.amazonses.com` form reduces to `id@amazonses.com`: the
 * SES message id is unique, and a reply threads whichever regional form it quotes.
 */
export function threadKeyOf(messageId: string): string | undefined {
  const id = messageId.trim().replace(/^<|>$/g, '');
  const at = id.lastIndexOf('@');
  if (at <= 0 || at === id.length - 1 || id.length > MAX_ID_LENGTH) return undefined;
  const local = id.slice(0, at);
  const domain = id.slice(at + 1).toLowerCase();
  return domain === 'amazonses.com' || domain.endsWith('.amazonses.com')
    ? `${local}@amazonses.com`
    : `${local}@${domain}`;
}

/** The thread key of a message SES sent under `sesMessageId` (the SendEmail MessageId). */
export function sesThreadKey(sesMessageId: string): string {
  return `${sesMessageId}@amazonses.com`;
}

/**
 * The ids to look a reply up by, most telling first: In-Reply-To, then References newest first
 * (References lists the thread oldest first). At most `limit`, de-duplicated, in thread-key form.
 */
export function threadLookupKeys(
  inReplyTo: readonly string[],
  references: readonly string[],
  limit: number,
): string[] {
  const ordered = [...inReplyTo, ...[...references].reverse()];
  const keys = ordered.flatMap((id) => threadKeyOf(id) ?? []);
  return [...new Set(keys)].slice(0, limit);
}
