import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { FailureQueue } from '../../infra/lib/constructs/failure-queue.js';
import { inlineFunction, nagFindings, unbundledApp } from './support.js';

let failures: FailureQueue;
let template: Template;
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:care-topic';

beforeAll(() => {
  const stack = new Stack(unbundledApp(), 'FailureQueueTest');
  failures = new FailureQueue(stack, 'Failures', {
    purpose: 'email-inbound: failed events',
    encryptionKey: new Key(stack, 'Key', { enableKeyRotation: true }),
  });
  failures.catchAsyncFailures(inlineFunction(stack, 'Consumer'));
  failures.allowSnsRedrive(TOPIC_ARN);
  template = Template.fromStack(stack);
});

const queueArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^FailuresQueue'), 'Arn'] };

describe('FailureQueue', () => {
  it('keeps failed events for 14 days, encrypted with the given key, TLS only', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 14 * 24 * 3600,
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('alarms as soon as an event waits in it', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      AlarmDescription: Match.stringLikeRegexp('^carebridge email-inbound'),
    });
  });

  it("takes a function's failed asynchronous invocations after two retries", () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('^Consumer') },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: queueArn } },
    });
  });

  it('lets the function send there and use the key through SQS only, without wildcard actions', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ConsumerServiceRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn },
          {
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
            Condition: { StringEquals: { 'kms:ViaService': Match.anyValue() } },
          },
        ]),
      },
    });
  });

  it("lets SNS encrypt a topic's dead letters with the key, for that topic only", () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*',
            Condition: { ArnEquals: { 'aws:SourceArn': TOPIC_ARN } },
          },
        ]),
      },
    });
  });

  it('leaves no AwsSolutions finding: being the last stop, it has no dead-letter queue of its own', () => {
    expect(nagFindings(failures)).toEqual([]);
  });
});
