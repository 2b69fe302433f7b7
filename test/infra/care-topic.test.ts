import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CareTopic } from '../../infra/lib/constructs/care-topic.js';
import { inlineFunction, nagFindings, unbundledApp } from './support.js';

let topic: CareTopic;
let template: Template;
let throwAway: Template;

beforeAll(() => {
  const stack = new Stack(unbundledApp(), 'TopicTest');
  topic = new CareTopic(stack, 'SmsInbound', { topicName: 'sms-inbound' });
  topic.allowPublisher({
    service: 'sms-voice.amazonaws.com',
    sourceArn: 'arn:aws:sms-voice:*:123456789012:*',
  });
  topic.allowPublisher({ service: 'ses.amazonaws.com', topicPolicy: false });
  topic.subscribe(inlineFunction(stack, 'Subscriber'));
  template = Template.fromStack(stack);

  const devStack = new Stack(unbundledApp(), 'DevTopicTest');
  new CareTopic(devStack, 'Topic', { topicName: 'email-feedback', retain: false });
  throwAway = Template.fromStack(devStack);
});

const keyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^SmsInboundKey'), 'Arn'] };

describe('CareTopic', () => {
  it('encrypts the topic with a rotating key of its own and names it after the stack', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'TopicTest-sms-inbound',
      KmsMasterKeyId: keyArn,
    });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    throwAway.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  it('refuses publishing without TLS', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets a publishing service of this account use the key and publish, from the named source only', () => {
    const conditions = {
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: { 'aws:SourceArn': 'arn:aws:sms-voice:*:123456789012:*' },
    };
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Principal: { Service: 'sms-voice.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*',
            Condition: conditions,
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'sms-voice.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: conditions,
          }),
        ]),
      },
    });
  });

  it('leaves the topic policy to a publisher that writes its own', () => {
    const policies = template.findResources('AWS::SNS::TopicPolicy');
    expect(JSON.stringify(policies)).not.toContain('ses.amazonaws.com');
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'ses.amazonaws.com' } })]),
      },
    });
  });

  it('subscribes a function with a dead-letter queue encrypted with the topic key', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Subscriber'), 'Arn'] },
      RedrivePolicy: {
        deadLetterTargetArn: {
          'Fn::GetAtt': [Match.stringLikeRegexp('^SmsInboundSubscriptionDeadLetterQueue'), 'Arn'],
        },
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: keyArn });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'sns.amazonaws.com' },
            Condition: {
              ArnEquals: {
                'aws:SourceArn': {
                  'Fn::Join': ['', Match.arrayWith([':TopicTest-sms-inbound'])],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  it('leaves no AwsSolutions finding', () => {
    expect(nagFindings(topic)).toEqual([]);
  });
});
