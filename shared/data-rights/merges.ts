import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { IdSchema, TrustedIdentitySchema } from '../schemas/index.js';
import { type MergeRecord, MergeRecordSchema } from '../schemas/merge-record.js';
import { getCustomer } from '../store/customers.js';
import type { Db } from '../store/db.js';
import { customerKey, MERGE_RECORD_PREFIX } from '../store/keys.js';
import { getCustomerProfiles } from '../store/recent-interactions.js';

/** `GET /v1/customers/{id}/merges`: how the customer was made of others. */
export const MergeHistorySchema = z.strictObject({
  /** The customer as it stands (a merged-away id gives its survivor). */
  customerId: IdSchema,
  /** Every recorded merge into it or into a customer merged into it, oldest first, with its splits. */
  merges: z.array(MergeRecordSchema),
  /**
   * Customers merged in before merges were recorded: what their profile kept (the identities they held
   * when merged, and whom they were merged into). A split restores them all the same.
   */
  unrecorded: z.array(
    z.strictObject({
      customerId: IdSchema,
      mergedInto: IdSchema,
      identities: z.array(TrustedIdentitySchema),
    }),
  ),
});
export type MergeHistory = z.infer<typeof MergeHistorySchema>;

/**
 * Access pattern "a customer's merges": Query `pk = CUSTOMER#<id>`, `begins_with(sk, 'MERGE#')` for the
 * customer and each customer merged into it (a merge record lives with its survivor), oldest first.
 */
export async function listMergeRecords(db: Db, customerIds: readonly string[]): Promise<MergeRecord[]> {
  const pages = await Promise.all(
    customerIds.map((customerId) =>
      db.doc.send(
        new QueryCommand({
          TableName: db.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :merges)',
          ExpressionAttributeValues: { ':pk': customerKey(customerId).pk, ':merges': MERGE_RECORD_PREFIX },
          ConsistentRead: true,
        }),
      ),
    ),
  );
  const fields = Object.keys(MergeRecordSchema.shape);
  return pages
    .flatMap((page) => page.Items ?? [])
    .map((item) =>
      MergeRecordSchema.parse(Object.fromEntries(fields.flatMap((f) => (f in item ? [[f, item[f]]] : [])))),
    )
    .sort((a, b) => a.at.localeCompare(b.at) || a.mergeId.localeCompare(b.mergeId));
}

/** The merges that made a customer (NotFoundError, 404, for an unknown id). */
export async function listMerges(db: Db, customerId: string): Promise<MergeHistory> {
  const root = await getCustomer(db, customerId);
  const merges = await listMergeRecords(db, [root.customerId, ...root.mergedFrom]);
  const recorded = new Set(merges.flatMap((merge) => merge.mergedCustomerIds));
  const missing = root.mergedFrom.filter((id) => !recorded.has(id));
  const profiles = missing.length > 0 ? await getCustomerProfiles(db, missing) : new Map();
  return {
    customerId: root.customerId,
    merges,
    unrecorded: missing.flatMap((id) => {
      const profile = profiles.get(id);
      return profile?.mergedInto
        ? [{ customerId: id, mergedInto: profile.mergedInto, identities: profile.identities }]
        : [];
    }),
  };
}
