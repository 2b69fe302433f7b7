import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type { Clock } from '../clock.js';
import { NotFoundError, ValidationError } from '../errors.js';
import {
  type ConsentChannel,
  ConsentChannelSchema,
  type Customer,
  IdSchema,
  IsoTimestampSchema,
  type QuietHours,
  QuietHoursSchema,
  TimeZoneNameSchema,
} from '../schemas/index.js';
import type { Db } from '../store/db.js';
import { customerFromItem, type Item } from '../store/items.js';
import { contactLedgerKey, customerKey, type Entity, profileWithLedgersQuery } from '../store/keys.js';
import { TABLE_KEYS } from '../store/table-definition.js';
import { conditionFailedItem } from '../store/write-errors.js';
import { type LedgerSend, LedgerSendSchema, MAX_LEDGER_SENDS } from './ledger-caps.js';
import { isKnownTimeZone } from './ledger-quiet-hours.js';

/**
 * The contact ledger's items and the profile attributes campaigns decide on. A channel's ledger
 * (`CUSTOMER#<id>` / `PROFILE#LEDGER#<channel>`) holds the marketing sends of the rolling windows under
 * an optimistic-concurrency `version`; the latest consent, time zone, quiet hours and the suppression
 * facts (open conversation, last SLA breach, last satisfaction) are on the profile.
 */

/** A channel's ledger as stored (without its keys). */
export const ContactLedgerSchema = z.strictObject({
  customerId: IdSchema,
  channel: ConsentChannelSchema,
  /** Marketing sends of the last 7 days, oldest first, at most MAX_LEDGER_SENDS. */
  sends: z.array(LedgerSendSchema).check(z.maxLength(MAX_LEDGER_SENDS)),
  updatedAt: IsoTimestampSchema,
});
export type ContactLedger = z.infer<typeof ContactLedgerSchema>;

/** A channel's sends with the version they were read at; version 0: no ledger stored yet. */
export interface LedgerSnapshot {
  readonly version: number;
  readonly sends: readonly LedgerSend[];
}

const EMPTY_LEDGER: LedgerSnapshot = { version: 0, sends: [] };

/** A profile and one channel's ledger, read together. */
export interface ProfileWithLedger {
  readonly customer: Customer;
  readonly ledger: LedgerSnapshot;
}

const MAX_MERGE_HOPS = 10;

/**
 * Access pattern "profile with its contact ledgers": one Query of the customer's partition,
 * `begins_with(sk, 'PROFILE')`, strongly consistent (an opt-out recorded a moment ago counts), which
 * returns the profile and its ledgers (one per channel, a few hundred bytes each) for the read units of
 * their summed size. A customer merged away is followed to the survivor. Undefined for an unknown id.
 */
export async function getProfileWithLedger(
  db: Db,
  customerId: string,
  channel: ConsentChannel,
): Promise<ProfileWithLedger | undefined> {
  let id = customerId;
  for (let hop = 0; hop < MAX_MERGE_HOPS; hop++) {
    const { pk, skPrefix } = profileWithLedgersQuery(id);
    const output = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
        ConsistentRead: true,
      }),
    );
    const items = output.Items ?? [];
    const profile = items.find((item) => item.sk === customerKey(id).sk);
    if (!profile) return undefined;
    const { customer } = customerFromItem(profile);
    if (!customer.mergedInto) {
      const ledger = items.find((item) => item.sk === contactLedgerKey(id, channel).sk);
      return { customer, ledger: ledger ? ledgerSnapshotOf(ledger) : EMPTY_LEDGER };
    }
    id = customer.mergedInto;
  }
  return undefined;
}

function ledgerSnapshotOf(item: Item): LedgerSnapshot {
  const ledger = ContactLedgerSchema.parse({
    customerId: item.customerId,
    channel: item.channel,
    sends: item.sends,
    updatedAt: item.updatedAt,
  });
  return { version: typeof item.version === 'number' ? item.version : 0, sends: ledger.sends };
}

/**
 * Replaces a channel's sends if the ledger is still at `expected.version` (absent for version 0), in
 * one conditional UpdateItem that moves the version on. A lost race returns the ledger as it is now
 * (from the failed write itself, no second read).
 */
export async function writeLedgerSends(
  db: Db,
  customerId: string,
  channel: ConsentChannel,
  expected: LedgerSnapshot,
  sends: readonly LedgerSend[],
  now: string,
): Promise<{ readonly written: true } | { readonly written: false; readonly current: LedgerSnapshot }> {
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: contactLedgerKey(customerId, channel),
        UpdateExpression:
          'SET #entity = :entity, customerId = :customerId, channel = :channel, sends = :sends, updatedAt = :now, #version = :next',
        ConditionExpression: expected.version === 0 ? 'attribute_not_exists(pk)' : '#version = :version',
        ExpressionAttributeNames: { '#entity': TABLE_KEYS.entityAttribute, '#version': 'version' },
        ExpressionAttributeValues: {
          ':entity': 'contact-ledger' satisfies Entity,
          ':customerId': customerId,
          ':channel': channel,
          ':sends': sends,
          ':now': now,
          ':next': expected.version + 1,
          ...(expected.version === 0 ? {} : { ':version': expected.version }),
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { written: true };
  } catch (error) {
    const old = conditionFailedItem(error);
    if (old === null) throw error;
    return { written: false, current: old ? ledgerSnapshotOf(old) : EMPTY_LEDGER };
  }
}

/** What a profile update did: on which profile (the survivor of a merge), and whether it applied. */
export interface ProfileUpdate {
  readonly customerId: string;
  /** False when the profile already held a later value; nothing changed. */
  readonly applied: boolean;
}

