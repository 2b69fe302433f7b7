import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import { invokeHandler } from './lambda-context.js';

/**
 * The local stand-in for a Lambda SQS event source mapping: long-polls a queue, invokes the consumer
 * with a real SQS event, and deletes what the consumer reports done, following the partial batch
 * response contract (ReportBatchItemFailures). A record the consumer fails stays on the queue, is
 * received again after the visibility timeout, and the queue's redrive policy moves it to the
 * dead-letter queue after maxReceiveCount receives; the other records are deleted and never wait on it.
 */

/** A queue consumer as the poller calls it. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<unknown>;

export interface SqsPollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  /** Largest batch per invocation (SQS delivers at most 10 per receive). */
  readonly batchSize: number;
  readonly handler: SqsHandler;
  /** A fresh Lambda context per invocation. */
  readonly createContext: () => Context;
  /** Long-poll wait; at most 2 s (the default) so that stopping is quick even without an abort. */
  readonly waitTimeSeconds?: number;
  /** Where failures are reported (a throwing consumer, an unreachable queue); console.error by default. */
  readonly onError?: (message: string, error: unknown) => void;
  /**
   * Fault injection (`sqs.duplicate`): true for a received message that is also delivered a second time,
   * in a batch of its own to a concurrent invocation, as SQS's at-least-once delivery does when a
   * message is received by two pollers. Never by default.
   */
  readonly duplicate?: () => boolean;
}

/** A running poller. */
export interface SqsPoller {
  /** Ends the current long poll, lets a batch in progress finish, and resolves when the loop ended. */
  stop(): Promise<void>;
}

const MAX_WAIT_SECONDS = 2;
const RETRY_DELAY_MS = 1_000;

/** Starts polling `queueUrl` until stopped. */
export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  const abort = new AbortController();
  const onError = options.onError ?? ((message: string, error: unknown) => console.error(message, error));
  const waitTimeSeconds = Math.min(options.waitTimeSeconds ?? MAX_WAIT_SECONDS, MAX_WAIT_SECONDS);
  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        await pollOnce(options, waitTimeSeconds, abort.signal, onError);
      } catch (error) {
        if (abort.signal.aborted) break;
        onError(`[sqs-poller] polling ${options.queueUrl} failed; retrying`, error);
        await delay(RETRY_DELAY_MS, abort.signal);
      }
    }
  })();
  let stopped: Promise<void> | undefined;
  return {
    stop: () => {
      abort.abort();
      stopped ??= loop;
      return stopped;
    },
  };
}

async function pollOnce(
  options: SqsPollerOptions,
  waitTimeSeconds: number,
  signal: AbortSignal,
  onError: (message: string, error: unknown) => void,
): Promise<void> {
  const { Messages: messages = [] } = await options.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: options.queueUrl,
      MaxNumberOfMessages: Math.min(Math.max(options.batchSize, 1), 10),
      WaitTimeSeconds: waitTimeSeconds,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
    { abortSignal: signal },
  );
  if (messages.length === 0) return;
  const event = toSqsEvent(messages, { queueArn: options.queueArn, region: options.region });
  const duplicates = options.duplicate ? event.Records.filter(() => options.duplicate?.()) : [];
  // The second delivery's outcome decides nothing: the first delivery's receipt is the one deleted.
  const secondDelivery =
    duplicates.length === 0
      ? Promise.resolve()
      : invokeHandler(options.handler, { Records: duplicates }, options.createContext()).then(
          () => undefined,
          (error: unknown) =>
            onError(`[sqs-poller] consumer of ${options.queueArn} failed a duplicate delivery`, error),
        );
  let result: unknown;
  try {
    result = await invokeHandler(options.handler, event, options.createContext());
  } catch (error) {
    // Lambda keeps the whole batch when the function fails or times out: every record is retried.
    onError(`[sqs-poller] consumer of ${options.queueArn} failed; the batch stays on the queue`, error);
    await secondDelivery;
    return;
  }
  await secondDelivery;
  const done = recordsToDelete(event, result);
  if (done.length === 0) return;
  // Not tied to the abort signal: a batch the consumer finished is deleted even while stopping.
  const { Failed: failed = [] } = await options.sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: options.queueUrl,
      Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
    }),
  );
  if (failed.length > 0) onError(`[sqs-poller] ${failed.length} processed records were not deleted`, failed);
}

/** The event Lambda's SQS event source sends for a batch of received messages. */
export function toSqsEvent(
  messages: readonly Message[],
  source: { readonly queueArn: string; readonly region: string },
): SQSEvent {
  return {
    Records: messages.map((message): SQSRecord => {
      const attributes = message.Attributes ?? {};
      const sentTimestamp = attributes.SentTimestamp ?? String(Date.now());
      const recordAttributes: SQSRecordAttributes = {
        ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
        SentTimestamp: sentTimestamp,
        SenderId: attributes.SenderId ?? '000000000000',
        ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? sentTimestamp,
      };
      for (const name of OPTIONAL_ATTRIBUTES) {
        const value = attributes[name];
        if (value !== undefined) recordAttributes[name] = value;
      }
      return {
        messageId: message.MessageId ?? '',
        receiptHandle: message.ReceiptHandle ?? '',
        body: message.Body ?? '',
        attributes: recordAttributes,
        messageAttributes: toRecordAttributes(message.MessageAttributes ?? {}),
        md5OfBody: message.MD5OfBody ?? '',
        ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
        eventSource: 'aws:sqs',
        eventSourceARN: source.queueArn,
        awsRegion: source.region,
      };
    }),
  };
}

/** System attributes Lambda passes on only when the message has them (FIFO, tracing, redrive). */
const OPTIONAL_ATTRIBUTES = [
  'AWSTraceHeader',
  'SequenceNumber',
  'MessageGroupId',
  'MessageDeduplicationId',
  'DeadLetterQueueSourceArn',
] as const;

/** Message attributes in the Lambda event's camel-case shape, binary values base64-encoded. */
function toRecordAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  const converted: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    converted[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((binary) =>
        Buffer.from(binary).toString('base64'),
      ),
      dataType: value.DataType ?? 'String',
    };
  }
  return converted;
}

/**
 * The records of `event` to delete after the consumer returned `result`, by Lambda's rules for partial
 * batch responses. Complete success (delete all): nothing returned, no or an empty/null
 * `batchItemFailures`. Complete failure (delete none): `batchItemFailures` that is not a list, or an
 * entry whose `itemIdentifier` is missing, empty or not a message id of the batch. Otherwise every
 * record not listed is deleted.
 */
export function recordsToDelete(event: SQSEvent, result: unknown): SQSRecord[] {
  if (result === null || typeof result !== 'object' || !('batchItemFailures' in result)) return event.Records;
  const failures = result.batchItemFailures;
  if (failures === null || failures === undefined) return event.Records;
  if (!Array.isArray(failures)) return [];
  const messageIds = new Set(event.Records.map((record) => record.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const identifier: unknown =
      typeof failure === 'object' && failure !== null && 'itemIdentifier' in failure
        ? failure.itemIdentifier
        : undefined;
    if (typeof identifier !== 'string' || identifier === '' || !messageIds.has(identifier)) return [];
    failed.add(identifier);
  }
  return event.Records.filter((record) => !failed.has(record.messageId));
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
