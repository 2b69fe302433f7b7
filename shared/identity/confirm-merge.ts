import type { Clock } from '../clock.js';
import { ContentionError, ValidationError } from '../errors.js';
import { mergeCustomers } from '../ingest/merge-customers.js';
import { putAuditRecord } from '../store/audit.js';
import { getCustomer } from '../store/customers.js';
import type { Db } from '../store/db.js';

/** What a confirmed merge did. */
export interface MergeConfirmation {
  /** The customer everything now belongs to (the oldest of them). */
  readonly survivorId: string;
  /** Customers merged into the survivor by this request (empty when they were one already). */
  readonly mergedCustomerIds: readonly string[];
}

const MAX_ATTEMPTS = 6;

/**
 * A supervisor confirms that customers are one person (typically a "possible match" that a claimed
 * identity suggested): they are merged like a verified merge (the oldest survives, nothing is lost), and
 * since staff vouch for it every identity they hold becomes verified. Each id may be a merged-away one
 * (it is followed to its survivor); ids that are one customer already change nothing. Audited under the
 * survivor: who, when, which customers; no personal data.
 * NotFoundError (404) for an unknown id; ValidationError when fewer than two distinct ids are given.
 */
export async function confirmMerge(
  db: Db,
  customerIds: readonly string[],
  actor: string,
  clock: Clock,
): Promise<MergeConfirmation> {
  if (new Set(customerIds).size < 2) {
    throw new ValidationError('request failed validation', [
      { path: 'customerIds', message: 'name at least one other customer than the one in the path' },
    ]);
  }
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = [
      ...new Set(await Promise.all(customerIds.map(async (id) => (await getCustomer(db, id)).customerId))),
    ];
    if (current.length === 1 && current[0]) return { survivorId: current[0], mergedCustomerIds: [] };
    const merged = await mergeCustomers(db, current, clock, { vouched: true, rule: 'staff', by: actor });
    if (merged.length === 0) continue;
    const survivorId = current.find((id) => !merged.includes(id));
    if (!survivorId) break;
    const at = clock.now();
    await putAuditRecord(db, {
      auditId: clock.newId(),
      action: 'merge',
      actor,
      at,
      customerId: survivorId,
      customerIds: current,
    });
    return { survivorId, mergedCustomerIds: merged };
  }
  throw new ContentionError('the customers kept changing while merging them');
}
