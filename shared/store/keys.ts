import type {
  Channel,
  ConsentChannel,
  IdentityRef,
  KbArticleStatus,
  Priority,
  Tier,
} from '../schemas/index.js';

/**
 * Every key value of the single table is built here and nowhere else. Values carry an entity prefix
 * so one partition can hold several entity types and a key always says what it points to.
 * The access patterns these serve are listed in docs/data-model.md.
 */

export type Entity =
  | 'customer'
  | 'identity'
  | 'conversation'
  | 'interaction'
  | 'email-id'
  | 'chat-connection'
  | 'quarantine'
  | 'submission-marker'
  | 'verification-mail'
  | 'audit'
  | 'agent'
  | 'note'
  | 'kb-article'
  | 'contact-ledger'
  | 'consent-record'
  | 'report'
  | 'merge-record'
  | 'erasure-tombstone';

export interface PrimaryKey {
  pk: string;
  sk: string;
}

const PROFILE = 'PROFILE';

/** Customer profile: `CUSTOMER#<id>` / `PROFILE`. */
export function customerKey(customerId: string): PrimaryKey {
  return { pk: `CUSTOMER#${customerId}`, sk: PROFILE };
}

/** Identity lock and pointer: `IDENTITY#<kind>#<value>` / `IDENTITY`; unique by construction. */
export function identityKey(identity: IdentityRef): PrimaryKey {
  return { pk: `IDENTITY#${identity.kind}#${identity.value}`, sk: 'IDENTITY' };
}

/** Conversation: `CONVERSATION#<id>` / `CONVERSATION`. */
export function conversationKey(conversationId: string): PrimaryKey {
  return { pk: `CONVERSATION#${conversationId}`, sk: 'CONVERSATION' };
}

/**
 * Inbound interaction keyed by the provider's message id, so the put that stores it is also the
 * idempotency check: a retried delivery hits the same key.
 */
export function inboundInteractionKey(channel: Channel, providerMessageId: string): PrimaryKey {
  return { pk: `MESSAGE#${channel}#${providerMessageId}`, sk: 'MESSAGE' };
}

/** Outbound interaction keyed by our own id. */
export function outboundInteractionKey(interactionId: string): PrimaryKey {
  return { pk: `MESSAGE#outbound#${interactionId}`, sk: 'MESSAGE' };
}

/** gsi1: a customer's timeline, newest first when read backwards. */
export function timelineIndexKeys(customerId: string, occurredAt: string, interactionId: string) {
  return {
    gsi1pk: timelinePartition(customerId),
    gsi1sk: `${TIMELINE_PREFIX}${occurredAt}#${interactionId}`,
  };
}

export const TIMELINE_PREFIX = 'INTERACTION#';
/** Sorts after every timeline sort key: the upper bound of a newest-first read. */
export const TIMELINE_END = 'INTERACTION#~';

export function timelinePartition(customerId: string): string {
  return `CUSTOMER#${customerId}`;
}

/** Priorities in the order agents take them: urgent first. */
const PRIORITY_RANK: Record<Priority, string> = { urgent: '0', high: '1', normal: '2', low: '3' };

/** What decides a conversation's place on gsi2. */
export interface WorkQueuePosition {
  readonly conversationId: string;
  readonly status: 'open' | 'pending' | 'resolved';
  readonly tier: Tier;
  readonly skill?: string | undefined;
  readonly priority: Priority;
  readonly assignee?: unknown;
  readonly dueAt: string;
}

/**
 * gsi2, the work queues. Every conversation not resolved sits in exactly one partition:
 * - open and nobody's: `QUEUE#<tier>#<skill>` / `<priority rank>#<dueAt>#<id>`, so an agent's claim
 *   reads the most urgent, then the earliest due, first;
 * - assigned or waiting on the customer: `HELD#<tier>` / `<dueAt>#<id>`, watched for its service level.
 * A resolved conversation leaves the index.
 */
export function workQueueIndexKeys(
  position: WorkQueuePosition,
): { gsi2pk: string; gsi2sk: string } | undefined {
  if (position.status === 'resolved') return undefined;
  if (position.status === 'open' && position.assignee === undefined) {
    return {
      gsi2pk: claimQueuePartition(position.tier, position.skill ?? DEFAULT_SKILL),
      gsi2sk: `${PRIORITY_RANK[position.priority]}#${position.dueAt}#${position.conversationId}`,
    };
  }
  return { gsi2pk: heldPartition(position.tier), gsi2sk: `${position.dueAt}#${position.conversationId}` };
}

