import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock.js';
import { NotFoundError } from '../errors.js';
import type { Consent, ConsentChannel } from '../schemas/index.js';
import type { Db } from './db.js';
import { customerFromItem } from './items.js';
import { customerKey } from './keys.js';
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

const MAX_MERGE_HOPS = 10;

/**
 * Records a customer's consent decision for one channel on their profile, in one conditional update.
 *
 * - Newest decision wins: the write applies only when no decision as late as `consent.at` is recorded,
 *   so a late or redelivered older decision (SMS inbound order is not guaranteed) changes nothing,
 *   and replaying the same decision is a no-op.
 * - `changed` tells whether the status flipped, so a caller confirms a STOP once however often the
 *   provider retries it.
 * - The profile version is bumped: a merge that read the profile before this write fails its
 *   condition and re-reads, so it cannot put the old consent back.
 * - A customer merged away resolves to the survivor. Throws NotFoundError for an unknown customer.
 */
export async function setConsent(
  db: Db,
  customerId: string,
  channel: ConsentChannel,
  consent: Consent,
  clock: Clock,
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
            '(attribute_not_exists(consent.#channel) OR consent.#channel.#at < :at)',
          ExpressionAttributeNames: { '#channel': channel, '#version': 'version', '#at': 'at' },
          ExpressionAttributeValues: {
            ':consent': consent,
            ':at': consent.at,
            ':zero': 0,
            ':one': 1,
            ':now': clock.now(),
          },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const previous = output.Attributes
        ? customerFromItem(output.Attributes).customer.consent[channel]
        : undefined;
      return { customerId: id, applied: true, changed: previous?.status !== consent.status };
    } catch (error) {
      const old = conditionFailedItem(error);
      if (old === null) throw error;
      if (old === undefined) throw new NotFoundError('customer not found');
      const { customer } = customerFromItem(old);
      if (!customer.mergedInto) return { customerId: id, applied: false, changed: false };
      id = customer.mergedInto;
    }
  }
  throw new NotFoundError('customer not found');
}
