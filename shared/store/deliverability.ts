import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Identity, IdentityRef } from '../schemas/index.js';
import type { Db } from './db.js';
import { identityKey } from './keys.js';
import { conditionFailedItem } from './write-errors.js';

export type UndeliverableReason = NonNullable<Identity['undeliverable']>['reason'];

/**
 * Marks a known identity as unable to receive messages (a permanent bounce, a complaint, a carrier
 * block), so replies and campaigns to it are refused (shared/outbound/choose-recipient.ts). An identity
 * we never stored is left alone: false. Marking again keeps the latest reason.
 */
export async function markUndeliverable(
  db: Db,
  identity: IdentityRef,
  reason: UndeliverableReason,
  at: string,
): Promise<boolean> {
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: identityKey(identity),
        UpdateExpression: 'SET undeliverable = :undeliverable',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':undeliverable': { reason, at } },
      }),
    );
    return true;
  } catch (error) {
    if (conditionFailedItem(error) === null) throw error;
    return false;
  }
}
