import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type { Clock } from '../clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { IdSchema, IsoTimestampSchema } from '../schemas/index.js';
import type { Db } from '../store/db.js';
import { STORAGE_ATTRIBUTES } from '../store/items.js';
import { customerCampaignIndexKeys } from '../store/keys.js';
import { queryPages } from '../store/query-pages.js';
import { replaceIfUnchanged } from '../store/replace-item.js';
import { TABLE_KEYS } from '../store/table-definition.js';
import { conditionFailedItem } from '../store/write-errors.js';
import {
  type CampaignDraft,
  type CampaignStatus,
  type StoredCampaign,
  StoredCampaignSchema,
} from './definition.js';

/**
 * Campaign items (docs/data-model.md):
 * - the campaign: `CAMPAIGN#<id>` / `CAMPAIGN`, on gsi1 `CAMPAIGNS` / `<status>#<kind>#<id>` (running
 *   follow-ups are one Query);
 * - its counters: `CAMPAIGN#<id>` / `STATS`, one number attribute per step and counter (atomic ADD);
 * - each recipient: `CAMPAIGN#<id>` / `RECIPIENT#<recipientId>` with its place in the flow; while a step
 *   is due it sits on gsi2 `CAMPAIGN_DUE#<id>` / `<dueAt>#<recipientId>`, so a wave reads only what is due.
 */

export const CAMPAIGNS_PARTITION = 'CAMPAIGNS';

export function campaignKey(campaignId: string) {
  return { pk: `CAMPAIGN#${campaignId}`, sk: 'CAMPAIGN' };
}

function statsKey(campaignId: string) {
  return { pk: `CAMPAIGN#${campaignId}`, sk: 'STATS' };
}

export const RECIPIENT_PREFIX = 'RECIPIENT#';

export function recipientKey(campaignId: string, recipientId: string) {
  return { pk: `CAMPAIGN#${campaignId}`, sk: `${RECIPIENT_PREFIX}${recipientId}` };
}

export function duePartition(campaignId: string): string {
  return `CAMPAIGN_DUE#${campaignId}`;
}

function campaignIndexKeys(status: CampaignStatus, kind: CampaignDraft['kind'], campaignId: string) {
  return { gsi1pk: CAMPAIGNS_PARTITION, gsi1sk: `${status}#${kind}#${campaignId}` };
}

/** How a recipient's walk through the steps ended. */
export const RecipientOutcomeSchema = z.enum([
  'completed',
  'replied',
  'opted-out',
  'suppressed',
  'escalated',
  'cancelled',
  'failed',
  'surveyed',
  'no-answer',
]);
export type RecipientOutcome = z.infer<typeof RecipientOutcomeSchema>;

export const RecipientSchema = z.strictObject({
  campaignId: IdSchema,
  /** The customer (retention), or the resolved conversation (follow-up: one survey per conversation). */
  recipientId: IdSchema,
  customerId: IdSchema,
  conversationId: z.optional(IdSchema),
  /** The step to run next (index into the campaign's steps). */
  stepIndex: z.number().check(z.int(), z.nonnegative()),
  status: z.enum(['active', 'done']),
  outcome: z.optional(RecipientOutcomeSchema),
  /** Why the recipient was suppressed or stopped (`no-consent`, `open-conversation`, …). */
  reason: z.optional(z.string().check(z.maxLength(60))),
  /** When the current step is due (active recipients). */
  nextDueAt: z.optional(IsoTimestampSchema),
  /** The end of the current wait step, once it started. */
  waitUntil: z.optional(IsoTimestampSchema),
  /** The last message sent to the recipient by this campaign: a reply is an inbound message after it. */
  lastSentAt: z.optional(IsoTimestampSchema),
  channelsUsed: z.array(z.enum(['email', 'sms', 'chat'])).check(z.maxLength(3)),
  /** A step being sent: set before the provider is called, so a retry never sends that step again. */
  sending: z.optional(z.number().check(z.int(), z.nonnegative())),
  /** Each step's result, oldest first. */
  history: z
    .array(
      z.strictObject({
        stepId: z.string().check(z.maxLength(40)),
        at: IsoTimestampSchema,
        result: z.string().check(z.maxLength(60)),
      }),
    )
    .check(z.maxLength(40)),
  enrolledAt: IsoTimestampSchema,
  updatedAt: IsoTimestampSchema,
});
export type Recipient = z.infer<typeof RecipientSchema>;

function withoutStorage(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !STORAGE_ATTRIBUTES.has(name)));
}

/** Creates a draft. */
export async function createCampaign(
  db: Db,
  draft: CampaignDraft,
  createdBy: string,
  clock: Clock,
): Promise<StoredCampaign> {
  const now = clock.now();
  const campaign: StoredCampaign = {
    campaignId: clock.newId(),
    draft,
    status: 'draft',
    createdBy,
    createdAt: now,
    updatedAt: now,
  };
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: campaignItem(campaign),
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return campaign;
}

