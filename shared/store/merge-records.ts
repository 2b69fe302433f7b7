import type { MergeRecord } from '../schemas/merge-record.js';
import type { Db } from './db.js';
import { type Entity, mergeRecordKey } from './keys.js';
import { TABLE_KEYS } from './table-definition.js';

/**
 * The transaction item that files a merge record in the survivor's partition (access pattern "a
 * customer's merges"): written with the merge, so a merge exists exactly when its record does.
 */
export function mergeRecordPut(db: Db, record: MergeRecord) {
  return {
    Put: {
      TableName: db.tableName,
      Item: {
        ...mergeRecordKey(record.survivorId, record.at, record.mergeId),
        [TABLE_KEYS.entityAttribute]: 'merge-record' satisfies Entity,
        ...record,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
