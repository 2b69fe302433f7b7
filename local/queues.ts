import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Receives before a message moves to the dead-letter queue, as in the CDK app. */
export const MAX_RECEIVE_COUNT = 5;
/** How long a dead-letter queue keeps a message: 14 days, the most SQS allows. */
const DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60;

/** A queue of the local world. */
export interface LocalQueue {
  readonly url: string;
  readonly arn: string;
}

/** A queue with its dead-letter queue. */
export interface QueueWithDlq extends LocalQueue {
  readonly dlqUrl: string;
}

/** The attributes and name suffix of a FIFO queue (explicit deduplication ids, as the CDK app's). */
const FIFO_ATTRIBUTES = { FifoQueue: 'true', ContentBasedDeduplication: 'false' };

/** Creates a dead-letter queue (14 days' retention), FIFO when asked. Idempotent. */
export async function createDeadLetterQueue(sqs: SQSClient, name: string, fifo = false): Promise<LocalQueue> {
  const url = await createQueue(sqs, fifo ? `${name}.fifo` : name, {
    MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS),
    ...(fifo ? FIFO_ATTRIBUTES : {}),
  });
  return { url, arn: await queueArn(sqs, url) };
}

/**
 * Creates `name` and `<name>-dlq` with the CDK app's redrive policy (maxReceiveCount 5), or only `name`
 * redriving to `dlq` when one is given; with `fifo`, both are FIFO queues (`.fifo` names). Idempotent.
 */
export async function createQueueWithDlq(
  sqs: SQSClient,
  name: string,
  settings: {
    readonly visibilityTimeoutSeconds: number;
    readonly dlq?: LocalQueue;
    readonly fifo?: boolean;
  },
): Promise<QueueWithDlq> {
  const fifo = settings.fifo ?? false;
  const dlq = settings.dlq ?? (await createDeadLetterQueue(sqs, `${name}-dlq`, fifo));
  const url = await createQueue(sqs, fifo ? `${name}.fifo` : name, {
    ...(fifo ? FIFO_ATTRIBUTES : {}),
    VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: MAX_RECEIVE_COUNT }),
  });
  return { url, arn: await queueArn(sqs, url), dlqUrl: dlq.url };
}

async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!QueueUrl) throw new Error(`queue ${name} has no URL`);
  return QueueUrl;
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${queueUrl} has no ARN`);
  return arn;
}
