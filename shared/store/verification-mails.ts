import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from './db.js';
import { verificationMailKey } from './keys.js';
import { TABLE_KEYS } from './table-definition.js';
import { conditionFailedItem } from './write-errors.js';

/** How often one address may be sent a verification link. */
export const VERIFICATION_MAIL_INTERVAL_SECONDS = 60 * 60;

/**
 * Access pattern "may this address get a verification link now": one conditional put of a marker that
 * expires after the interval. True for the first request of the interval, and again for the same
 * request (`requestId`, e.g. the queue message id) retried after a failed send, so a retry is not lost.
 */
export async function reserveVerificationMail(
  db: Db,
  email: string,
  requestId: string,
  nowEpochSeconds: number,
): Promise<boolean> {
  try {
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: {
          ...verificationMailKey(email),
          [TABLE_KEYS.entityAttribute]: 'verification-mail',
          requestId,
          [TABLE_KEYS.ttlAttribute]: nowEpochSeconds + VERIFICATION_MAIL_INTERVAL_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR #expires < :now OR requestId = :request',
        ExpressionAttributeNames: { '#expires': TABLE_KEYS.ttlAttribute },
        ExpressionAttributeValues: { ':now': nowEpochSeconds, ':request': requestId },
      }),
    );
    return true;
  } catch (error) {
    if (conditionFailedItem(error) === null) throw error;
    return false;
  }
}
