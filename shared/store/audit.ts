import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { IdSchema, IsoTimestampSchema } from '../schemas/index.js';
import type { Db } from './db.js';
import { auditKey } from './keys.js';
import { TABLE_KEYS } from './table-definition.js';

/**
 * A staff action on customers: who did what, when; ids and counts only, no personal data. `merge`
 * (confirmed merge), `split` (merged customers restored), `erase` (a customer's data erased) and `export`
 * (a customer's data handed out).
 */
export const AuditRecordSchema = z.strictObject({
  auditId: IdSchema,
  action: z.enum(['merge', 'split', 'erase', 'export']),
  /** The staff member (JWT subject). */
  actor: z.string().check(z.minLength(1), z.maxLength(200)),
  at: IsoTimestampSchema,
  /** The customer the record is filed under (the survivor of a merge). */
  customerId: IdSchema,
  /** The customers the action touched. */
  customerIds: z.array(IdSchema).check(z.maxLength(101)),
  /** What an erasure or export covered: how many items of each kind (and raw emails), never their content. */
  counts: z.optional(z.record(z.string().check(z.maxLength(40)), z.number().check(z.int(), z.nonnegative()))),
});
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

/** Files an audit record under its customer (access pattern "a customer's audit trail"). */
export async function putAuditRecord(db: Db, record: AuditRecord): Promise<void> {
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        ...auditKey(record.customerId, record.at, record.auditId),
        [TABLE_KEYS.entityAttribute]: 'audit',
        ...record,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

/** A customer's audit trail, oldest first (Query `pk = AUDIT#<customerId>`), at most 100 records. */
export async function listAuditRecords(db: Db, customerId: string): Promise<AuditRecord[]> {
  const { pk } = auditKey(customerId, '', '');
  const output = await db.doc.send(
    new QueryCommand({
      TableName: db.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      Limit: 100,
    }),
  );
  return (output.Items ?? []).map((item) =>
    AuditRecordSchema.parse({
      auditId: item.auditId,
      action: item.action,
      actor: item.actor,
      at: item.at,
      customerId: item.customerId,
      customerIds: item.customerIds,
      counts: item.counts,
    }),
  );
}
