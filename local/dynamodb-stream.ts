import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { compileFilterCriteria } from './event-pattern.js';
import { invokeHandler } from './lambda-context.js';

/**
 * The local stand-in for a Lambda event source mapping on a DynamoDB stream. It receives the emulator's
 * stream records (`DynamoEmulator.subscribeStream(source.push)`), drops those no filter matches (Lambda
 * event filtering), and invokes the function with batches of the rest, one invocation at a time, as
 * Lambda does for one shard: a record is never handed over before the records written before it.
 *
 * Partial batch responses (ReportBatchItemFailures): the function returns `batchItemFailures` naming
 * records by `itemIdentifier` (their SequenceNumber); the lowest one named is the checkpoint, and the batch
 * is retried from there. A throw, a timeout, or a response naming no record of the batch fails the whole
 * batch. After the last retry, the records still unprocessed go to `onFailure` (the mapping's on-failure
 * destination) and the source moves on.
 */

/** A stream consumer as the source calls it. */
export type DynamoStreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<unknown>;

/** A batch given up after its retries, as an on-failure destination learns of it. */
export interface StreamBatchFailure {
  /** The records not processed: from the last checkpoint to the end of the batch, in stream order. */
  readonly records: readonly DynamoDBRecord[];
  /** The last attempt's error, or a `PartialBatchFailureError` when it reported failed records. */
  readonly error: unknown;
  readonly attempts: number;
  /** The last attempt's request id. */
  readonly requestId: string;
}

export interface DynamoStreamSourceOptions {
  /** Names the function in messages. */
  readonly functionName: string;
  readonly handler: DynamoStreamHandler;
  /** A fresh Lambda context per invocation. */
  readonly createContext: () => Context;
  /** Largest batch per invocation; Lambda's default for DynamoDB streams, 100, when omitted. */
  readonly batchSize?: number;
  /** How long records gather before a batch smaller than `batchSize` is sent; 100 ms by default. */
  readonly maxBatchingWindowMs?: number;
  /**
   * Lambda event filtering: `FilterCriteria` filters, each as CDK's `FilterCriteria.filter({...})` makes
   * it (`{ pattern: '<json>' }`), as the Lambda API spells it (`{ Pattern: '<json>' }`), or the pattern
   * object itself; a record passes when any filter matches. Every record passes when there are none.
   * An invalid pattern throws at start, as CreateEventSourceMapping refuses it.
   */
  readonly filters?: readonly unknown[];
  /** Retries of a failed batch before it is given up; 2 by default (Lambda's default is until expiry). */
  readonly maxRetryAttempts?: number;
  /** Wait before each retry; 200 ms by default. */
  readonly retryDelayMs?: number;
  /** The on-failure destination: receives each batch given up. By default it is reported to `onError`. */
  readonly onFailure?: (failure: StreamBatchFailure) => void | Promise<void>;
  /** Where failed attempts and dropped records are reported; console.error by default. */
  readonly onError?: (message: string, error: unknown) => void;
}

/** A running event source mapping. */
export interface DynamoStreamSource {
  /** Hands one stream record over; pass it to the emulator as the stream listener. */
  readonly push: (record: DynamoDBRecord) => void;
  /** Resolves once every record handed over so far is processed or given up. */
  idle(): Promise<void>;
  /** Refuses new records, processes (drains) those buffered, with their retries, then resolves. */
  stop(): Promise<void>;
}

/** The function reported failed records of a batch (a partial batch response). */
export class PartialBatchFailureError extends Error {
  override readonly name = 'PartialBatchFailureError';
}

const DEFAULT_BATCH_SIZE = 100;
const MAX_BATCH_SIZE = 10_000;
const DEFAULT_BATCHING_WINDOW_MS = 100;
const DEFAULT_MAX_RETRY_ATTEMPTS = 2;
const DEFAULT_RETRY_DELAY_MS = 200;