/** The skill of a conversation routing has not placed yet. */
export const DEFAULT_SKILL = 'general';

/** gsi2 partition of the open, unassigned conversations of a tier and skill. */
export function claimQueuePartition(tier: Tier, skill: string): string {
  return `QUEUE#${tier}#${skill}`;
}

/** gsi2 sort-key range of one priority's conversations due by `dueBy` in a claim queue. */
export function claimQueueDueRange(priority: Priority, dueBy: string): { from: string; to: string } {
  return { from: `${PRIORITY_RANK[priority]}#`, to: `${PRIORITY_RANK[priority]}#${dueBy}#~` };
}

/** gsi2 partition of a tier's assigned or pending conversations. */
export function heldPartition(tier: Tier): string {
  return `HELD#${tier}`;
}

/** The conversation id at the end of a gsi2 sort key. */
export function conversationIdOfQueueKey(gsi2sk: string): string {
  return gsi2sk.slice(gsi2sk.lastIndexOf('#') + 1);
}

/** An agent's profile: `AGENT#<agentId>` / `PROFILE`. */
export function agentKey(agentId: string): PrimaryKey {
  return { pk: `AGENT#${agentId}`, sk: PROFILE };
}

/** gsi1: every agent, by id (for the queue overview). */
export function agentIndexKeys(agentId: string) {
  return { gsi1pk: AGENTS_PARTITION, gsi1sk: `AGENT#${agentId}` };
}

export const AGENTS_PARTITION = 'AGENTS';

/** A note on a conversation, in the conversation's partition: `CONVERSATION#<id>` / `NOTE#<at>#<noteId>`. */
export function noteKey(conversationId: string, at: string, noteId: string): PrimaryKey {
  return { pk: conversationKey(conversationId).pk, sk: `${NOTE_PREFIX}${at}#${noteId}` };
}

export const NOTE_PREFIX = 'NOTE#';

/** gsi3: customers by last-interaction date, one partition per month. */
export function activityIndexKeys(customerId: string, lastInteractionAt: string) {
  return {
    gsi3pk: activityPartition(lastInteractionAt.slice(0, 7)),
    gsi3sk: `${lastInteractionAt}#${customerId}`,
  };
}

/** gsi3 partition of the customers whose last interaction falls in `month` (`yyyy-mm`). */
export function activityPartition(month: string): string {
  return `ACTIVITY#${month}`;
}

/**
 * gsi3 exclusive sort-key upper bound of the customers whose last-interaction day is before `day`
 * (`yyyy-mm-dd`): every sort key of an earlier day sorts below the bare day.
 */
export function activityBeforeDay(day: string): string {
  return day;
}

/** The customer id at the end of a gsi3 sort key. */
export function customerIdOfActivityKey(gsi3sk: string): string {
  return gsi3sk.slice(gsi3sk.lastIndexOf('#') + 1);
}

/**
 * Email Message-ID we sent or received → its conversation, so a reply quoting it in In-Reply-To or
 * References continues that conversation: `EMAILID#<message-id>` / `EMAILID`.
 */
export function emailMessageIdKey(messageId: string): PrimaryKey {
  return { pk: `EMAILID#${messageId}`, sk: 'EMAILID' };
}

/**
 * An inbound message held back instead of recorded (an SES spam or virus verdict of FAIL, a failed
 * DMARC check under a reject or quarantine policy, no usable sender): `QUARANTINE#<channel>#<providerMessageId>`
 * / `QUARANTINE`. Keyed like the interaction it would have been, so a retried delivery finds it.
 */
export function quarantineKey(channel: Channel, providerMessageId: string): PrimaryKey {
  return { pk: `QUARANTINE#${channel}#${providerMessageId}`, sk: 'QUARANTINE' };
}

/** gsi1: held messages by month, oldest first, for an operator's review. */
export function quarantineIndexKeys(receivedAt: string, channel: Channel, providerMessageId: string) {
  return {
    gsi1pk: `QUARANTINE#${receivedAt.slice(0, 7)}`,
    gsi1sk: `${receivedAt}#${channel}#${providerMessageId}`,
  };
}

