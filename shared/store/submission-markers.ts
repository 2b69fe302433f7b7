import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from './db.js';
import { submissionMarkerKey } from './keys.js';
import { TABLE_KEYS } from './table-definition.js';
import { conditionFailedItem } from './write-errors.js';

/** How long a submission without a `submissionId` counts as a repeat of an identical earlier one. */
export const SUBMISSION_REPEAT_WINDOW_SECONDS = 10 * 60;

/**
 * Access pattern "recent identical submission": the provider message id to record a submission under.
 * The first submission of a sender and text puts a marker holding `candidateId` (expiring after the
 * window); an identical one within the window gets the first one's id back, so ingest finds it already
 * recorded (or records it, if the first one failed half-way: nothing is lost). One conditional put.
 */
export async function claimSubmissionId(
  db: Db,
  formId: string,
  contentHash: string,
  candidateId: string,
  nowEpochSeconds: number,
): Promise<string> {
  try {
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: {
          ...submissionMarkerKey(formId, contentHash),
          [TABLE_KEYS.entityAttribute]: 'submission-marker',
          providerMessageId: candidateId,
          [TABLE_KEYS.ttlAttribute]: nowEpochSeconds + SUBMISSION_REPEAT_WINDOW_SECONDS,
        },
        // TTL deletes late, so an expired marker is overwritten rather than trusted.
        ConditionExpression: 'attribute_not_exists(pk) OR #expires < :now',
        ExpressionAttributeNames: { '#expires': TABLE_KEYS.ttlAttribute },
        ExpressionAttributeValues: { ':now': nowEpochSeconds },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return candidateId;
  } catch (error) {
    const old = conditionFailedItem(error);
    if (old === null) throw error;
    const first = old?.providerMessageId;
    if (typeof first !== 'string') throw error;
    return first;
  }
}
