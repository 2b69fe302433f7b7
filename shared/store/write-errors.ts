import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Item } from './items.js';

/**
 * The item that made a conditional write fail, when the write asked for it with
 * ReturnValuesOnConditionCheckFailure ALL_OLD; `null` if the write failed for another reason.
 */
export function conditionFailedItem(error: unknown): Item | undefined | null {
  if (!(error instanceof ConditionalCheckFailedException)) return null;
  return error.Item ? unmarshall(error.Item) : undefined;
}

/** Why a transaction was cancelled: per item, whether its condition failed and the old item if returned. */
export interface CancelledTransaction {
  readonly failed: readonly { index: number; item: Item | undefined }[];
  /** Cancelled for a conflict with another transaction, not a condition: retry. */
  readonly conflict: boolean;
}

/** Reads a TransactionCanceledException; `null` for any other error. */
export function cancelledTransaction(error: unknown): CancelledTransaction | null {
  if (!(error instanceof TransactionCanceledException)) return null;
  const reasons = error.CancellationReasons ?? [];
  const failed = reasons.flatMap((reason, index) =>
    reason.Code === 'ConditionalCheckFailed'
      ? [{ index, item: reason.Item ? unmarshall(reason.Item) : undefined }]
      : [],
  );
  const conflict = reasons.some((reason) => reason.Code === 'TransactionConflict');
  return { failed, conflict };
}
