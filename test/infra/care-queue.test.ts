import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CareQueue } from '../../infra/lib/constructs/care-queue.js';
import { inlineFunction, nagFindings, unbundledApp } from './support.js';

let stack: Stack;
let queue: CareQueue;
let template: Template;

beforeAll(() => {
  stack = new Stack(unbundledApp(), 'QueueTest');
  queue = new CareQueue(stack, 'RoutingQueue', {
    queueName: 'routing',
    consumerTimeout: Duration.seconds(10),
  });
  queue.bindSender(inlineFunction(stack, 'Sender'));
  queue.addConsumer(inlineFunction(stack, 'Consumer', Duration.seconds(10)), { batchSize: 7 });
  template = Template.fromStack(stack);
});

const mainQueue = { RedrivePolicy: Match.anyValue() };
const keyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^RoutingQueueKey'), 'Arn'] };

describe('CareQueue', () => {
  it('encrypts the queue and its dead-letter queue with a rotating customer-managed key', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { KmsMasterKeyId: keyArn }, 2);
  });

  it('dead-letters a message after five receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: {
          'Fn::GetAtt': [Match.stringLikeRegexp('^RoutingQueueDeadLetterQueue'), 'Arn'],
        },
        maxReceiveCount: 5,
      },
    });
  });

  it('keeps dead letters for 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 14 * 24 * 3600,
      RedrivePolicy: Match.absent(),
    });
  });

  it('sets the visibility timeout to six times the consumer timeout', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { ...mainQueue, VisibilityTimeout: 60 });
  });

  it('refuses requests without TLS on both queues', () => {
    template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      },
      2,
    );
  });

  it('alarms as soon as a message waits in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RoutingQueueDeadLetterQueue'), 'QueueName'] },
        },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('lets a sender send, use the key through SQS only, and find the queue URL', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^SenderServiceRole') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RoutingQueue[0-9A-F]{8}$'), 'Arn'] },
          },
          {
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: keyArn,
            Condition: { StringEquals: { 'kms:ViaService': Match.anyValue() } },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SenderServiceRole'), 'Arn'] },
      Environment: {
        Variables: { ROUTING_QUEUE_URL: { Ref: Match.stringLikeRegexp('^RoutingQueue[0-9A-F]{8}$') } },
      },
    });
  });

  it('delivers batches to the consumer with partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RoutingQueue[0-9A-F]{8}$'), 'Arn'] },
      FunctionName: { Ref: Match.stringLikeRegexp('^Consumer') },
      BatchSize: 7,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('refuses a consumer that may run longer than the visibility timeout was sized for', () => {
    const other = new Stack(unbundledApp(), 'SlowConsumerTest');
    const shortQueue = new CareQueue(other, 'Queue', {
      queueName: 'routing',
      consumerTimeout: Duration.seconds(5),
    });
    const slow = inlineFunction(other, 'Slow', Duration.seconds(30));

    expect(() => shortQueue.addConsumer(slow, { batchSize: 10 })).toThrow(
      /consumer timeout 30s exceeds the 5s/,
    );
  });

  it('leaves no AwsSolutions finding on the queues', () => {
    expect(nagFindings(queue)).toEqual([]);
  });
});
