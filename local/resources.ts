import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type FunctionDefinition, QUEUES, type QueueName, type TopicName } from '../functions/manifest.js';
import { createDeadLetterQueue, createQueueWithDlq, type LocalQueue, type QueueWithDlq } from './queues.js';
import { createTopic, type QueueSubscription, subscribeQueue } from './sns-topics.js';

/**
 * The resources the CDK app creates for the manifest's functions, made in the emulators: every queue
 * with its dead-letter queue, a failure queue per asynchronously invoked function, the SNS topics with
 * a subscription queue per subscribed function, and the inbound-mail bucket. Idempotent.
 */

/** The local world's resources, by logical name. */
export interface LocalResources {
  readonly queues: ReadonlyMap<QueueName, QueueWithDlq>;
  /** By function name: the on-failure destination of each `mail` and `topic` function. */
  readonly failureQueues: ReadonlyMap<string, LocalQueue>;
  readonly topicArns: ReadonlyMap<TopicName, string>;
  /** By function name: the queue standing in for each `topic` function's Lambda subscription. */
  readonly subscriptions: ReadonlyMap<string, QueueSubscription>;
}

export interface LocalResourceSettings {
  /** Prefix of every name (the table name, `carebridge-local`). */
  readonly prefix: string;
  readonly visibilityTimeoutSeconds: number;
  readonly inboundMailBucket: string;
}

/** Creates the resources of `functions` in the emulators. */
export async function createLocalResources(
  clients: { readonly sqs: SQSClient; readonly sns: SNSClient; readonly s3: S3Client },
  functions: readonly FunctionDefinition[],
  settings: LocalResourceSettings,
): Promise<LocalResources> {
  await clients.s3.send(new CreateBucketCommand({ Bucket: settings.inboundMailBucket }));
  const queues = await createQueues(clients.sqs, queueNames(functions), settings);
  const failureQueues = await createFailureQueues(clients.sqs, functions, settings);
  const topics = await createTopics(clients, functions, failureQueues, settings);
  return { queues, failureQueues, topicArns: topics.arns, subscriptions: topics.subscriptions };
}

/** Every queue a function consumes or sends to. */
function queueNames(functions: readonly FunctionDefinition[]): QueueName[] {
  const names = new Set<QueueName>();
  for (const fn of functions) {
    if (fn.kind === 'queue') names.add(fn.queue);
    for (const queue of fn.access.sendsTo ?? []) names.add(queue);
  }
  return [...names];
}

/** Each queue with its dead-letter queue, with the CDK app's redrive policy. Idempotent. */
async function createQueues(
  sqs: SQSClient,
  names: readonly QueueName[],
  { prefix, visibilityTimeoutSeconds }: LocalResourceSettings,
): Promise<Map<QueueName, QueueWithDlq>> {
  const queues = new Map<QueueName, QueueWithDlq>();
  for (const name of names) {
    queues.set(
      name,
      await createQueueWithDlq(sqs, `${prefix}-${name}`, {
        visibilityTimeoutSeconds,
        fifo: QUEUES[name].fifo,
      }),
    );
  }
  return queues;
}

/**
 * The failure queue of each asynchronously invoked function (mail, topic, event rule target) and stream consumer, by
 * function name: its on-failure destination, and the dead-letter queue of its topic subscription, as in
 * the CDK app.
 */
async function createFailureQueues(
  sqs: SQSClient,
  functions: readonly FunctionDefinition[],
  { prefix }: LocalResourceSettings,
): Promise<Map<string, LocalQueue>> {
  const queues = new Map<string, LocalQueue>();
  for (const fn of functions) {
    if (fn.kind !== 'mail' && fn.kind !== 'topic' && fn.kind !== 'stream' && fn.kind !== 'event') continue;
    queues.set(fn.name, await createDeadLetterQueue(sqs, `${prefix}-${fn.name}-failures`));
  }
  return queues;
}

/**
 * Each topic a function subscribes to, and per subscribed function a queue subscribed to it (the
 * stand-in for the Lambda subscription), redriving to the function's failure queue.
 */
async function createTopics(
  { sns, sqs }: { readonly sns: SNSClient; readonly sqs: SQSClient },
  functions: readonly FunctionDefinition[],
  failureQueues: ReadonlyMap<string, LocalQueue>,
  { prefix, visibilityTimeoutSeconds }: LocalResourceSettings,
): Promise<{ arns: Map<TopicName, string>; subscriptions: Map<string, QueueSubscription> }> {
  const arns = new Map<TopicName, string>();
  const subscriptions = new Map<string, QueueSubscription>();
  for (const fn of functions) {
    if (fn.kind !== 'topic') continue;
    const topicArn = arns.get(fn.topic) ?? (await createTopic(sns, `${prefix}-${fn.topic}`));
    arns.set(fn.topic, topicArn);
    const dlq = failureQueues.get(fn.name);
    const queue = await createQueueWithDlq(sqs, `${prefix}-${fn.topic}-to-${fn.name}`, {
      visibilityTimeoutSeconds,
      ...(dlq ? { dlq } : {}),
    });
    subscriptions.set(fn.name, await subscribeQueue(sns, topicArn, queue));
  }
  return { arns, subscriptions };
}
