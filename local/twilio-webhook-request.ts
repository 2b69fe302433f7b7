import { randomBytes } from 'node:crypto';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';

/** An SMS to send to the local stack as Twilio would deliver it. */
export interface LocalSms {
  /** The local stack's Twilio settings (`twilio` in .carebridge/local.json). */
  readonly webhookUrl: string;
  readonly authToken: string;
  readonly accountSid: string;
  /** The local Twilio number the customer writes to. */
  readonly to: string;
  /** The customer's number, E.164. */
  readonly from: string;
  readonly body: string;
  /** Twilio's message SID; a new one when omitted (the same SID again is a provider retry). */
  readonly messageSid?: string;
}

/** A request ready for fetch. */
export interface SignedWebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly messageSid: string;
}

/**
 * Twilio's incoming-message webhook for `sms`: the form parameters Twilio sends and its
 * `X-Twilio-Signature`, made with Twilio's own helper library for the webhook URL and auth token the
 * local stack checks them against.
 */
export function signedTwilioWebhook(sms: LocalSms): SignedWebhookRequest {
  const messageSid = sms.messageSid ?? `SM${randomBytes(16).toString('hex')}`;
  const params: Record<string, string> = {
    ToCountry: 'US',
    SmsMessageSid: messageSid,
    NumMedia: '0',
    SmsSid: messageSid,
    SmsStatus: 'received',
    Body: sms.body,
    To: sms.to,
    NumSegments: '1',
    MessageSid: messageSid,
    AccountSid: sms.accountSid,
    From: sms.from,
    ApiVersion: '2010-04-01',
  };
  return {
    url: sms.webhookUrl,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'TwilioProxy/1.1',
      'x-twilio-signature': getExpectedTwilioSignature(sms.authToken, sms.webhookUrl, params),
    },
    body: new URLSearchParams(params).toString(),
    messageSid,
  };
}
