import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from './db.js';
import { cancelledTransaction } from './write-errors.js';

/** The items of one TransactWriteItems request. */
export type TransactItems = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>;

/** How often a transaction cancelled for conflicts alone is sent again, and how long it waits. */
export interface ConflictRetry {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** The ceiling of the first wait; each further wait doubles it, up to `capMs`. */
  readonly baseMs: number;
  readonly capMs: number;
  /** [0, 1); Math.random by default. */
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Eight attempts waiting up to 25, 50, …, 800 ms: under a second and a half on average in all. */
export const CONFLICT_RETRY: ConflictRetry = { attempts: 8, baseMs: 25, capMs: 800 };

/**
 * Sends one transaction. DynamoDB cancels a transaction with `TransactionConflict` when another
 * transaction or write holds one of its items; nothing was written and no condition was found false, so
 * the very same transaction is sent again after an exponential backoff with full jitter (the SDK's retry
 * strategy does not cover a cancellation). A cancellation for a failed condition, or for conflicts past
 * the last attempt, is thrown as it came: the caller re-reads and decides.
 */
export async function transactWrite(
  db: Db,
  items: TransactItems,
  retry: ConflictRetry = CONFLICT_RETRY,
): Promise<void> {
  const random = retry.random ?? Math.random;
  const sleep = retry.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      await db.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (error) {
      const cancelled = cancelledTransaction(error);
      const conflictOnly = cancelled?.conflict === true && cancelled.failed.length === 0;
      if (!conflictOnly || attempt >= retry.attempts) throw error;
      await sleep(fullJitterDelay(attempt, retry, random));
    }
  }
}

/** The wait before retry `attempt` (1 for the first retry): uniform in [0, min(cap, base · 2^(attempt-1))). */
export function fullJitterDelay(
  attempt: number,
  retry: Pick<ConflictRetry, 'baseMs' | 'capMs'>,
  random: () => number,
): number {
  const ceiling = Math.min(retry.capMs, retry.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
