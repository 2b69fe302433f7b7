import { Aws, Duration } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import {
  DeduplicationScope,
  FifoThroughputLimit,
  Queue,
  QueueEncryption,
  type QueueProps,
} from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, type QueueName } from '../../../functions/manifest.js';

/** AWS guidance for SQS event sources: visibility timeout at least six times the function timeout. */
const VISIBILITY_TIMEOUT_FACTOR = 6;

export interface CareQueueProps {
  /** The queue's name in functions/manifest.ts; it names the `<QUEUE>_QUEUE_URL` variable. */
  readonly queueName: QueueName;
  /**
   * A FIFO queue and dead-letter queue: order within a message group (a conversation), deduplication
   * by the sender's explicit id within the group, high-throughput mode (the limit per group, not per queue).
   * @default false
   */
  readonly fifo?: boolean;
  /** Timeout of the function that will consume the queue; the visibility timeout is six times it. */
  readonly consumerTimeout: Duration;
  /**
   * Key for the queue and its dead-letter queue.
   * @default - a new customer-managed key with yearly rotation
   */
  readonly encryptionKey?: IKey;
  /**
   * Receives before a message moves to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How long an unconsumed message stays in the queue.
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
}

/** Options of the queue's consumer. */
export interface CareQueueConsumerOptions {
  /** Records per invocation (functions/manifest.ts `batchSize`). */
  readonly batchSize: number;
}

/**
 * A work queue: KMS-encrypted, TLS-only, with an encrypted TLS-only dead-letter queue (14 days) and
 * an alarm as soon as anything lands in it; its consumer gets partial batch responses.
 */
export class CareQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** In alarm while the dead-letter queue holds a message; add an action to page someone. */
  readonly deadLetterAlarm: Alarm;
  readonly encryptionKey: IKey;
  /** Name of the environment variable that carries the queue URL. */
  readonly urlVariable: string;
  private readonly consumerTimeout: Duration;

  constructor(scope: Construct, id: string, props: CareQueueProps) {
    super(scope, id);
    this.consumerTimeout = props.consumerTimeout;
    this.urlVariable = ENV.queueUrl(props.queueName);
    this.encryptionKey =
      props.encryptionKey ??
      new Key(this, 'Key', { description: `carebridge ${props.queueName} queue`, enableKeyRotation: true });

    const fifo: Partial<QueueProps> = props.fifo
      ? {
          fifo: true,
          contentBasedDeduplication: false,
          deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
          fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
        }
      : {};
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...(props.fifo ? { fifo: true } : {}),
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      ...fifo,
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    this.deadLetterAlarm = this.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' })
      .createAlarm(this, 'DeadLetterAlarm', {
        alarmDescription: `carebridge ${props.queueName}: messages failed ${props.maxReceiveCount ?? 5} times and wait in the dead-letter queue for a redrive`,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
  }

  /** Lets `fn` send to the queue (and use the key through SQS only) and sets `<QUEUE>_QUEUE_URL`. */
  bindSender(fn: LambdaFunction): void {
    Grant.addToPrincipal({ grantee: fn, actions: ['sqs:SendMessage'], resourceArns: [this.queue.queueArn] });
    // What SQS needs from a producer of an encrypted queue: a data key and its decryption.
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resourceArns: [this.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `sqs.${Aws.REGION}.amazonaws.com` } },
    });
    fn.addEnvironment(this.urlVariable, this.queue.queueUrl);
  }

  /**
   * Makes `fn` the queue's consumer with partial batch responses, so one failed record is retried
   * (and finally dead-lettered) without the rest of its batch. Throws at synth when the function may
   * run longer than the timeout the visibility timeout was sized for.
   */
  addConsumer(fn: LambdaFunction, options: CareQueueConsumerOptions): void {
    const timeout = fn.timeout ?? Duration.seconds(3);
    if (timeout.toSeconds() > this.consumerTimeout.toSeconds()) {
      throw new Error(
        `${this.node.path}: consumer timeout ${timeout.toSeconds()}s exceeds the ${this.consumerTimeout.toSeconds()}s the visibility timeout was sized for`,
      );
    }
    fn.addEventSource(
      new SqsEventSource(this.queue, { batchSize: options.batchSize, reportBatchItemFailures: true }),
    );
  }
}
