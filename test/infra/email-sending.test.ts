import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/manifest.js';
import { EmailSending } from '../../infra/lib/constructs/email-sending.js';
import { inlineFunction, nagFindings, unbundledApp } from './support.js';

let sending: EmailSending;
let template: Template;
let byHand: Template;
let unconfigured: Template;
let unconfiguredBound: boolean;

beforeAll(() => {
  const stack = new Stack(unbundledApp(), 'EmailTest');
  sending = new EmailSending(stack, 'EmailSending', {
    domain: 'support.example.com',
    fromAddress: 'help@support.example.com',
    fromName: 'Example Care',
  });
  sending.bindSender(inlineFunction(stack, 'Sender'));
  template = Template.fromStack(stack);

  const handStack = new Stack(unbundledApp(), 'HandEmailTest');
  new EmailSending(handStack, 'EmailSending', { fromAddress: 'care@example.com' }).bindSender(
    inlineFunction(handStack, 'Sender'),
  );
  byHand = Template.fromStack(handStack);

  const bareStack = new Stack(unbundledApp(), 'BareEmailTest');
  unconfiguredBound = new EmailSending(bareStack, 'EmailSending').bindSender(
    inlineFunction(bareStack, 'Sender'),
  );
  unconfigured = Template.fromStack(bareStack);
});

const configurationSet = { Ref: Match.stringLikeRegexp('^EmailSendingConfigurationSet') };

describe('EmailSending', () => {
  it('verifies the domain with Easy DKIM (2048-bit) and sends its mail through the configuration set', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'support.example.com',
      DkimSigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
      ConfigurationSetAttributes: { ConfigurationSetName: configurationSet },
    });
  });

  it('requires TLS and suppresses addresses that bounced or complained', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      DeliveryOptions: { TlsPolicy: 'REQUIRE' },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
  });

  it('publishes bounces and complaints, nothing else, to the encrypted feedback topic', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: configurationSet,
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint'],
        SnsDestination: { TopicARN: { Ref: Match.stringLikeRegexp('^EmailSendingFeedbackTopic') } },
      },
    });
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'EmailTest-email-feedback',
      KmsMasterKeyId: Match.anyValue(),
    });
  });

  it('lets SES of this configuration set publish to the topic and use its key', () => {
    const fromConfigurationSet = Match.objectLike({
      'aws:SourceArn': { 'Fn::Join': ['', Match.arrayWith([':configuration-set/', configurationSet])] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'ses.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: Match.objectLike({ ArnLike: fromConfigurationSet }),
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'ses.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: Match.objectLike({ 'AWS:SourceArn': Match.anyValue() }) },
          }),
        ]),
      },
    });
  });

  it('lets a sender send from the domain identity through the configuration set and passes its settings', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^SenderServiceRole') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['ses:SendEmail', 'ses:SendRawEmail'],
            Resource: [
              { 'Fn::Join': ['', Match.arrayWith([':configuration-set/', configurationSet])] },
              {
                'Fn::Join': [
                  '',
                  Match.arrayWith([
                    ':identity/',
                    { Ref: Match.stringLikeRegexp('^EmailSendingDomainIdentity') },
                  ]),
                ],
              },
            ],
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          [ENV.email.from]: 'help@support.example.com',
          [ENV.email.fromName]: 'Example Care',
          [ENV.email.configurationSet]: configurationSet,
        },
      },
    });
  });

  it('grants the address and its domain when the identity was verified by hand', () => {
    byHand.resourceCountIs('AWS::SES::EmailIdentity', 0);
    byHand.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Resource: Match.arrayWith([
              { 'Fn::Join': ['', Match.arrayWith([':identity/care@example.com'])] },
              { 'Fn::Join': ['', Match.arrayWith([':identity/example.com'])] },
            ]),
          }),
        ],
      },
    });
  });

  it('grants and sets nothing without a From address', () => {
    expect(unconfiguredBound).toBe(false);
    unconfigured.resourceCountIs('AWS::IAM::Policy', 0);
    unconfigured.hasResourceProperties('AWS::Lambda::Function', { Environment: Match.absent() });
  });

  it('leaves no AwsSolutions finding', () => {
    expect(nagFindings(sending)).toEqual([]);
  });
});
