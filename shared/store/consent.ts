import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock.js';
import { NotFoundError } from '../errors.js';
import {
  type Consent,
  type ConsentChannel,
  type ConsentRecord,
  ConsentRecordSchema,
  type Customer,
} from '../schemas/index.js';
import type { Db } from './db.js';
import { customerFromItem } from './items.js';
import { consentHistoryQuery, consentRecordKey, customerKey, type Entity } from './keys.js';
import { TABLE_KEYS } from './table-definition.js';
import { conditionFailedItem } from './write-errors.js';

/** What recording one consent decision did. */
export interface ConsentChange {
  /** The profile the decision is on: the survivor when the given customer was merged away. */
  readonly customerId: string;
  /** False when a decision at the same time or later was already recorded; this one changed nothing. */
  readonly applied: boolean;
  /** True when the channel's status changed (not only its time): the moment to confirm it, once. */
  readonly changed: boolean;
}

/** How setConsent treats a decision that repeats the recorded status. */
export interface SetConsentOptions {
  /**
   * Record the decision only when it changes the channel's status: a repeat (a second click on an
   * unsubscribe link) is not applied and leaves the recorded decision, its time and source as they are.
   * Without it, a later decision of the same status is recorded with its newer time.
   */
  readonly onlyStatusChange?: boolean;
}

const MAX_MERGE_HOPS = 10;

/**
 * Records a customer's consent decision for one channel on their profile, in one conditional update,
 * and files it in the channel's consent history (an item per decision, pattern "consent history").
 *
 * - Newest decision wins: the write applies only when no decision as late as `consent.at` is recorded,
 *   so a late or redelivered older decision (SMS inbound order is not guaranteed) changes nothing,
 *   and replaying the same decision is a no-op.
 * - `changed` tells whether the status flipped, so a caller confirms a STOP once however often the
 *   provider retries it.
 * - The profile version is bumped: a merge that read the profile before this write fails its
 *   condition and re-reads, so it cannot put the old consent back.
 * - The history item is written after the profile, keyed by the decision: a replay of a decision the
 *   profile already holds writes it again (a no-op when it is there), so a crash between the two
 *   writes loses nothing once the decision is retried.
 * - A customer merged away resolves to the survivor. Throws NotFoundError for an unknown customer.
 */
export async function setConsent(
  db: Db,
  customerId: string,
  channel: ConsentChannel,
  consent: Consent,
  clock: Clock,
  options: SetConsentOptions = {},
): Promise<ConsentChange> {
  let id = customerId;
  for (let hop = 0; hop < MAX_MERGE_HOPS; hop++) {
    try {
      const output = await db.doc.send(
        new UpdateCommand({
          TableName: db.tableName,
          Key: customerKey(id),
          UpdateExpression:
            'SET consent.#channel = :consent, #version = if_not_exists(#version, :zero) + :one, updatedAt = :now',
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(mergedInto) AND ' +
            (options.onlyStatusChange
              ? '(attribute_not_exists(consent.#channel) OR (consent.#channel.#at < :at AND consent.#channel.#status <> :status))'
              : '(attribute_not_exists(consent.#channel) OR consent.#channel.#at < :at)'),
          ExpressionAttributeNames: {
            '#channel': channel,
            '#version': 'version',
            '#at': 'at',
            ...(options.onlyStatusChange ? { '#status': 'status' } : {}),
          },
          ExpressionAttributeValues: {
            ':consent': consent,
            ':at': consent.at,
            ':zero': 0,
            ':one': 1,
            ':now': clock.now(),
            ...(options.onlyStatusChange ? { ':status': consent.status } : {}),
          },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const previous = output.Attributes
        ? customerFromItem(output.Attributes).customer.consent[channel]
        : undefined;
      await putConsentRecord(db, id, channel, consent, clock);
      return { customerId: id, applied: true, changed: previous?.status !== consent.status };
    } catch (error) {
      const old = conditionFailedItem(error);
      if (old === null) throw error;
      if (old === undefined) throw new NotFoundError('customer not found');
      const { customer } = customerFromItem(old);
      if (!customer.mergedInto) {
        if (holdsDecision(customer, channel, consent))
          await putConsentRecord(db, id, channel, consent, clock);
        return { customerId: id, applied: false, changed: false };
      }
      id = customer.mergedInto;
    }
  }
  throw new NotFoundError('customer not found');
}

function holdsDecision(customer: Customer, channel: ConsentChannel, consent: Consent): boolean {
  const held = customer.consent[channel];
  return held?.at === consent.at && held.status === consent.status && held.source === consent.source;
}

/** Files one decision in the channel's history; a decision already filed is left as it is. */
async function putConsentRecord(
  db: Db,
  customerId: string,
  channel: ConsentChannel,
  consent: Consent,
  clock: Clock,
): Promise<void> {
  const record: ConsentRecord = { ...consent, customerId, channel, recordedAt: clock.now() };
  try {
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: {
          ...consentRecordKey(customerId, channel, consent.at, consent.status),
          [TABLE_KEYS.entityAttribute]: 'consent-record' satisfies Entity,
          ...record,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (conditionFailedItem(error) === null) throw error;
  }
}

/** Most decisions one history read returns. */
export const CONSENT_HISTORY_MAX = 100;

/**
 * Access pattern "consent history": the decisions recorded for one channel of a customer, newest
 * first, at most `limit` (one Query of the customer's partition). The history of a customer merged
 * into this one stays under the merged customer's id.
 */
export async function listConsentHistory(
  db: Db,
  customerId: string,
  channel: ConsentChannel,
  limit = 20,
): Promise<ConsentRecord[]> {
  const { pk, skPrefix } = consentHistoryQuery(customerId, channel);
  const output = await db.doc.send(
    new QueryCommand({
      TableName: db.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ScanIndexForward: false,
      Limit: Math.min(Math.max(1, limit), CONSENT_HISTORY_MAX),
    }),
  );
  return (output.Items ?? []).map((item) =>
    ConsentRecordSchema.parse({
      customerId: item.customerId,
      channel: item.channel,
      status: item.status,
      at: item.at,
      source: item.source,
      recordedAt: item.recordedAt,
    }),
  );
}