/** Starts the event source mapping; records flow once `push` is subscribed to the emulator's stream. */
export function startDynamoStreamSource(options: DynamoStreamSourceOptions): DynamoStreamSource {
  const matches = compileFilterCriteria(options.filters);
  const onError = options.onError ?? ((message: string, error: unknown) => console.error(message, error));
  const batchSize = Math.min(
    Math.max(Math.trunc(options.batchSize ?? DEFAULT_BATCH_SIZE), 1),
    MAX_BATCH_SIZE,
  );
  const windowMs = Math.max(options.maxBatchingWindowMs ?? DEFAULT_BATCHING_WINDOW_MS, 0);
  const maxRetryAttempts = Math.max(options.maxRetryAttempts ?? DEFAULT_MAX_RETRY_ATTEMPTS, 0);
  const retryDelayMs = Math.max(options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS, 0);
  const onFailure =
    options.onFailure ??
    ((failure: StreamBatchFailure) =>
      onError(
        `[dynamodb-stream] ${options.functionName}: ${failure.records.length} records given up after ${failure.attempts} attempts`,
        failure.error,
      ));

  const buffer: DynamoDBRecord[] = [];
  let stopping = false;
  let busy = false;
  const wakers = new Set<() => void>();
  /** Wakes whoever waits for a change: new records, stopping, the loop going idle. */
  const wake = () => {
    for (const waker of [...wakers]) waker();
  };
  /** Resolves at the next `wake`, or after `ms` when given. */
  const changed = (ms?: number) =>
    new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      wakers.add(done);
      function done() {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      }
    });

  const processBatch = async (batch: DynamoDBRecord[]): Promise<void> => {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      const context = options.createContext();
      let error: unknown;
      let checkpoint: number | undefined;
      try {
        // Each attempt gets its own copy, as each Lambda invocation gets its own JSON.
        const result = await invokeHandler(options.handler, { Records: structuredClone(pending) }, context);
        checkpoint = checkpointOf(pending, result);
        if (checkpoint !== undefined) {
          error = new PartialBatchFailureError(
            `${options.functionName} reported failed records from sequence number ${pending[checkpoint]?.dynamodb?.SequenceNumber}`,
          );
        }
      } catch (thrown) {
        checkpoint = 0;
        error = thrown;
      }
      if (checkpoint === undefined) return;
      pending = pending.slice(checkpoint);
      if (attempt > maxRetryAttempts) {
        try {
          await onFailure({ records: pending, error, attempts: attempt, requestId: context.awsRequestId });
        } catch (destinationError) {
          onError(
            `[dynamodb-stream] ${options.functionName}: the on-failure destination failed`,
            destinationError,
          );
        }
        return;
      }
      onError(
        `[dynamodb-stream] ${options.functionName} failed (attempt ${attempt}); retrying ${pending.length} records`,
        error,
      );
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
    }
  };

  const loop = (async () => {
    for (;;) {
      if (buffer.length === 0) {
        if (stopping) return;
        await changed();
        continue;
      }
      const deadline = Date.now() + windowMs;
      while (!stopping && buffer.length < batchSize && Date.now() < deadline) {
        await changed(deadline - Date.now());
      }
      busy = true;
      try {
        await processBatch(buffer.splice(0, batchSize));
      } catch (error) {
        onError(`[dynamodb-stream] ${options.functionName}: a batch could not be processed`, error);
      } finally {
        busy = false;
        wake();
      }
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    push: (record) => {
      if (stopping) {
        onError(`[dynamodb-stream] ${options.functionName} is stopped; a record is dropped`, undefined);
        return;
      }
      if (!matches(record)) return;
      buffer.push(record);
      wake();
    },
    idle: async () => {
      while (buffer.length > 0 || busy) await changed();
    },
    stop: () => {
      stopping = true;
      wake();
      stopped ??= loop;
      return stopped;
    },
  };
}

/**
 * Where a batch must be retried from, by Lambda's rules for partial batch responses on streams: undefined
 * when it all succeeded (nothing returned, no or an empty/null `batchItemFailures`); 0 (the whole batch)
 * when `batchItemFailures` is not a list or an entry's `itemIdentifier` is missing, empty or not a
 * sequence number of the batch; otherwise the position of the lowest sequence number named.
 */
export function checkpointOf(records: readonly DynamoDBRecord[], result: unknown): number | undefined {
  if (result === null || typeof result !== 'object' || !('batchItemFailures' in result)) return undefined;
  const failures = result.batchItemFailures;
  if (failures === null || failures === undefined) return undefined;
  if (!Array.isArray(failures)) return 0;
  if (failures.length === 0) return undefined;
  const positions = new Map(records.map((record, index) => [record.dynamodb?.SequenceNumber, index]));
  let checkpoint = records.length;
  for (const failure of failures) {
    const identifier: unknown =
      typeof failure === 'object' && failure !== null && 'itemIdentifier' in failure
        ? failure.itemIdentifier
        : undefined;
    const position =
      typeof identifier === 'string' && identifier !== '' ? positions.get(identifier) : undefined;
    if (position === undefined) return 0;
    checkpoint = Math.min(checkpoint, position);
  }
  return checkpoint;
}

/**
 * The invocation record Lambda sends to a stream mapping's on-failure destination (an SQS queue or SNS
 * topic): the batch's place in the stream (`DDBStreamBatchInfo`), not its records.
 */
export function streamFailureRecord(
  failure: StreamBatchFailure,
  source: { readonly functionArn: string; readonly shardId?: string },
): unknown {
  const first = failure.records[0];
  const last = failure.records.at(-1);
  const arrival = (record: DynamoDBRecord | undefined) =>
    new Date((record?.dynamodb?.ApproximateCreationDateTime ?? Date.now() / 1000) * 1000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  return {
    requestContext: {
      requestId: failure.requestId,
      functionArn: source.functionArn,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: failure.attempts,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(failure.error instanceof PartialBatchFailureError ? {} : { functionError: 'Unhandled' }),
    },
    version: '1.0',
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId: source.shardId ?? 'shardId-00000000000000000000-00000000',
      startSequenceNumber: first?.dynamodb?.SequenceNumber,
      endSequenceNumber: last?.dynamodb?.SequenceNumber,
      approximateArrivalOfFirstRecord: arrival(first),
      approximateArrivalOfLastRecord: arrival(last),
      batchSize: failure.records.length,
      streamArn: first?.eventSourceARN,
    },
  };
}
