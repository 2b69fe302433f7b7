import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/manifest.js';
import type { SmsSettings } from '../../infra/lib/app-context.js';
import { SmsChannel } from '../../infra/lib/constructs/sms-channel.js';
import { acknowledgements, inlineFunction, nagFindings, unbundledApp } from './support.js';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const POOL_ARN = 'arn:aws:sms-voice:eu-west-1:123456789012:pool/pool-0123';

interface Built {
  readonly channel: SmsChannel;
  readonly template: Template;
  readonly results: Record<string, unknown>;
}

/** A stack with the channel, a reply function and both providers' inbound functions bound. */
function build(id: string, settings: SmsSettings): Built {
  const stack = new Stack(unbundledApp(), id);
  const channel = new SmsChannel(stack, 'Sms', { settings });
  const bind = (name: string, act: (fn: LambdaFunction) => unknown) => act(inlineFunction(stack, name));
  const results = {
    reply: bind('Reply', (fn) => channel.bindSender(fn)),
    twilioInbound: bind('TwilioInbound', (fn) => channel.bindKeywordReplies(fn, 'twilio')),
    eumInbound: bind('EumInbound', (fn) => channel.bindKeywordReplies(fn, 'eum')),
  };
  return { channel, template: Template.fromStack(stack), results };
}

/** The environment of inline function `name`. */
function environmentOf(template: Template, name: string): Record<string, unknown> {
  const [fn] = Object.values(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Role: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${name}ServiceRole`), 'Arn'] } },
    }),
  );
  return fn?.Properties.Environment?.Variables ?? {};
}

let inboundOnly: Built;
let twilio: Built;
let eumById: Built;
let eumByArn: Built;

beforeAll(() => {
  inboundOnly = build('InboundOnlySmsTest', { provider: 'twilio', keywordReplies: false });
  twilio = build('TwilioSmsTest', {
    provider: 'twilio',
    twilio: { accountSid: ACCOUNT_SID, fromNumber: '+14155550100' },
    keywordReplies: true,
    helpText: 'Reply STOP to opt out.',
  });
  eumById = build('EumSmsTest', {
    provider: 'eum',
    eumOriginationIdentity: 'pool-0123',
    keywordReplies: false,
  });
  eumByArn = build('EumArnSmsTest', {
    provider: 'eum',
    eumOriginationIdentity: POOL_ARN,
    keywordReplies: true,
  });
});

describe('SmsChannel', () => {
  it('lets End User Messaging of this account publish two-way messages to the encrypted inbound topic', () => {
    twilio.template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'TwilioSmsTest-sms-inbound' });
    twilio.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'sms-voice.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
  });

  it('configures no sender and no keyword replies without a Twilio account: inbound only', () => {
    expect(inboundOnly.results).toEqual({ reply: undefined, twilioInbound: false, eumInbound: false });
    expect(environmentOf(inboundOnly.template, 'Reply')).toEqual({});
    expect(environmentOf(inboundOnly.template, 'TwilioInbound')).toEqual({ [ENV.sms.keywordReplies]: 'off' });
    expect(environmentOf(inboundOnly.template, 'EumInbound')).toEqual({ [ENV.sms.keywordReplies]: 'off' });
  });

  it("passes Twilio's account and sender to the reply function and to Twilio's inbound function when it answers keywords", () => {
    const twilioSettings = {
      [ENV.sms.twilioAccountSid]: ACCOUNT_SID,
      [ENV.sms.twilioFromNumber]: '+14155550100',
    };
    expect(twilio.results).toEqual({ reply: 'twilio', twilioInbound: true, eumInbound: false });
    expect(environmentOf(twilio.template, 'Reply')).toEqual({
      [ENV.sms.provider]: 'twilio',
      ...twilioSettings,
    });
    expect(environmentOf(twilio.template, 'TwilioInbound')).toEqual({
      [ENV.sms.keywordReplies]: 'on',
      [ENV.sms.helpText]: 'Reply STOP to opt out.',
      ...twilioSettings,
    });
    expect(environmentOf(twilio.template, 'EumInbound')).toEqual({ [ENV.sms.keywordReplies]: 'off' });
  });

  it('grants End User Messaging sending on the identities of this account when configured with an id', () => {
    eumById.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ReplyServiceRole') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sms-voice:SendTextMessage',
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':sms-voice:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':*',
                ],
              ],
            },
          },
        ],
      },
    });
    expect(environmentOf(eumById.template, 'Reply')).toEqual({
      [ENV.sms.provider]: 'eum',
      [ENV.sms.eumOriginationIdentity]: 'pool-0123',
    });
    expect(
      acknowledgements(eumById.channel.node.scope ?? eumById.channel).map((entry) => entry.id),
    ).toContain(
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sms-voice:<AWS::Region>:<AWS::AccountId>:*]',
    );
  });

  it('scopes End User Messaging sending to the identity given as an ARN', () => {
    eumByArn.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^EumInboundServiceRole') }],
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'sms-voice:SendTextMessage', Resource: POOL_ARN }],
      },
    });
    expect(eumByArn.results).toEqual({ reply: 'eum', twilioInbound: false, eumInbound: true });
    expect(environmentOf(eumByArn.template, 'TwilioInbound')).toEqual({ [ENV.sms.keywordReplies]: 'off' });
  });

  it('refuses keyword replies through a provider it cannot send with', () => {
    expect(
      () =>
        new SmsChannel(new Stack(unbundledApp(), 'BadSmsTest'), 'Sms', {
          settings: { provider: 'twilio', keywordReplies: true },
        }),
    ).toThrow(/keyword replies go through twilio/);
  });

  it('leaves no AwsSolutions finding', () => {
    for (const built of [inboundOnly, twilio, eumById, eumByArn]) {
      expect(nagFindings(built.channel)).toEqual([]);
    }
  });
});
