import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { invokeHandler } from './lambda-context.js';

/**
 * The local stand-in for Lambda's asynchronous invocation (invocation type `Event`), as SES receipt
 * rules and SNS subscriptions use it: the caller hands the event over and goes on; the function runs
 * soon after, and when it throws (or times out) it is retried twice, then the event goes to the
 * function's on-failure destination (the CDK app's failure queue). AWS waits about 1 and 2 minutes
 * between attempts; locally it is seconds.
 */

/** A Lambda handler invoked asynchronously. */
export type AsyncHandler = (event: unknown, context: Context) => Promise<unknown>;

/** Why an event was given up: the last attempt's request id and error, and how many attempts ran. */
export interface AsyncFailure {
  readonly requestId: string;
  readonly error: unknown;
  readonly attempts: number;
}

export interface AsyncInvokerOptions {
  readonly functionName: string;
  readonly handler: AsyncHandler;
  /** A fresh Lambda context per attempt. */
  readonly createContext: () => Context;
  /** Waits before the retries; Lambda retries twice. Default 1 s, then 2 s. */
  readonly retryDelaysMs?: readonly number[];
  /** Receives an event whose every attempt failed (the function's on-failure destination). */
  readonly onFailure: (event: unknown, failure: AsyncFailure) => Promise<void>;
  /** Where failed attempts are reported; console.error by default. */
  readonly onError?: (message: string, error: unknown) => void;
}

/** Invokes one function asynchronously. */
export interface AsyncInvoker {
  /** Queues one invocation and returns at once, like Lambda answering 202 to an `Event` invocation. */
  invoke(event: unknown): void;
  /** Resolves once no invocation is queued, running or waiting for a retry. */
  idle(): Promise<void>;
  /** Cancels pending retries (reported as dropped) and waits for running attempts; safe to call twice. */
  stop(): Promise<void>;
}

const DEFAULT_RETRY_DELAYS_MS = [1_000, 2_000];

/** Creates the asynchronous invoker of one function. */
export function createAsyncInvoker(options: AsyncInvokerOptions): AsyncInvoker {
  const onError = options.onError ?? ((message: string, error: unknown) => console.error(message, error));
  const retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const abort = new AbortController();
  const running = new Set<Promise<void>>();

  const run = async (event: unknown): Promise<void> => {
    // Asynchronous: never in the caller's turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    let failure: AsyncFailure | undefined;
    for (let attempt = 0; attempt <= retryDelaysMs.length; attempt++) {
      if (attempt > 0 && !(await delay(retryDelaysMs[attempt - 1] ?? 0, abort.signal))) {
        onError(
          `[async] ${options.functionName}: stopped before retry ${attempt}; the event is dropped`,
          failure?.error,
        );
        return;
      }
      const context = options.createContext();
      try {
        await invokeHandler(options.handler, event, context);
        return;
      } catch (error) {
        failure = { requestId: context.awsRequestId, error, attempts: attempt + 1 };
        const next =
          attempt < retryDelaysMs.length ? 'retrying' : 'sending the event to its failure destination';
        onError(`[async] ${options.functionName} failed (attempt ${attempt + 1}); ${next}`, error);
      }
    }
    if (!failure) return;
    try {
      await options.onFailure(event, failure);
    } catch (error) {
      onError(`[async] ${options.functionName}: the failure destination failed; the event is lost`, error);
    }
  };

  let stopped: Promise<void> | undefined;
  return {
    invoke: (event) => {
      if (abort.signal.aborted) {
        onError(`[async] ${options.functionName} is stopped; the event is dropped`, undefined);
        return;
      }
      const invocation = run(event);
      running.add(invocation);
      void invocation.finally(() => running.delete(invocation));
    },
    idle: async () => {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    stop: () => {
      abort.abort();
      stopped ??= (async () => {
        while (running.size > 0) await Promise.allSettled([...running]);
      })();
      return stopped;
    },
  };
}

/** Waits `ms`; false when aborted first. */
function delay(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
    function onAbort() {
      finish(false);
    }
    function finish(elapsed: boolean) {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(elapsed);
    }
  });
}

/**
 * An on-failure destination on an SQS queue: Lambda's invocation record (the event as `requestPayload`,
 * the error as `responsePayload`, condition `RetriesExhausted`), as the deployed failure queues get it.
 */
export function sqsFailureDestination(
  sqs: SQSClient,
  queueUrl: string,
  functionArn: string,
): AsyncInvokerOptions['onFailure'] {
  return async (event, failure) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(invocationRecord(event, failure, functionArn)),
      }),
    );
  };
}

/** The record Lambda sends to a destination for an event whose retries are exhausted. */
export function invocationRecord(event: unknown, failure: AsyncFailure, functionArn: string): unknown {
  const { error } = failure;
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: failure.requestId,
      functionArn: `${functionArn}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: failure.attempts,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload:
      error instanceof Error
        ? {
            errorType: error.name,
            errorMessage: error.message,
            trace: (error.stack ?? '').split('\n'),
          }
        : { errorType: 'Error', errorMessage: String(error), trace: [] },
  };
}
