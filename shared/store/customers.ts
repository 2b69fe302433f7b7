import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../errors.js';
import type { Customer, IdentityRef } from '../schemas/index.js';
import { batchGetItems } from './batch-get.js';
import type { Db } from './db.js';
import { getIdentities } from './identities.js';
import { customerFromItem } from './items.js';
import { customerKey } from './keys.js';

/** A customer profile with the optimistic-concurrency version it was read at. */
export interface VersionedCustomer {
  readonly customer: Customer;
  readonly version: number;
}

const MAX_MERGE_HOPS = 10;

/**
 * Access pattern "customer by id". A customer merged into another resolves to the survivor, so an
 * old id keeps working. Throws NotFoundError for an unknown id.
 */
export async function getCustomer(db: Db, customerId: string): Promise<Customer> {
  let id = customerId;
  for (let hop = 0; hop < MAX_MERGE_HOPS; hop++) {
    const found = await getCustomerVersion(db, id, false);
    if (!found) break;
    if (!found.customer.mergedInto) return found.customer;
    id = found.customer.mergedInto;
  }
  throw new NotFoundError('customer not found');
}

/** The stored profile exactly as it is (no merge following), or undefined. */
export async function getCustomerVersion(
  db: Db,
  customerId: string,
  consistent: boolean,
): Promise<VersionedCustomer | undefined> {
  const output = await db.doc.send(
    new GetCommand({ TableName: db.tableName, Key: customerKey(customerId), ConsistentRead: consistent }),
  );
  return output.Item ? customerFromItem(output.Item) : undefined;
}

/** Several stored profiles in one consistent read, keyed by id. */
export async function getCustomerVersions(
  db: Db,
  customerIds: readonly string[],
): Promise<Map<string, VersionedCustomer>> {
  const items = await batchGetItems(db, customerIds.map(customerKey), true);
  const profiles = new Map<string, VersionedCustomer>();
  for (const item of items) {
    const found = customerFromItem(item);
    profiles.set(found.customer.customerId, found);
  }
  return profiles;
}

/** Access pattern "customer by identity" (email or phone in canonical form). */
export async function findCustomerByIdentity(db: Db, identity: IdentityRef): Promise<Customer> {
  const [owned] = await getIdentities(db, [identity], false);
  if (!owned) throw new NotFoundError('customer not found');
  return getCustomer(db, owned.customerId);
}
