import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ContentionError, NotFoundError } from '../errors.js';
import { type Identity, type IdentityRef, identityString } from '../schemas/index.js';
import { batchGetItems } from '../store/batch-get.js';
import type { Db } from '../store/db.js';
import { customerTombstoneKey, identityTombstoneKey } from '../store/keys.js';

/**
 * Erasure tombstones (docs/data-rights.md, "A message in flight"): after an erasure, each former identity
 * and customer id leaves a tombstone for ERASURE_TOMBSTONE_DAYS, holding a one-way hash (never the
 * identity), the erasure time and its expiry. While it lives:
 * - a message from that identity that was received before the erasure (an email SES stored but had not
 *   handed over yet, an SMS in Lambda's retries) is dropped instead of recorded (SenderErasedError);
 * - a queued request naming an erased customer is done, not retried into a dead-letter queue.
 * A message received after the erasure is a new contact: it creates a new customer, as a stranger's would.
 */

/** Longer than any message waits anywhere: SQS keeps messages at most 14 days, Lambda retries for 6 hours. */
export const ERASURE_TOMBSTONE_DAYS = 30;

/**
 * A message from an erased identity, received before the erasure: it is dropped, not recorded. A
 * synchronous channel answers 503 (busy): the sender's retry is a new contact, recorded as such.
 */
export class SenderErasedError extends ContentionError {
  override name = 'SenderErasedError';
}

/** The tombstone's hash of an identity: SHA-256 of `<kind>#<value>` in canonical form, hex. */
export function identityHash(identity: IdentityRef): string {
  return createHash('sha256').update(identityString(identity)).digest('hex');
}

/**
 * Throws SenderErasedError when one of the message's identities that no customer holds (the only ones an
 * erasure can have freed) was erased at or after `receivedAt`. Costs nothing when every identity is
 * known (the common case); otherwise one BatchGetItem.
 */
export async function refuseErasedSender(
  db: Db,
  identities: readonly IdentityRef[],
  stored: readonly Identity[],
  receivedAt: string,
): Promise<void> {
  const known = new Set(stored.map(identityString));
  const unknown = identities.filter((identity) => !known.has(identityString(identity)));
  if (unknown.length === 0) return;
  const tombstones = await batchGetItems(
    db,
    unknown.map((identity) => identityTombstoneKey(identityHash(identity))),
    false,
  );
  if (tombstones.some((item) => typeof item.erasedAt === 'string' && item.erasedAt >= receivedAt)) {
    throw new SenderErasedError('the sender was erased after this message was received');
  }
}

/** True while a tombstone says this customer id was erased. */
export async function isCustomerErased(db: Db, customerId: string): Promise<boolean> {
  const output = await db.doc.send(
    new GetCommand({ TableName: db.tableName, Key: customerTombstoneKey(customerId) }),
  );
  return output.Item !== undefined;
}

/**
 * Runs `work` for a queued request about `customerId`; when it fails because something is gone and the
 * customer was erased, the request is done (undefined) rather than retried into a dead-letter queue.
 */
export async function unlessErased<T>(
  db: Db,
  customerId: string,
  work: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof NotFoundError && (await isCustomerErased(db, customerId))) return undefined;
    throw error;
  }
}

/**
 * For the `.catch` of a channel's receive: undefined when the message was dropped because its sender
 * was erased after it was received (SenderErasedError), any other error thrown again.
 */
export function droppedIfErased(error: unknown): undefined {
  if (error instanceof SenderErasedError) return undefined;
  throw error;
}
