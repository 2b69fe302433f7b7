import type { Identity, IdentityRef } from '../schemas/index.js';
import { batchGetItems } from './batch-get.js';
import type { Db } from './db.js';
import { identityFromItem } from './items.js';
import { identityKey } from './keys.js';

/**
 * Access pattern "customer by any identity": the stored identities among `refs` (unknown ones are
 * absent from the result), in one BatchGetItem. `consistent` after a lost race, so a just-created
 * identity is seen.
 */
export async function getIdentities(
  db: Db,
  refs: readonly IdentityRef[],
  consistent: boolean,
): Promise<Identity[]> {
  const items = await batchGetItems(db, refs.map(identityKey), consistent);
  return items.map(identityFromItem);
}
