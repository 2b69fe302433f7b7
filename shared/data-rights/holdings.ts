import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { sesThreadKey, threadKeyOf } from '../channels/email/message-ids.js';
import type { Clock } from '../clock.js';
import {
  IdentityKindSchema,
  type IdentityRef,
  identityString,
  type TrustedIdentity,
  TrustSchema,
} from '../schemas/index.js';
import { batchGetItems } from '../store/batch-get.js';
import { getCustomer } from '../store/customers.js';
import type { Db } from '../store/db.js';
import type { Item } from '../store/items.js';
import {
  auditKey,
  conversationKey,
  customerCampaignsPartition,
  customerConversationsPartition,
  customerKey,
  emailMessageIdKey,
  identityKey,
  type PrimaryKey,
  quarantinePartition,
  submissionMarkerKey,
  timelinePartition,
  verificationMailKey,
  visitorConnectionsQuery,
} from '../store/keys.js';
import { TABLE_KEYS } from '../store/table-definition.js';
import { rawMailObject } from './raw-mail.js';

/**
 * Everything the store holds about one customer (docs/data-rights.md, "What is found, and how"): the
 * customer a merge left standing and every customer merged into it, found through the access patterns
 * of docs/data-model.md, never a scan of the table. Export hands it out; erasure deletes it.
 */
export interface CustomerHoldings {
  /** The customer as it stands (the survivor of its merges). */
  readonly customerId: string;
  /** It and every customer merged into it: a merge's both sides. */
  readonly customerIds: readonly string[];
  /** The customers' own partitions: profiles, contact ledgers, consent records, merge records. */
  readonly partitionItems: readonly Item[];
  /** Identity items the customers hold. */
  readonly identities: readonly Item[];
  /** Their conversations (items whose `customerId` is one of theirs) and those conversations' notes. */
  readonly conversations: readonly Item[];
  readonly notes: readonly Item[];
  /** Their timelines (gsi1 `CUSTOMER#<id>`): interactions in and out. */
  readonly interactions: readonly Item[];
  /** Campaign recipients of theirs (gsi1 `CUSTOMER#<id>#CAMPAIGNS`). */
  readonly recipients: readonly Item[];
  /** Message-IDs of email sent to them (`EMAILID#…`), found from their outbound email. */
  readonly emailThreadRefs: readonly Item[];
  /** Chat connections of their visitor ids, live or expired. */
  readonly chatConnections: readonly Item[];
  /** Verification-link markers of their email addresses. */
  readonly verificationMails: readonly Item[];
  /** Web-form repeat markers of their submissions. */
  readonly submissionMarkers: readonly Item[];
  /** Quarantined email from their addresses (envelope sender or From), within the quarantine's retention. */
  readonly quarantined: readonly Item[];
  /** Audit records about them (kept by an erasure: ids and counts only). */
  readonly auditRecords: readonly Item[];
  /** Raw emails in the mail bucket their records point at, `s3://bucket/key`, each once. */
  readonly rawEmails: readonly string[];
  /** The identities they hold, for the erasure's tombstones. */
  readonly heldIdentities: readonly IdentityRef[];
}

/** No real customer comes near this; a listing that does is refused rather than cut short. */
const MAX_PAGES = 500;
/** Parallel requests of one collection. */
const CONCURRENCY = 8;
/** How far back quarantine is read: its retention (90 days) and TTL's lag. */
const QUARANTINE_LOOKBACK_DAYS = 100;

/**
 * Collects a customer's holdings. A merged-away id resolves to the survivor, and both sides are covered.
 * NotFoundError (404) for an unknown id. Reads are eventually consistent except the profile's.
 */
