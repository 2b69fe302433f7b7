import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { readAppContext } from '../../infra/lib/app-context.js';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const SERVICE_SID = `MG${'fedcba9876543210'.repeat(2)}`;

function contextOf(context: Record<string, unknown>) {
  return readAppContext(new App({ context }));
}

describe('readAppContext', () => {
  it('defaults to the dev stage, no email, Twilio inbound only and no keyword replies', () => {
    expect(readAppContext(new App())).toEqual({
      stage: 'dev',
      email: {},
      sms: { provider: 'twilio', keywordReplies: false },
    });
  });

  it('reads the stage and phone region from context', () => {
    expect(contextOf({ stage: 'prod-eu', phoneRegion: 'DE' })).toMatchObject({
      stage: 'prod-eu',
      phoneRegion: 'DE',
    });
  });

  it.each(['Prod', '1prod', 'p', 'prod_eu', 'a-stage-name-too-long', ''])('rejects the stage %j', (stage) => {
    expect(() => contextOf({ stage })).toThrow(/context stage must be/);
  });

  it.each(['de', 'DEU', 'D1'])('rejects the phone region %j', (phoneRegion) => {
    expect(() => contextOf({ phoneRegion })).toThrow(/context phoneRegion must be/);
  });

  describe('email', () => {
    it('replies from support@ the inbound domain unless another address is given', () => {
      expect(contextOf({ emailDomain: 'support.example.com' }).email).toEqual({
        domain: 'support.example.com',
        supportAddress: 'support@support.example.com',
      });
      expect(
        contextOf({
          emailDomain: 'support.example.com',
          supportEmail: 'care@example.com',
          supportEmailName: 'Care',
        }).email,
      ).toEqual({ domain: 'support.example.com', supportAddress: 'care@example.com', supportName: 'Care' });
    });

    it('takes a From address without an inbound domain', () => {
      expect(contextOf({ supportEmail: 'care@example.com' }).email).toEqual({
        supportAddress: 'care@example.com',
      });
    });

    it.each([
      ['emailDomain', 'Support.Example.com'],
      ['emailDomain', 'https://example.com'],
      ['supportEmail', 'not-an-address'],
      ['supportEmailName', 'Care "Team" <x>'],
    ])('rejects %s %j', (key, value) => {
      expect(() => contextOf({ emailDomain: 'example.com', [key]: value })).toThrow(
        new RegExp(`context ${key} must be`),
      );
    });

    it('refuses a display name without an address', () => {
      expect(() => contextOf({ supportEmailName: 'Care' })).toThrow(/supportEmailName needs an address/);
    });
  });

  describe('sms', () => {
    it('sends through Twilio when the account and a sender are given', () => {
      expect(
        contextOf({ twilioAccountSid: ACCOUNT_SID, twilioMessagingServiceSid: SERVICE_SID }).sms,
      ).toEqual({
        provider: 'twilio',
        twilio: { accountSid: ACCOUNT_SID, messagingServiceSid: SERVICE_SID },
        keywordReplies: false,
      });
    });

    it('sends through End User Messaging from the origination identity', () => {
      expect(
        contextOf({ smsProvider: 'eum', eumOriginationIdentity: 'pool-0123', smsKeywordReplies: 'on' }).sms,
      ).toEqual({ provider: 'eum', eumOriginationIdentity: 'pool-0123', keywordReplies: true });
    });

    it('fails early when Twilio is chosen explicitly without an account', () => {
      expect(() => contextOf({ smsProvider: 'twilio' })).toThrow(/smsProvider=twilio needs twilioAccountSid/);
    });

    it('fails when a Twilio account has no sender', () => {
      expect(() => contextOf({ twilioAccountSid: ACCOUNT_SID })).toThrow(
        /needs twilioFromNumber or twilioMessagingServiceSid/,
      );
    });

    it('fails when End User Messaging has no origination identity', () => {
      expect(() => contextOf({ smsProvider: 'eum' })).toThrow(/smsProvider=eum needs eumOriginationIdentity/);
    });

    it("refuses the other provider's settings", () => {
      expect(() => contextOf({ eumOriginationIdentity: 'pool-0123' })).toThrow(
        /eumOriginationIdentity applies only with smsProvider=eum/,
      );
      expect(() =>
        contextOf({ smsProvider: 'eum', eumOriginationIdentity: 'pool-0123', twilioAccountSid: ACCOUNT_SID }),
      ).toThrow(/apply only with smsProvider=twilio/);
    });

    it('answers keywords only through a provider that can send', () => {
      expect(() => contextOf({ smsKeywordReplies: 'on' })).toThrow(/smsKeywordReplies=on/);
    });

    it.each([
      ['smsProvider', 'sns'],
      ['smsKeywordReplies', 'yes'],
      ['twilioAccountSid', 'AC123'],
      ['twilioFromNumber', '0171 555'],
      ['twilioMessagingServiceSid', `MG${'X'.repeat(32)}`],
    ])('rejects %s %j', (key, value) => {
      expect(() => contextOf({ [key]: value })).toThrow(new RegExp(`context ${key} must be`));
    });
  });

  it('reads the chat fallback delay as a number, also from the command line', () => {
    expect(contextOf({ chatFallbackDelaySeconds: '600' }).chatFallbackDelaySeconds).toBe(600);
    expect(contextOf({ chatFallbackDelaySeconds: 0 }).chatFallbackDelaySeconds).toBe(0);
  });

  it.each([901, -1, 1.5, 'soon'])('rejects the chat fallback delay %j', (delay) => {
    expect(() => contextOf({ chatFallbackDelaySeconds: delay })).toThrow(/chatFallbackDelaySeconds must be/);
  });

  it('reads allowed origins as a list or a comma-separated string', () => {
    const origins = ['https://www.example.com', 'http://localhost:5173'];
    expect(contextOf({ allowedOrigins: origins }).allowedOrigins).toEqual(origins);
    expect(contextOf({ allowedOrigins: origins.join(',') }).allowedOrigins).toEqual(origins);
  });

  it.each(['*', 'https://example.com/path', 'http://example.com', []])(
    'rejects the allowed origins %j',
    (value) => {
      expect(() => contextOf({ allowedOrigins: value })).toThrow(/allowedOrigins must be/);
    },
  );

  it('reads the address alarms are mailed to, and refuses one that is not an address', () => {
    expect(contextOf({ alarmEmail: 'oncall@example.com' }).alarmEmail).toBe('oncall@example.com');
    expect(contextOf({}).alarmEmail).toBeUndefined();
    expect(() => contextOf({ alarmEmail: 'oncall' })).toThrow(/context alarmEmail must be an email address/);
  });
});
