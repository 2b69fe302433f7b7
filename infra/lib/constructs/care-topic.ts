import { Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { TopicName } from '../../../functions/manifest.js';
import { FailureQueue } from './failure-queue.js';

export interface CareTopicProps {
  /** The topic's name in functions/manifest.ts. */
  readonly topicName: TopicName;
  /**
   * Keep the topic's key when the stack is deleted (messages in the subscription dead-letter queue
   * stay readable).
   * @default true
   */
  readonly retain?: boolean;
}

/** An AWS service allowed to publish to the topic. */
export interface TopicPublisher {
  /** Service principal, e.g. `ses.amazonaws.com`. */
  readonly service: string;
  /**
   * ARN pattern of the publishing resource (`aws:SourceArn`), e.g. the SES configuration set.
   * @default - any resource of the service in this account
   */
  readonly sourceArn?: string;
  /**
   * Also add a topic policy statement letting the service publish. Off when the publishing
   * resource's construct writes one itself (an SES configuration set event destination does).
   * @default true
   */
  readonly topicPolicy?: boolean;
}

/**
 * An SNS topic an AWS service publishes events to, encrypted with a customer-managed key of its own
 * (rotated yearly) whose policy admits only the named publishers, TLS-only. Each Lambda subscriber
 * gets a dead-letter queue (SNS redrive), encrypted with the same key and alarmed.
 */
export class CareTopic extends Construct {
  readonly topic: Topic;
  /** The topic's ARN, built from its name. */
  readonly topicArn: string;
  readonly encryptionKey: Key;
  /** Dead-letter queue of the topic's subscriptions. */
  readonly subscriptionDeadLetterQueue: FailureQueue;

  constructor(scope: Construct, id: string, props: CareTopicProps) {
    super(scope, id);
    this.encryptionKey = new Key(this, 'Key', {
      description: `carebridge ${props.topicName} topic and its dead-letter queue`,
      enableKeyRotation: true,
      removalPolicy: (props.retain ?? true) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // A name of our own, so the key policy can name the topic without referring to it (the topic
    // refers to the key).
    const name = `${Stack.of(this).stackName}-${props.topicName}`;
    this.topicArn = Stack.of(this).formatArn({ service: 'sns', resource: name });
    this.topic = new Topic(this, 'Topic', {
      topicName: name,
      displayName: `carebridge ${props.topicName}`,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    this.subscriptionDeadLetterQueue = new FailureQueue(this, 'SubscriptionDeadLetterQueue', {
      purpose: `${props.topicName}: messages SNS could not deliver to the subscribed function`,
      encryptionKey: this.encryptionKey,
    });
    this.subscriptionDeadLetterQueue.allowSnsRedrive(this.topicArn);
  }

  /**
   * Lets `publisher` publish: the key policy lets the service encrypt messages for this topic (and
   * nothing else), and unless the publishing construct does it, the topic policy lets it publish.
   * Both are limited to this account and, when given, the publishing resource.
   */
  allowPublisher(publisher: TopicPublisher): void {
    const conditions = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ...(publisher.sourceArn ? { ArnLike: { 'aws:SourceArn': publisher.sourceArn } } : {}),
    };
    const principal = new ServicePrincipal(publisher.service);
    this.encryptionKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [principal],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions,
      }),
    );
    if (publisher.topicPolicy ?? true) {
      this.topic.addToResourcePolicy(
        new PolicyStatement({
          principals: [principal],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions,
        }),
      );
    }
  }

  /**
   * Subscribes `fn`; what SNS cannot deliver to it lands in the subscription dead-letter queue.
   * (What the function fails to process goes to its own on-failure destination.)
   */
  subscribe(fn: IFunction): void {
    this.topic.addSubscription(
      new LambdaSubscription(fn, { deadLetterQueue: this.subscriptionDeadLetterQueue.queue }),
    );
  }
}