export async function findHoldings(db: Db, customerId: string, clock: Clock): Promise<CustomerHoldings> {
  const root = await getCustomer(db, customerId);
  const customerIds = [...new Set([root.customerId, ...root.mergedFrom])];
  const ids = new Set(customerIds);
  const ours = (item: Item) => typeof item.customerId === 'string' && ids.has(item.customerId);

  const [partitionItems, timelines, recipients, conversationEntries, auditRecords] = await Promise.all([
    collect(customerIds, (id) => queryEvery(db, { pk: customerKey(id).pk })),
    collect(customerIds, (id) => queryEvery(db, { index: 'gsi1', pk: timelinePartition(id) })),
    collect(customerIds, (id) => queryEvery(db, { index: 'gsi1', pk: customerCampaignsPartition(id) })),
    collect(customerIds, (id) => queryEvery(db, { index: 'gsi3', pk: customerConversationsPartition(id) })),
    collect(customerIds, (id) => queryEvery(db, { pk: auditKey(id, '', '').pk })),
  ]);
  const profiles = partitionItems.filter((item) => item.sk === customerKey(String(item.customerId)).sk);
  const interactions = timelines.filter(ours);

  // Identities: what the profiles list and what their messages came from or went to; theirs if held by them.
  const listed = uniqueRefs([
    ...profiles.flatMap((profile) => refsOf(profile.identities)),
    ...interactions.flatMap((interaction) => refsOf(interaction.identities)),
  ]);
  const identities = (await getByKeys(db, listed.map(identityKey))).filter(ours);
  const rootProfile = profiles.find((profile) => profile.customerId === root.customerId);
  const heldIdentities = uniqueRefs([...refsOf(identities), ...refsOf(rootProfile?.identities)]);
  const emails = heldIdentities.filter((ref) => ref.kind === 'email').map((ref) => ref.value);

  const conversationIds = new Set<string>();
  const addConversation = (id: unknown) => {
    if (typeof id === 'string' && id.length > 0) conversationIds.add(id);
  };
  for (const entry of conversationEntries) addConversation(String(entry.pk).replace(/^CONVERSATION#/, ''));
  for (const item of [...interactions, ...recipients, ...identities]) addConversation(item.conversationId);
  for (const profile of profiles) {
    addConversation(profile.openConversationId);
    addConversation((profile.lastResolved as { conversationId?: unknown } | undefined)?.conversationId);
  }
  const conversationPartitions = await collect([...conversationIds], (id) =>
    queryEvery(db, { pk: conversationKey(id).pk }).then((items) =>
      items.some((item) => item.sk === conversationKey(id).sk && ours(item)) ? items : [],
    ),
  );
  const conversations = conversationPartitions.filter((item) => item.sk === 'CONVERSATION');
  const notes = conversationPartitions.filter((item) => item.sk !== 'CONVERSATION');

  const visitors = heldIdentities.filter((ref) => ref.kind === 'visitor').map((ref) => ref.value);
  const [chatConnections, emailThreadRefs, verificationMails, submissionMarkers, quarantined] =
    await Promise.all([
      collect(visitors, (visitorId) => {
        const { gsi1pk } = visitorConnectionsQuery(visitorId);
        return queryEvery(db, { index: 'gsi1', pk: gsi1pk });
      }),
      getByKeys(db, threadRefKeys(interactions)).then((refs) => refs.filter(ours)),
      getByKeys(db, emails.map(verificationMailKey)),
      findSubmissionMarkers(db, interactions),
      findQuarantined(db, emails, clock),
    ]);

  const rawEmails = [
    ...new Set(
      [
        ...interactions.flatMap((interaction) => [
          providerRef(interaction, 'rawLocation'),
          ...attachmentLocations(interaction),
        ]),
        ...quarantined.map((item) => item.rawLocation),
      ].flatMap((uri) => {
        const object = typeof uri === 'string' ? rawMailObject(uri) : undefined;
        return object ? [`s3://${object.bucket}/${object.key}`] : [];
      }),
    ),
  ];

  return {
    customerId: root.customerId,
    customerIds,
    partitionItems,
    identities,
    conversations,
    notes,
    interactions,
    recipients,
    emailThreadRefs,
    chatConnections,
    verificationMails,
    submissionMarkers,
    quarantined,
    auditRecords,
    rawEmails,
    heldIdentities,
  };
}

/** Every item of one partition of the table or an index, page after page; refused past MAX_PAGES. */
export async function queryEvery(
  db: Db,
  query: { readonly pk: string; readonly index?: 'gsi1' | 'gsi3' },
): Promise<Item[]> {
  const partition = query.index ? `${query.index}pk` : TABLE_KEYS.partitionKey;
  const input: QueryCommandInput = {
    TableName: db.tableName,
    ...(query.index ? { IndexName: query.index } : {}),
    KeyConditionExpression: '#partition = :partition',
    ExpressionAttributeNames: { '#partition': partition },
    ExpressionAttributeValues: { ':partition': query.pk },
  };
  const items: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const output = await db.doc.send(
      new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    items.push(...(output.Items ?? []));
    startKey = output.LastEvaluatedKey;
    if (!startKey) return items;
  }
  throw new Error(`a partition holds more than ${MAX_PAGES} pages`);
}

/** Items by key, 100 per BatchGetItem; absent ones are left out. */
async function getByKeys(db: Db, keys: readonly PrimaryKey[]): Promise<Item[]> {
  const unique = [...new Map(keys.map((key) => [`${key.pk}\u0000${key.sk}`, key])).values()];
  const chunks: PrimaryKey[][] = [];
  for (let start = 0; start < unique.length; start += 100) chunks.push(unique.slice(start, start + 100));
  return collect(chunks, (chunk) => batchGetItems(db, chunk, false));
}

/** Runs `read` for each input, CONCURRENCY at a time, and concatenates the results in input order. */
async function collect<T>(inputs: readonly T[], read: (input: T) => Promise<Item[]>): Promise<Item[]> {
  const results: Item[][] = new Array(inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const index = next++;
      results[index] = await read(inputs[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, inputs.length) }, worker));
  return results.flat();
}

/** An identity as profiles, interactions and identity items hold it (with their other attributes). */
const StoredIdentitySchema = z.looseObject({
  kind: IdentityKindSchema,
  value: z.string().check(z.minLength(1), z.maxLength(320)),
  trust: z.optional(TrustSchema),
});

/** The identities in an attribute holding one identity or a list of them (trust `claimed` when unsaid). */
function refsOf(value: unknown): TrustedIdentity[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  return list.flatMap((entry) => {
    const parsed = StoredIdentitySchema.safeParse(entry);
    if (!parsed.success) return [];
    const { kind, value: identity, trust } = parsed.data;
    return [{ kind, value: identity, trust: trust ?? 'claimed' }];
  });
}

function uniqueRefs(refs: readonly IdentityRef[]): IdentityRef[] {
  const byString = new Map<string, IdentityRef>();
  for (const ref of refs) byString.set(identityString(ref), { kind: ref.kind, value: ref.value });
  return [...byString.values()];
}

function providerRef(item: Item, name: string): unknown {
  const refs = item.providerRefs;
  return typeof refs === 'object' && refs !== null ? (refs as Record<string, unknown>)[name] : undefined;
}

function attachmentLocations(item: Item): unknown[] {
  const attachments = Array.isArray(item.attachments) ? item.attachments : [];
  return attachments.map((attachment: unknown) =>
    typeof attachment === 'object' && attachment !== null
      ? (attachment as Record<string, unknown>).location
      : undefined,
  );
}

/** The EMAILID keys of their outbound email: our Message-ID and the one SES put in its place. */
function threadRefKeys(interactions: readonly Item[]): PrimaryKey[] {
  return interactions
    .filter((item) => item.direction === 'outbound' && item.channel === 'email')
    .flatMap((item) => {
      const ours = providerRef(item, 'messageId');
      const ses = providerRef(item, 'providerId');
      return [
        ...(typeof ours === 'string' ? [threadKeyOf(ours)] : []),
        ...(typeof ses === 'string' ? [sesThreadKey(ses)] : []),
      ];
    })
    .flatMap((messageId) => (messageId ? [emailMessageIdKey(messageId)] : []));
}

/**
 * Web-form repeat markers (`SUBMISSION#<formId>#<sha256>`, ten minutes' life) of their submissions sent
 * without a `submissionId`: the interaction names the marker's hash (`providerRefs.submissionHash`).
 */
async function findSubmissionMarkers(db: Db, interactions: readonly Item[]): Promise<Item[]> {
  const keys = interactions.flatMap((item) => {
    const formId = providerRef(item, 'formId');
    const hash = providerRef(item, 'submissionHash');
    return item.channel === 'webform' && typeof formId === 'string' && typeof hash === 'string'
      ? [submissionMarkerKey(formId, hash)]
      : [];
  });
  return getByKeys(db, keys);
}

/**
 * Quarantined email whose envelope sender or From header names one of `emails`, over the quarantine's
 * retention (gsi1 `QUARANTINE#<yyyy-mm>`, one Query per month; addresses compared case-insensitively).
 */
async function findQuarantined(db: Db, emails: readonly string[], clock: Clock): Promise<Item[]> {
  if (emails.length === 0) return [];
  const wanted = new Set(emails.map((email) => email.toLowerCase()));
  const now = Date.parse(clock.now());
  const months = new Set<string>();
  for (let day = 0; day <= QUARANTINE_LOOKBACK_DAYS; day += 1) {
    months.add(new Date(now - day * 86_400_000).toISOString().slice(0, 7));
  }
  const held = await collect([...months], (month) =>
    queryEvery(db, { index: 'gsi1', pk: quarantinePartition(month) }),
  );
  return held.filter((item) =>
    addressesIn(`${String(item.envelopeSender ?? '')},${String(item.from ?? '')}`).some((address) =>
      wanted.has(address),
    ),
  );
}

/** The email addresses in a header or envelope value, lower-cased. */
function addressesIn(text: string): string[] {
  return [...text.matchAll(/[^\s<>,;"()]+@[^\s<>,;"()]+/g)].map((match) => match[0].toLowerCase());
}

/** The kind an item is counted as: its entity type. */
export function kindOf(item: Item): string {
  const entity = item[TABLE_KEYS.entityAttribute];
  return typeof entity === 'string' ? entity : 'other';
}

/**
 * How many items of each kind the holdings hold (`raw-email`: objects in the mail bucket); audit records
 * only `withAudit` (an erasure keeps them).
 */
export function holdingCounts(
  holdings: CustomerHoldings,
  options: { readonly withAudit: boolean },
): Record<string, number> {
  const counts: Record<string, number> = {};
  const items = [
    ...holdings.partitionItems,
    ...holdings.identities,
    ...holdings.conversations,
    ...holdings.notes,
    ...holdings.interactions,
    ...holdings.recipients,
    ...holdings.emailThreadRefs,
    ...holdings.chatConnections,
    ...holdings.verificationMails,
    ...holdings.submissionMarkers,
    ...holdings.quarantined,
    ...(options.withAudit ? holdings.auditRecords : []),
  ];
  for (const item of items) counts[kindOf(item)] = (counts[kindOf(item)] ?? 0) + 1;
  counts['raw-email'] = holdings.rawEmails.length;
  return counts;
}
