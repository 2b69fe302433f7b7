import { Aws } from 'aws-cdk-lib';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ENV } from '../../../functions/manifest.js';
import { type SmsProvider, type SmsSettings, smsSendingConfigured } from '../app-context.js';
import { acknowledgeWildcardResource } from '../nag.js';
import { CareTopic } from './care-topic.js';

export interface SmsChannelProps {
  /** Provider, sender settings and keyword answers, as validated in infra/lib/app-context.ts. */
  readonly settings: SmsSettings;
  /**
   * Keep the inbound topic's key when the stack is deleted.
   * @default true
   */
  readonly retain?: boolean;
}

/**
 * The SMS channel's AWS side: the `sms-inbound` topic AWS End User Messaging publishes two-way
 * messages to (encrypted, publishable by End User Messaging of this account only), and the settings
 * and permissions of functions that send SMS: Twilio's account and sender, or End User Messaging's
 * SendTextMessage on the origination identity.
 */
export class SmsChannel extends Construct {
  /** Two-way messages from End User Messaging (manifest topic `sms-inbound`). */
  readonly inboundTopic: CareTopic;
  readonly settings: SmsSettings;

  constructor(scope: Construct, id: string, props: SmsChannelProps) {
    super(scope, id);
    this.settings = props.settings;
    if (this.settings.keywordReplies && !smsSendingConfigured(this.settings)) {
      throw new Error(
        `${this.node.path}: keyword replies go through ${this.settings.provider}, whose sender settings are missing`,
      );
    }
    this.inboundTopic = new CareTopic(this, 'InboundTopic', {
      topicName: 'sms-inbound',
      retain: props.retain,
    });
    this.inboundTopic.allowPublisher({
      service: 'sms-voice.amazonaws.com',
      sourceArn: `arn:${Aws.PARTITION}:sms-voice:${Aws.REGION}:${Aws.ACCOUNT_ID}:*`,
    });
  }

  /** Whether replies can go out by SMS (the provider's sender settings are given). */
  get sendingConfigured(): boolean {
    return smsSendingConfigured(this.settings);
  }

  /**
   * For the function that sends staff replies: the provider (`SMS_PROVIDER`) with its sender
   * settings and, for End User Messaging, permission to send. Returns the provider, or undefined
   * (setting nothing) when SMS sending is not configured.
   */
  bindSender(fn: LambdaFunction): SmsProvider | undefined {
    if (!this.sendingConfigured) return undefined;
    fn.addEnvironment(ENV.sms.provider, this.settings.provider);
    this.bindProvider(fn);
    return this.settings.provider;
  }

  /**
   * For a function receiving SMS from `provider` (Twilio's webhook, End User Messaging's topic):
   * `SMS_KEYWORD_REPLIES` is `on` only when carebridge answers keywords and `provider` is the one
   * configured (then its sender settings and permission come along), `off` otherwise, so that the
   * other provider's inbound function never needs sender settings it does not have. Returns whether
   * the function answers keywords.
   */
  bindKeywordReplies(fn: LambdaFunction, provider: SmsProvider): boolean {
    const replies = this.settings.keywordReplies && provider === this.settings.provider;
    fn.addEnvironment(ENV.sms.keywordReplies, replies ? 'on' : 'off');
    if (!replies) return false;
    if (this.settings.helpText) fn.addEnvironment(ENV.sms.helpText, this.settings.helpText);
    this.bindProvider(fn);
    return true;
  }

  private bindProvider(fn: LambdaFunction): void {
    const { twilio, eumOriginationIdentity } = this.settings;
    if (this.settings.provider === 'twilio' && twilio) {
      // The auth token is a secret the function declares in functions/manifest.ts (CareSecrets).
      fn.addEnvironment(ENV.sms.twilioAccountSid, twilio.accountSid);
      if (twilio.fromNumber) fn.addEnvironment(ENV.sms.twilioFromNumber, twilio.fromNumber);
      if (twilio.messagingServiceSid) {
        fn.addEnvironment(ENV.sms.twilioMessagingServiceSid, twilio.messagingServiceSid);
      }
    }
    if (this.settings.provider === 'eum' && eumOriginationIdentity) {
      fn.addEnvironment(ENV.sms.eumOriginationIdentity, eumOriginationIdentity);
      const scoped = eumOriginationIdentity.startsWith('arn:');
      // An ARN names the one identity to send from. An id (a number, pool or sender id) is resolved
      // by End User Messaging, and replies go from the number the customer wrote to, so the grant
      // then covers the origination identities of this account and region.
      const resource = scoped
        ? eumOriginationIdentity
        : `arn:${Aws.PARTITION}:sms-voice:${Aws.REGION}:${Aws.ACCOUNT_ID}:*`;
      Grant.addToPrincipal({ grantee: fn, actions: ['sms-voice:SendTextMessage'], resourceArns: [resource] });
      if (!scoped) {
        acknowledgeWildcardResource(
          fn.role,
          resource,
          'eumOriginationIdentity is an id, not an ARN, and replies go from whichever number the customer wrote to: SendTextMessage is granted on the End User Messaging identities of this account and region only. Give eumOriginationIdentity as an ARN to scope it to one identity.',
        );
      }
    }
  }
}
