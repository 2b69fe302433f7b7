import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from './db.js';
import type { Item } from './items.js';
import { conditionFailedItem } from './write-errors.js';

/**
 * Optimistic concurrency for items versioned by `updatedAt`: replaces `item` if nobody changed it since
 * it was read. False when someone did; the caller re-reads and decides again (or leaves it alone).
 */
export async function replaceIfUnchanged(db: Db, item: Item, readUpdatedAt: string): Promise<boolean> {
  try {
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: item,
        ConditionExpression: 'updatedAt = :read',
        ExpressionAttributeValues: { ':read': readUpdatedAt },
      }),
    );
    return true;
  } catch (error) {
    if (conditionFailedItem(error) === null) throw error;
    return false;
  }
}