/** A live chat WebSocket connection (expires by TTL): `CONNECTION#<connectionId>` / `CONNECTION`. */
export function chatConnectionKey(connectionId: string): PrimaryKey {
  return { pk: `CONNECTION#${connectionId}`, sk: 'CONNECTION' };
}

/** gsi1: a chat visitor's live connections, newest first. */
export function visitorConnectionIndexKeys(visitorId: string, connectedAt: string, connectionId: string) {
  const { gsi1pk, gsi1skPrefix } = visitorConnectionsQuery(visitorId);
  return { gsi1pk, gsi1sk: `${gsi1skPrefix}${connectedAt}#${connectionId}` };
}

/** The query side of visitorConnectionIndexKeys: the visitor's gsi1 partition and the sort-key prefix. */
export function visitorConnectionsQuery(visitorId: string) {
  return { gsi1pk: `VISITOR#${visitorId}`, gsi1skPrefix: 'CONNECTION#' };
}

/**
 * A web-form submission without a `submissionId`, by a hash of its sender and text, for ten minutes:
 * `SUBMISSION#<formId>#<sha256>` / `SUBMISSION`. A repeat within the window reuses the first one's
 * message id, so ingest records it once.
 */
export function submissionMarkerKey(formId: string, contentHash: string): PrimaryKey {
  return { pk: `SUBMISSION#${formId}#${contentHash}`, sk: 'SUBMISSION' };
}

/** An audit record of a staff action on a customer: `AUDIT#<customerId>` / `<at>#<auditId>`. */
export function auditKey(customerId: string, at: string, auditId: string): PrimaryKey {
  return { pk: `AUDIT#${customerId}`, sk: `${at}#${auditId}` };
}

/**
 * At most one verification link per address per hour: `VERIFYMAIL#<email>` / `VERIFYMAIL`, expiring by
 * TTL, so a form cannot be used to flood someone's mailbox.
 */
export function verificationMailKey(email: string): PrimaryKey {
  return { pk: `VERIFYMAIL#${email}`, sk: 'VERIFYMAIL' };
}

/** A knowledge-base article: `KB#<articleId>` / `ARTICLE`. */
export function kbArticleKey(articleId: string): PrimaryKey {
  return { pk: `KB#${articleId}`, sk: 'ARTICLE' };
}

/**
 * gsi1: every knowledge-base article in one partition, by status then id (creation order), so the
 * published ones (what the e-level searches) are one Query: `KB` / `<status>#<articleId>`.
 */
export function kbArticleIndexKeys(status: KbArticleStatus, articleId: string) {
  return { gsi1pk: KB_ARTICLES_PARTITION, gsi1sk: `${kbArticleStatusPrefix(status)}${articleId}` };
}

export const KB_ARTICLES_PARTITION = 'KB';

/** The gsi1 sort-key prefix of the articles of one status. */
export function kbArticleStatusPrefix(status: KbArticleStatus): string {
  return `${status}#`;
}

/**
 * A customer's contact ledger for one channel (the marketing messages of the rolling windows), beside
 * the profile: `CUSTOMER#<customerId>` / `PROFILE#LEDGER#<channel>`. Its sort key starts with the
 * profile's, so one Query (profileWithLedgersQuery) reads the profile and its ledgers together.
 */
export function contactLedgerKey(customerId: string, channel: ConsentChannel): PrimaryKey {
  return { pk: customerKey(customerId).pk, sk: `${PROFILE}#LEDGER#${channel}` };
}

/** The Query of a profile with its contact ledgers: `pk = CUSTOMER#<id> AND begins_with(sk, 'PROFILE')`. */
export function profileWithLedgersQuery(customerId: string): { pk: string; skPrefix: string } {
  return { pk: customerKey(customerId).pk, skPrefix: PROFILE };
}

/**
 * One decision of a customer's consent history, in the customer's partition:
 * `CUSTOMER#<customerId>` / `CONSENT#<channel>#<at>#<status>`. Keyed by the decision itself, so a
 * replayed decision lands on the same item.
 */
export function consentRecordKey(
  customerId: string,
  channel: ConsentChannel,
  at: string,
  status: 'opted_in' | 'opted_out',
): PrimaryKey {
  const { pk, skPrefix } = consentHistoryQuery(customerId, channel);
  return { pk, sk: `${skPrefix}${at}#${status}` };
}

