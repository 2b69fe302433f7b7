import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { CustomerExport } from '../../shared/data-rights/export.js';
import type { Db } from '../../shared/store/db.js';
import type { Item } from '../../shared/store/items.js';

/**
 * Checking data rights against the table itself: which stored items are about a customer (by its ids and
 * identities, never by the code under test's own lookups), and how the export names each of them.
 */

/** Every item of the table, page after page. */
export async function scanTable(db: Db): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const output = await db.doc.send(
      new ScanCommand({ TableName: db.tableName, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    items.push(...(output.Items ?? []));
    startKey = output.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** What the test knows of a customer's data: ids, identity values, the ids of its web-form markers. */
export interface Known {
  readonly customerIds: string[];
  readonly values: string[];
  readonly markerIds: string[];
}

/** `known` with the ids of the customer's conversations in `items` (their notes are theirs too). */
export function withConversations(known: Known, items: readonly Item[]): Known {
  const conversations = items
    .filter((item) => item.entity === 'conversation' && known.customerIds.includes(String(item.customerId)))
    .map((item) => String(item.conversationId));
  return { ...known, values: [...known.values, ...conversations] };
}

/**
 * Whether a stored item is about the customer: it names one of its ids or identities (as a whole word:
 * `agrace@example.com` is not Grace's), or is the marker of one of its web-form submissions.
 */
export function isTheirs(item: Item, known: Known): boolean {
  const text = JSON.stringify(item).toLowerCase();
  return (
    [...known.customerIds, ...known.values].some((value) =>
      new RegExp(`(^|[^a-z0-9._%+-])${escapeRegExp(value.toLowerCase())}($|[^a-z0-9._-])`).test(text),
    ) || known.markerIds.includes(String(item.providerMessageId))
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `<entity>:<id>` of a stored item, the way the export names the same thing. */
export function storedRef(item: Item): string {
  switch (item.entity) {
    case 'customer':
      return `customer:${item.customerId}`;
    case 'identity':
      return `identity:${item.kind}#${item.value}`;
    case 'conversation':
      return `conversation:${item.conversationId}`;
    case 'note':
      return `note:${item.noteId}`;
    case 'interaction':
      return `interaction:${item.interactionId}`;
    case 'consent-record':
      return `consent-record:${item.customerId}#${item.channel}#${item.at}#${item.status}`;
    case 'contact-ledger':
      return `contact-ledger:${item.customerId}#${item.channel}`;
    case 'merge-record':
      return `merge-record:${item.mergeId}`;
    case 'audit':
      return `audit:${item.auditId}`;
    case 'campaign-recipient':
      return `campaign-recipient:${item.campaignId}#${item.recipientId}`;
    case 'email-id':
      return `email-id:${item.messageId}`;
    case 'chat-connection':
      return `chat-connection:${item.connectionId}`;
    case 'verification-mail':
      return `verification-mail:${String(item.pk).slice('VERIFYMAIL#'.length)}`;
    case 'submission-marker':
      return `submission-marker:${item.providerMessageId}`;
    case 'quarantine':
      return `quarantine:${item.providerMessageId}`;
    default:
      return `${String(item.entity)}:${String(item.pk)}`;
  }
}

export function exportedRefs(exported: CustomerExport): string[] {
  return [
    ...exported.profiles.map((p) => `customer:${p.customerId}`),
    ...exported.identities.map((i) => `identity:${i.kind}#${i.value}`),
    ...exported.conversations.map((c) => `conversation:${c.conversationId}`),
    ...exported.conversations.flatMap((c) => c.notes.map((n) => `note:${n.noteId}`)),
    ...exported.interactions.map((i) => `interaction:${i.interactionId}`),
    ...exported.consent.history.map((r) => `consent-record:${r.customerId}#${r.channel}#${r.at}#${r.status}`),
    ...exported.contactLedgers.map((l) => `contact-ledger:${l.customerId}#${l.channel}`),
    ...exported.merges.map((m) => `merge-record:${m.mergeId}`),
    ...exported.audit.map((a) => `audit:${a.auditId}`),
    ...exported.campaignEnrolments.map((r) => `campaign-recipient:${r.campaignId}#${r.recipientId}`),
    ...exported.emailThreadRefs.map((r) => `email-id:${r.messageId}`),
    ...exported.chatConnections.map((c) => `chat-connection:${c.connectionId}`),
    ...exported.verificationMails.map((v) => `verification-mail:${v.email}`),
    ...exported.submissionMarkers.map((m) => `submission-marker:${m.providerMessageId}`),
    ...exported.quarantinedEmails.map((q) => `quarantine:${q.providerMessageId}`),
  ];
}

export function countByKind(items: readonly Item[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[String(item.entity)] = (counts[String(item.entity)] ?? 0) + 1;
  return counts;
}