interface ProfileWrite {
  readonly set?: string;
  readonly remove?: string;
  /** Besides "exists and not merged away": when the write applies (e.g. only a later time). */
  readonly condition?: string;
  readonly names?: Record<string, string>;
  readonly values?: Record<string, unknown>;
}

function updateExpressionOf(write: ProfileWrite): string {
  const set = [write.set, '#version = if_not_exists(#version, :zero) + :one', 'updatedAt = :now'];
  const remove = write.remove ? ` REMOVE ${write.remove}` : '';
  return `SET ${set.filter((part) => part !== undefined).join(', ')}${remove}`;
}

/**
 * One conditional UpdateItem of a profile that moves its version on (so a merge that read the profile
 * before cannot put the old values back), following a merged-away customer to the survivor.
 * NotFoundError for an unknown customer.
 */
async function updateProfile(
  db: Db,
  customerId: string,
  write: ProfileWrite,
  clock: Clock,
): Promise<ProfileUpdate> {
  let id = customerId;
  for (let hop = 0; hop < MAX_MERGE_HOPS; hop++) {
    try {
      await db.doc.send(
        new UpdateCommand({
          TableName: db.tableName,
          Key: customerKey(id),
          UpdateExpression: updateExpressionOf(write),
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(mergedInto)' +
            (write.condition ? ` AND (${write.condition})` : ''),
          ExpressionAttributeNames: { '#version': 'version', ...write.names },
          ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':now': clock.now(), ...write.values },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { customerId: id, applied: true };
    } catch (error) {
      const old = conditionFailedItem(error);
      if (old === null) throw error;
      if (old === undefined) throw new NotFoundError('customer not found');
      const { customer } = customerFromItem(old);
      if (!customer.mergedInto) return { customerId: id, applied: false };
      id = customer.mergedInto;
    }
  }
  throw new NotFoundError('customer not found');
}

/**
 * Records that a conversation of the customer missed a service level at `at` (for the consumer of
 * `sla.breached`). Only a later breach moves the time, so redelivered or late events change nothing.
 */
export async function recordSlaBreach(
  db: Db,
  customerId: string,
  at: string,
  clock: Clock,
): Promise<ProfileUpdate> {
  return updateProfile(
    db,
    customerId,
    {
      set: 'lastSlaBreachAt = :at',
      condition: 'attribute_not_exists(lastSlaBreachAt) OR lastSlaBreachAt < :at',
      values: { ':at': IsoTimestampSchema.parse(at) },
    },
    clock,
  );
}

/** A satisfaction score (1 worst to 5 best) and when the customer gave it. */
export const SatisfactionSchema = z.strictObject({
  score: z.number().check(z.int(), z.minimum(1), z.maximum(5)),
  at: IsoTimestampSchema,
});
export type Satisfaction = z.infer<typeof SatisfactionSchema>;

/**
 * Records the customer's satisfaction score (for the consumer of survey answers). The latest answer
 * wins: an older one arriving late changes nothing.
 */
export async function recordSatisfaction(
  db: Db,
  customerId: string,
  satisfaction: Satisfaction,
  clock: Clock,
): Promise<ProfileUpdate> {
  const parsed = SatisfactionSchema.parse(satisfaction);
  return updateProfile(
    db,
    customerId,
    {
      set: 'lastSatisfaction = :satisfaction',
      condition: 'attribute_not_exists(lastSatisfaction) OR lastSatisfaction.#at < :at',
      names: { '#at': 'at' },
      values: { ':satisfaction': parsed, ':at': parsed.at },
    },
    clock,
  );
}

/** The customer's time zone and quiet hours; `null` removes one (the campaign's default applies). */
export interface ContactPreferences {
  readonly timeZone?: string | null;
  readonly quietHours?: QuietHours | null;
}

/**
 * Sets the customer's time zone and quiet hours on the profile (what is not given stays as it is).
 * ValidationError for a time zone the runtime does not know or malformed quiet hours: a stored profile
 * must always read back.
 */
export async function setContactPreferences(
  db: Db,
  customerId: string,
  preferences: ContactPreferences,
  clock: Clock,
): Promise<ProfileUpdate> {
  const issues: { path: string; message: string }[] = [];
  const { timeZone, quietHours } = preferences;
  if (
    typeof timeZone === 'string' &&
    (!TimeZoneNameSchema.safeParse(timeZone).success || !isKnownTimeZone(timeZone))
  ) {
    issues.push({ path: 'timeZone', message: 'must be an IANA time zone, e.g. Europe/Berlin' });
  }
  if (quietHours && !QuietHoursSchema.safeParse(quietHours).success) {
    issues.push({ path: 'quietHours', message: 'must be {start, end} in HH:MM' });
  }
  if (issues.length > 0) throw new ValidationError('contact preferences failed validation', issues);

  const set: string[] = [];
  const remove: string[] = [];
  const values: Record<string, unknown> = {};
  if (typeof timeZone === 'string') {
    set.push('#timeZone = :timeZone');
    values[':timeZone'] = timeZone;
  } else if (timeZone === null) remove.push('#timeZone');
  if (quietHours) {
    set.push('#quietHours = :quietHours');
    values[':quietHours'] = { start: quietHours.start, end: quietHours.end };
  } else if (quietHours === null) remove.push('#quietHours');
  return updateProfile(
    db,
    customerId,
    {
      ...(set.length > 0 ? { set: set.join(', ') } : {}),
      ...(remove.length > 0 ? { remove: remove.join(', ') } : {}),
      names: {
        ...(timeZone === undefined ? {} : { '#timeZone': 'timeZone' }),
        ...(quietHours === undefined ? {} : { '#quietHours': 'quietHours' }),
      },
      values,
    },
    clock,
  );
}
