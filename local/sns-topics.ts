import { CreateTopicCommand, type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SNSMessage, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import type { AsyncInvoker } from './async-invoker.js';
import { type SqsPoller, startSqsPoller } from './sqs-poller.js';

/**
 * The local stand-in for an SNS topic's Lambda subscription. fauxqs (the SNS emulator) delivers only
 * to SQS, so the function's subscription is an SQS queue subscribed with the SNS envelope (raw delivery
 * off), polled here; each message becomes the SNS event Lambda receives and is handed to the
 * function's asynchronous invoker, as SNS invokes Lambda asynchronously. Publishing to the topic with
 * any SNS client (the AWS CLI, the SDK) against the fauxqs endpoint reaches the function.
 */

/** Creates a topic (idempotent) and returns its ARN. */
export async function createTopic(sns: SNSClient, name: string): Promise<string> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  if (!TopicArn) throw new Error(`topic ${name} has no ARN`);
  return TopicArn;
}

/** A topic's subscription delivering to a queue. */
export interface QueueSubscription {
  readonly topicArn: string;
  readonly subscriptionArn: string;
  readonly queueUrl: string;
  readonly queueArn: string;
}

/** Subscribes a queue to a topic with the SNS envelope (raw message delivery off). */
export async function subscribeQueue(
  sns: SNSClient,
  topicArn: string,
  queue: { readonly url: string; readonly arn: string },
): Promise<QueueSubscription> {
  const { SubscriptionArn } = await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queue.arn,
      Attributes: { RawMessageDelivery: 'false' },
      ReturnSubscriptionArn: true,
    }),
  );
  if (!SubscriptionArn) throw new Error(`subscribing ${queue.arn} to ${topicArn} returned no ARN`);
  return { topicArn, subscriptionArn: SubscriptionArn, queueUrl: queue.url, queueArn: queue.arn };
}

export interface TopicSubscriptionOptions {
  readonly sqs: SQSClient;
  readonly subscription: QueueSubscription;
  readonly region: string;
  /** The subscribed function's asynchronous invoker. */
  readonly invoker: AsyncInvoker;
  /** A context for the poller's own bookkeeping (it invokes no Lambda itself). */
  readonly createContext: () => Context;
  readonly onError?: (message: string, error: unknown) => void;
}

/**
 * Polls the subscription queue and invokes the function with one SNS event per message. A message
 * that is not an SNS envelope fails alone (the queue's redrive policy then moves it to the failure queue).
 */
export function startTopicSubscription(options: TopicSubscriptionOptions): SqsPoller {
  const { subscription, invoker } = options;
  return startSqsPoller({
    sqs: options.sqs,
    queueUrl: subscription.queueUrl,
    queueArn: subscription.queueArn,
    region: options.region,
    batchSize: 10,
    createContext: options.createContext,
    ...(options.onError ? { onError: options.onError } : {}),
    handler: async (event) => {
      const batchItemFailures: { itemIdentifier: string }[] = [];
      for (const record of event.Records) {
        try {
          invoker.invoke(toSnsEvent(record, subscription.subscriptionArn));
        } catch (error) {
          options.onError?.(`[sns] ${subscription.topicArn}: not an SNS envelope`, error);
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }
      return { batchItemFailures };
    },
  });
}

/** The JSON SNS delivers to an SQS subscription without raw delivery; SNS may add fields. */
export const SnsEnvelopeSchema = z.looseObject({
  Type: z.string().max(100),
  MessageId: z.string().min(1).max(100),
  TopicArn: z.string().max(256),
  Subject: z.string().max(100).nullish(),
  Message: z.string().max(256 * 1024),
  Timestamp: z.iso.datetime(),
  SignatureVersion: z.string().max(10),
  Signature: z.string().max(1024),
  SigningCertURL: z.string().max(2048),
  UnsubscribeURL: z.string().max(2048),
  MessageAttributes: z
    .record(z.string().max(256), z.object({ Type: z.string().max(100), Value: z.string() }))
    .optional(),
});

/** An SNS event as Lambda receives it (@types/aws-lambda's SNSEvent, with the null Subject SNS sends). */
export interface SnsLambdaEvent {
  readonly Records: readonly {
    readonly EventVersion: string;
    readonly EventSubscriptionArn: string;
    readonly EventSource: 'aws:sns';
    readonly Sns: Omit<SNSMessage, 'Subject'> & { readonly Subject: string | null };
  }[];
}

/**
 * The event Lambda receives from an SNS subscription for one message: one record, the envelope's
 * fields with Lambda's spelling (`SigningCertUrl`, `UnsubscribeUrl`), `Subject` null when absent.
 */
export function toSnsEvent(record: SQSRecord, subscriptionArn: string): SnsLambdaEvent {
  const envelope = SnsEnvelopeSchema.parse(JSON.parse(record.body));
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        EventSource: 'aws:sns',
        Sns: {
          Type: envelope.Type,
          MessageId: envelope.MessageId,
          TopicArn: envelope.TopicArn,
          Subject: envelope.Subject ?? null,
          Message: envelope.Message,
          Timestamp: envelope.Timestamp,
          SignatureVersion: envelope.SignatureVersion,
          Signature: envelope.Signature,
          SigningCertUrl: envelope.SigningCertURL,
          UnsubscribeUrl: envelope.UnsubscribeURL,
          MessageAttributes: envelope.MessageAttributes ?? {},
        },
      },
    ],
  };
}