function campaignItem(campaign: StoredCampaign) {
  return {
    ...campaignKey(campaign.campaignId),
    [TABLE_KEYS.entityAttribute]: 'campaign',
    ...campaignIndexKeys(campaign.status, campaign.draft.kind, campaign.campaignId),
    ...campaign,
  };
}

/** Access pattern "campaign by id"; NotFoundError for an unknown id. */
export async function getCampaign(db: Db, campaignId: string, consistent = false): Promise<StoredCampaign> {
  const output = await db.doc.send(
    new GetCommand({ TableName: db.tableName, Key: campaignKey(campaignId), ConsistentRead: consistent }),
  );
  if (!output.Item) throw new NotFoundError('campaign not found');
  return StoredCampaignSchema.parse(withoutStorage(output.Item));
}

/**
 * Moves a campaign from one of `from` to `to` (launch, pause, resume, cancel, complete), atomically:
 * ConflictError (409) when it is in another state, e.g. launching twice.
 */
export async function transitionCampaign(
  db: Db,
  campaignId: string,
  from: readonly CampaignStatus[],
  to: CampaignStatus,
  now: string,
  extra: Partial<Pick<StoredCampaign, 'launchedAt' | 'executionArn' | 'lastEnrolledAt' | 'enrolments'>> = {},
): Promise<StoredCampaign> {
  const current = await getCampaign(db, campaignId, true);
  if (!from.includes(current.status)) {
    throw new ConflictError(`the campaign is ${current.status}; it cannot become ${to}`);
  }
  const next: StoredCampaign = { ...current, ...extra, status: to, updatedAt: now };
  try {
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: campaignItem(next),
        ConditionExpression: '#status = :status AND updatedAt = :read',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': current.status, ':read': current.updatedAt },
      }),
    );
  } catch (error) {
    if (conditionFailedItem(error) === null) throw error;
    throw new ConflictError('the campaign changed meanwhile; try again');
  }
  return next;
}

/** Access pattern "running campaigns of a kind": Query gsi1 `CAMPAIGNS`, `begins_with(gsi1sk, 'running#<kind>#')`. */
export async function runningCampaigns(db: Db, kind: CampaignDraft['kind']): Promise<StoredCampaign[]> {
  const items = await queryPages(
    db,
    {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :campaigns AND begins_with(gsi1sk, :running)',
      ExpressionAttributeValues: { ':campaigns': CAMPAIGNS_PARTITION, ':running': `running#${kind}#` },
    },
    10,
  );
  return items.map((item) => StoredCampaignSchema.parse(withoutStorage(item)));
}

// ---------------------------------------------------------------------------------------------------
// Counters.

/** What is counted per step. */
export const STEP_COUNTERS = [
  'targeted',
  'sent',
  'deferred',
  'replied',
  'converted',
  'escalated',
  'failed',
  'answered',
  'no-answer',
] as const;
export type StepCounter = (typeof STEP_COUNTERS)[number] | `suppressed:${string}`;

/** Counts to add, by step id and counter. */
export type CounterDelta = Map<string, number>;

export function addCount(delta: CounterDelta, stepId: string, counter: StepCounter, by = 1): void {
  const key = `${stepId}|${counter}`;
  delta.set(key, (delta.get(key) ?? 0) + by);
}

