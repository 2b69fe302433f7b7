import type { IdentityRef, TrustedIdentity } from '../schemas/index.js';
import type { Db } from './db.js';
import { customerKey, identityKey } from './keys.js';

/**
 * Transaction items that move identities between customers on proof. Ingest (a verified message) and
 * a clicked verification link build their transactions from these, so both change ownership the same way.
 */

/**
 * Gives a claimed identity to `toCustomerId`, verified: guarded by its current owner and its still being
 * a claim, so a concurrent proof or merge cancels the transaction. Points it at `conversationId` and
 * drops `claimSetSize` (the identity no longer describes a customer made of claims alone).
 */
export function proveClaimWrite(
  db: Db,
  identity: IdentityRef,
  fromCustomerId: string,
  toCustomerId: string,
  conversationId: string | undefined,
) {
  return {
    Update: {
      TableName: db.tableName,
      Key: identityKey(identity),
      UpdateExpression: conversationId
        ? 'SET customerId = :to, trust = :verified, conversationId = :conversation REMOVE claimSetSize'
        : 'SET customerId = :to, trust = :verified REMOVE claimSetSize, conversationId',
      ConditionExpression: 'customerId = :from AND trust = :claimed',
      ExpressionAttributeValues: {
        ':to': toCustomerId,
        ':from': fromCustomerId,
        ':verified': 'verified',
        ':claimed': 'claimed',
        ...(conversationId ? { ':conversation': conversationId } : {}),
      },
    },
  };
}

/** Replaces a profile's identity list, guarded by the version it was read at (and not merged away). */
export function profileIdentitiesWrite(
  db: Db,
  customerId: string,
  version: number,
  identities: readonly TrustedIdentity[],
  now: string,
) {
  return {
    Update: {
      TableName: db.tableName,
      Key: customerKey(customerId),
      UpdateExpression: 'SET #identities = :identities, #version = :next, updatedAt = :now',
      ConditionExpression: '#version = :version AND attribute_not_exists(mergedInto)',
      ExpressionAttributeNames: { '#identities': 'identities', '#version': 'version' },
      ExpressionAttributeValues: {
        ':identities': identities,
        ':version': version,
        ':next': version + 1,
        ':now': now,
      },
    },
  };
}
