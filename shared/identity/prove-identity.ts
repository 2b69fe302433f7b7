import type { Clock } from '../clock.js';
import { ContentionError } from '../errors.js';
import { mergeCustomers } from '../ingest/merge-customers.js';
import { type IdentityRef, identityString, type TrustedIdentity } from '../schemas/index.js';
import { getCustomer, getCustomerVersions } from '../store/customers.js';
import type { Db } from '../store/db.js';
import { getIdentities } from '../store/identities.js';
import { profileIdentitiesWrite, proveClaimWrite } from '../store/identity-writes.js';
import { identityItem } from '../store/items.js';
import { transactWrite } from '../store/transact-write.js';
import { cancelledTransaction } from '../store/write-errors.js';

/** What proving an identity did. */
export interface ProofResult {
  /**
   * `verified`: the identity now belongs to the customer, verified; `already-verified`: it did before;
   * `merged`: a customer that had proven it before is the same person, and the two were merged.
   */
  readonly outcome: 'verified' | 'already-verified' | 'merged';
  /** The customer holding the identity now (the survivor after a merge). */
  readonly customerId: string;
}

const MAX_ATTEMPTS = 6;

/**
 * Records that `customerId` proved `identity` (a verification link was clicked): from then on it is
 * verified for that customer, exactly as if a channel had vouched for it.
 * - nobody holds it: the customer gains it, verified;
 * - the customer claimed it: the claim becomes verified;
 * - someone else merely claimed it: the proof takes it over (that customer keeps its history);
 * - someone else proved it already: the two are one person and merge (the automatic, verified merge).
 * Race-safe like ingest: every write is conditional, a lost race re-reads and tries again.
 */
export async function proveIdentity(
  db: Db,
  customerId: string,
  identity: IdentityRef,
  clock: Clock,
): Promise<ProofResult> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const survivorId = (await getCustomer(db, customerId)).customerId;
    const [item] = await getIdentities(db, [identity], true);
    if (item?.customerId === survivorId && item.trust === 'verified') {
      return { outcome: 'already-verified', customerId: survivorId };
    }
    if (item?.trust === 'verified') {
      const merged = await mergeCustomers(db, [survivorId, item.customerId], clock, {
        rule: 'verification-link',
      });
      if (merged.length === 0) continue;
      const survivor = merged.includes(survivorId) ? item.customerId : survivorId;
      return { outcome: 'merged', customerId: survivor };
    }
    if (await writeProof(db, survivorId, identity, item?.customerId, clock)) {
      return { outcome: 'verified', customerId: survivorId };
    }
  }
  throw new ContentionError('the identity kept changing while recording its proof');
}

/** One transaction: the identity item, the prover's profile and, if it held the claim, the previous owner's. */
async function writeProof(
  db: Db,
  customerId: string,
  identity: IdentityRef,
  claimedBy: string | undefined,
  clock: Clock,
): Promise<boolean> {
  const owners = await getCustomerVersions(db, [...new Set([customerId, ...(claimedBy ? [claimedBy] : [])])]);
  const prover = owners.get(customerId);
  const previous = claimedBy !== undefined && claimedBy !== customerId ? owners.get(claimedBy) : undefined;
  if (
    !prover ||
    prover.customer.mergedInto ||
    (claimedBy !== undefined && claimedBy !== customerId && !previous)
  ) {
    return false;
  }
  const now = clock.now();
  const key = identityString(identity);
  const proven: TrustedIdentity = { kind: identity.kind, value: identity.value, trust: 'verified' };
  const identities = [...prover.customer.identities.filter((held) => identityString(held) !== key), proven];
  const pointTo = prover.customer.openConversationId;
  const identityWrite =
    claimedBy === undefined
      ? {
          Put: {
            TableName: db.tableName,
            Item: identityItem({
              ...proven,
              customerId,
              ...(pointTo ? { conversationId: pointTo } : {}),
              createdAt: now,
            }),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        }
      : proveClaimWrite(db, identity, claimedBy, customerId, pointTo);
  try {
    await transactWrite(db, [
      profileIdentitiesWrite(db, customerId, prover.version, identities, now),
      identityWrite,
      ...(previous
        ? [
            profileIdentitiesWrite(
              db,
              previous.customer.customerId,
              previous.version,
              previous.customer.identities.filter((held) => identityString(held) !== key),
              now,
            ),
          ]
        : []),
    ]);
    return true;
  } catch (error) {
    if (cancelledTransaction(error) === null) throw error;
    return false;
  }
}