/** The Query of one channel's consent history, oldest first when read forwards. */
export function consentHistoryQuery(
  customerId: string,
  channel: ConsentChannel,
): { pk: string; skPrefix: string } {
  return { pk: customerKey(customerId).pk, skPrefix: `CONSENT#${channel}#` };
}

/**
 * A day's aggregate of one report dimension (docs/reporting.md): `REPORT#<yyyy-mm>` /
 * `<yyyy-mm-dd>#<dimension>`, where the dimension is `all`, `channel#<channel>` or `tier#<tier>`. One
 * partition per month, so a report over a range of days is one Query per month it touches.
 */
export function reportKey(day: string, dimension: string): PrimaryKey {
  return { pk: reportPartition(day.slice(0, 7)), sk: `${day}#${dimension}` };
}

/** The partition of a month's report aggregates (`yyyy-mm`). */
export function reportPartition(month: string): string {
  return `REPORT#${month}`;
}

/** The sort-key range of the aggregates of the days `from` to `to` (inclusive) within one month. */
export function reportDayRange(from: string, to: string): { from: string; to: string } {
  return { from: `${from}#`, to: `${to}#~` };
}

/** The day and dimension of a report aggregate's sort key. */
export function reportDimensionOfKey(sk: string): { day: string; dimension: string } {
  return { day: sk.slice(0, 10), dimension: sk.slice(11) };
}

/**
 * gsi3 (keys only): the conversations of a customer, oldest first: `CUSTOMER#<id>#CONVERSATIONS` /
 * `<openedAt>#<conversationId>`. Written with the conversation (keys only, so updates that keep the
 * customer cost no index write); it finds conversations no interaction names (a campaign's personal
 * contact) for export and erasure. A merge moves a conversation's `customerId` without rewriting this
 * entry until the next full write, so readers look in the partitions of every customer merged in.
 */
export function customerConversationIndexKeys(customerId: string, openedAt: string, conversationId: string) {
  return { gsi3pk: customerConversationsPartition(customerId), gsi3sk: `${openedAt}#${conversationId}` };
}

/** The gsi3 partition of a customer's conversations. */
export function customerConversationsPartition(customerId: string): string {
  return `CUSTOMER#${customerId}#CONVERSATIONS`;
}

/**
 * gsi1: a customer's campaign recipients (enrolments): `CUSTOMER#<id>#CAMPAIGNS` /
 * `<campaignId>#<recipientId>`, for export and erasure.
 */
export function customerCampaignIndexKeys(customerId: string, campaignId: string, recipientId: string) {
  return { gsi1pk: customerCampaignsPartition(customerId), gsi1sk: `${campaignId}#${recipientId}` };
}

/** The gsi1 partition of a customer's campaign recipients. */
export function customerCampaignsPartition(customerId: string): string {
  return `CUSTOMER#${customerId}#CAMPAIGNS`;
}

/**
 * A merge of customers, filed in the survivor's partition: `CUSTOMER#<survivorId>` /
 * `MERGE#<at>#<mergeId>` (which identities each side held, why, when, by which rule or whom).
 */
export function mergeRecordKey(survivorId: string, at: string, mergeId: string): PrimaryKey {
  return { pk: customerKey(survivorId).pk, sk: `${MERGE_RECORD_PREFIX}${at}#${mergeId}` };
}

export const MERGE_RECORD_PREFIX = 'MERGE#';

/**
 * An erasure tombstone of one identity, by a SHA-256 of its canonical form (never the identity itself):
 * `ERASED#<sha256 hex>` / `ERASED`. It expires by TTL; while it lives, a message of that identity
 * received before the erasure is dropped (docs/data-rights.md).
 */
export function identityTombstoneKey(identityHash: string): PrimaryKey {
  return { pk: `ERASED#${identityHash}`, sk: 'ERASED' };
}

/** An erasure tombstone of a customer id: `ERASED#CUSTOMER#<customerId>` / `ERASED`. */
export function customerTombstoneKey(customerId: string): PrimaryKey {
  return { pk: `ERASED#CUSTOMER#${customerId}`, sk: 'ERASED' };
}

/** The gsi1 partition of the messages quarantined in `month` (`yyyy-mm`): see quarantineIndexKeys. */
export function quarantinePartition(month: string): string {
  return quarantineIndexKeys(`${month}-01`, 'email', '').gsi1pk;
}
