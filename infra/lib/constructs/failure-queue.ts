import { Aws, Duration, Validations } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Grant, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type {
  DestinationConfig,
  DestinationOptions,
  IDestination,
  IEventSourceDlq,
  IFunction,
  Function as LambdaFunction,
} from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface FailureQueueProps {
  /** What ends up in the queue, for the alarm description (`email-inbound: failed invocations`). */
  readonly purpose: string;
  /**
   * Customer-managed key of the queue. A key that an AWS service principal writes with (SNS redrive)
   * must be a key of this app, so that its policy can be extended.
   */
  readonly encryptionKey: IKey;
  /**
   * How long a failed event waits for a redrive.
   * @default Duration.days(14)
   */
  readonly retentionPeriod?: Duration;
}

/** Retries of asynchronous invocations before an event is given up. */
export interface AsyncRetryOptions {
  /**
   * @default 2 (Lambda's maximum)
   */
  readonly retryAttempts?: number;
  /**
   * @default Duration.hours(6) (Lambda's maximum)
   */
  readonly maxEventAge?: Duration;
}

/**
 * Where events that could not be processed wait for an operator: an encrypted, TLS-only queue with
 * an alarm as soon as anything lands in it. It serves as a Lambda on-failure destination
 * (`onFailure: failureQueue`) and as the dead-letter queue of an SNS subscription.
 */
export class FailureQueue extends Construct implements IDestination {
  readonly queue: Queue;
  /** In alarm while the queue holds a message; add an action to page someone. */
  readonly alarm: Alarm;
  readonly encryptionKey: IKey;

  constructor(scope: Construct, id: string, props: FailureQueueProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the last stop of failed events (a Lambda on-failure destination or an SNS subscription dead-letter queue); it is alarmed and redriven by an operator, so it has no queue behind it.',
    });
    this.alarm = this.queue
      .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' })
      .createAlarm(this, 'Alarm', {
        alarmDescription: `carebridge ${props.purpose}: events wait in the failure queue for an operator`,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
  }

  /**
   * Makes this queue the on-failure destination of `fn`'s asynchronous invocations (SNS, SES):
   * Lambda retries a failed event `retryAttempts` times, then sends it here with the error; an event
   * older than `maxEventAge` (throttled too long) comes here too.
   */
  catchAsyncFailures(fn: LambdaFunction, options: AsyncRetryOptions = {}): void {
    fn.configureAsyncInvoke({
      onFailure: this,
      retryAttempts: options.retryAttempts ?? 2,
      maxEventAge: options.maxEventAge ?? Duration.hours(6),
    });
  }

  /**
   * Lambda on-failure destination: Lambda sends the failed event's record with the function's role,
   * which gets SendMessage on this queue and the key through SQS only (no wildcard actions, unlike
   * the CDK's SqsDestination grant).
   */
  bind(_scope: Construct, fn: IFunction, _options?: DestinationOptions): DestinationConfig {
    Grant.addToPrincipal({ grantee: fn, actions: ['sqs:SendMessage'], resourceArns: [this.queue.queueArn] });
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resourceArns: [this.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `sqs.${Aws.REGION}.amazonaws.com` } },
    });
    return { destination: this.queue.queueArn };
  }

  /**
   * This queue as the on-failure destination of a stream event source mapping: Lambda sends the
   * position of the records that failed every retry, with the same precise grants as `bind`.
   */
  streamFailureDestination(): IEventSourceDlq {
    return {
      bind: (_mapping, fn) => ({ destination: this.bind(this, fn).destination }),
    };
  }

  /**
   * Lets SNS dead-letter the undeliverable messages of the topic `topicArn`'s subscriptions here: the
   * key policy admits SNS for messages of that topic only (the subscription adds the queue policy).
   * An ARN built from the topic's name, not a reference: the topic may be encrypted with this key.
   */
  allowSnsRedrive(topicArn: string): void {
    this.encryptionKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('sns.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { ArnEquals: { 'aws:SourceArn': topicArn } },
      }),
    );
  }
}