/** Adds a batch's counts in one UpdateItem (one write unit, whatever the number of recipients). */
export async function addCounts(db: Db, campaignId: string, delta: CounterDelta): Promise<void> {
  if (delta.size === 0) return;
  const names: Record<string, string> = {};
  const values: Record<string, number> = {};
  const parts: string[] = [];
  [...delta].forEach(([key, by], index) => {
    names[`#c${index}`] = `count|${key}`;
    values[`:c${index}`] = by;
    parts.push(`#c${index} :c${index}`);
  });
  await db.doc.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: statsKey(campaignId),
      UpdateExpression: `ADD ${parts.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

/** Counters per step: `{ offer: { sent: 10, 'suppressed:open-conversation': 2 } }`. */
export async function getCounts(db: Db, campaignId: string): Promise<Record<string, Record<string, number>>> {
  const output = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: statsKey(campaignId) }));
  const counts: Record<string, Record<string, number>> = {};
  for (const [name, value] of Object.entries(output.Item ?? {})) {
    if (!name.startsWith('count|') || typeof value !== 'number') continue;
    const [, stepId = '', counter = ''] = name.split('|');
    counts[stepId] = { ...(counts[stepId] ?? {}), [counter]: value };
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------------
// Recipients.

/**
 * A recipient's item: due ones on gsi2 (the waves), every one on its customer's gsi1 partition
 * `CUSTOMER#<id>#CAMPAIGNS` (a customer's enrolments, for export and erasure: docs/data-rights.md).
 */
export function recipientItem(recipient: Recipient) {
  return {
    ...recipientKey(recipient.campaignId, recipient.recipientId),
    [TABLE_KEYS.entityAttribute]: 'campaign-recipient',
    ...customerCampaignIndexKeys(recipient.customerId, recipient.campaignId, recipient.recipientId),
    ...(recipient.status === 'active' && recipient.nextDueAt && recipient.sending === undefined
      ? {
          gsi2pk: duePartition(recipient.campaignId),
          gsi2sk: `${recipient.nextDueAt}#${recipient.recipientId}`,
        }
      : {}),
    ...recipient,
  };
}

/** Enrols a recipient once: a relaunch or a duplicate event finds it there and changes nothing. */
export async function enrolRecipient(db: Db, recipient: Recipient): Promise<boolean> {
  try {
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: recipientItem(recipient),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (conditionFailedItem(error) === null) throw error;
    return false;
  }
}

export async function getRecipient(
  db: Db,
  campaignId: string,
  recipientId: string,
): Promise<Recipient | undefined> {
  const output = await db.doc.send(
    new GetCommand({
      TableName: db.tableName,
      Key: recipientKey(campaignId, recipientId),
      ConsistentRead: true,
    }),
  );
  return output.Item ? RecipientSchema.parse(withoutStorage(output.Item)) : undefined;
}

/**
 * Replaces a recipient if nobody changed it since it was read (`updatedAt` is its version): false when
 * someone did (a duplicate delivery working the same step), and the caller leaves it alone.
 */
export async function replaceRecipient(db: Db, next: Recipient, readUpdatedAt: string): Promise<boolean> {
  return replaceIfUnchanged(db, recipientItem(next), readUpdatedAt);
}

/** Access pattern "recipients due by `now`": Query gsi2 `CAMPAIGN_DUE#<id>`, sort key up to now. */
export async function dueRecipients(
  db: Db,
  campaignId: string,
  now: string,
  limit: number,
): Promise<{ recipientId: string }[]> {
  const output = await db.doc.send(
    new QueryCommand({
      TableName: db.tableName,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :due AND gsi2sk <= :now',
      ExpressionAttributeValues: { ':due': duePartition(campaignId), ':now': `${now}~` },
      Limit: limit,
    }),
  );
  // The index holds keys only: the recipient id is the end of its sort key.
  return (output.Items ?? []).map((item) => ({
    recipientId: String(item.sk).slice(RECIPIENT_PREFIX.length),
  }));
}

/** The earliest due time of an active recipient, or undefined when none is left. */
export async function nextDue(db: Db, campaignId: string): Promise<string | undefined> {
  const output = await db.doc.send(
    new QueryCommand({
      TableName: db.tableName,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :due',
      ExpressionAttributeValues: { ':due': duePartition(campaignId) },
      Limit: 1,
    }),
  );
  const first = output.Items?.[0];
  return first ? String(first.gsi2sk).split('#')[0] : undefined;
}

/** A page of recipients, optionally of one status, with an opaque cursor. */
export async function listRecipients(
  db: Db,
  campaignId: string,
  options: { readonly status?: Recipient['status']; readonly cursor?: string; readonly limit: number },
): Promise<{ recipients: Recipient[]; cursor?: string }> {
  const output = await db.doc.send(
    new QueryCommand({
      TableName: db.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :recipients)',
      ...(options.status ? { FilterExpression: '#status = :status' } : {}),
      ExpressionAttributeNames: options.status ? { '#status': 'status' } : undefined,
      ExpressionAttributeValues: {
        ':pk': campaignKey(campaignId).pk,
        ':recipients': RECIPIENT_PREFIX,
        ...(options.status ? { ':status': options.status } : {}),
      },
      Limit: options.limit,
      ...(options.cursor
        ? {
            ExclusiveStartKey: {
              ...recipientKey(campaignId, decodeRecipientCursor(options.cursor)),
            },
          }
        : {}),
    }),
  );
  const last = output.LastEvaluatedKey;
  return {
    recipients: (output.Items ?? []).map((item) => RecipientSchema.parse(withoutStorage(item))),
    ...(last
      ? { cursor: Buffer.from(String(last.sk).slice(RECIPIENT_PREFIX.length)).toString('base64url') }
      : {}),
  };
}

function decodeRecipientCursor(cursor: string): string {
  const recipientId = Buffer.from(cursor, 'base64url').toString('utf8');
  const parsed = IdSchema.safeParse(recipientId);
  if (!parsed.success) {
    throw new ValidationError('request failed validation', [
      { path: 'cursor', message: 'is not a cursor this listing gave' },
    ]);
  }
  return parsed.data;
}
