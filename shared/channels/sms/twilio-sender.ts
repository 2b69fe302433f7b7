import * as z from 'zod/mini';
import { DeliveryError } from '../../errors.js';
import type { ChannelSender, DeliveryReceipt, OutboundEnvelope } from '../../outbound/sender.js';
import { SmsProviderError } from './errors.js';
import { replyOrigin } from './reply-origin.js';

/** How to reach Twilio's Messages API. */
export interface TwilioSenderConfig {
  /** The account the messages are sent on (`AC…`); part of the API path. */
  readonly accountSid: string;
  /** HTTP basic credentials: the account SID and auth token, or an API key SID and secret. */
  readonly credentials: { readonly username: string; readonly password: string };
  /** Send through a Messaging Service (Twilio picks the sender); wins over `from`. */
  readonly messagingServiceSid?: string | undefined;
  /** Our number to send from when the message answers none received on a Twilio number. */
  readonly from?: string | undefined;
  /** `https://api.twilio.com`, or the local stack's stand-in that accepts the same requests. */
  readonly apiBaseUrl: string;
  readonly timeoutMs: number;
}

/** Twilio's answer to a created message; Twilio adds fields over time. */
const TwilioMessageSchema = z.looseObject({
  sid: z.string().check(z.minLength(1), z.maxLength(64)),
  status: z.string().check(z.maxLength(40)),
});

/** Twilio's error body (https://www.twilio.com/docs/api/errors). */
const TwilioErrorSchema = z.looseObject({ code: z.number().check(z.int()) });

/**
 * The SMS sender over Twilio's REST API (`POST /2010-04-01/Accounts/{sid}/Messages.json`, form
 * encoded, basic auth), with global fetch and a timeout. A refusal becomes SmsProviderError with
 * Twilio's error code; Twilio's error text is not kept, as it can quote the number.
 */
export function twilioSender(config: TwilioSenderConfig): ChannelSender {
  const url = `${config.apiBaseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${config.credentials.username}:${config.credentials.password}`).toString('base64')}`;

  return {
    channel: 'sms',
    async send(envelope: OutboundEnvelope): Promise<DeliveryReceipt> {
      if (envelope.to.kind !== 'phone') throw new DeliveryError('an SMS goes to a phone number');
      const form = new URLSearchParams({ To: envelope.to.value, Body: envelope.body });
      const from = replyOrigin(envelope, 'twilio') ?? config.from;
      if (config.messagingServiceSid) form.set('MessagingServiceSid', config.messagingServiceSid);
      else if (from) form.set('From', from);
      else throw new DeliveryError('no Twilio number or messaging service to send from');

      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            authorization,
            accept: 'application/json',
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: form,
          signal: AbortSignal.timeout(config.timeoutMs),
        });
      } catch (error) {
        const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
        throw new SmsProviderError(
          'twilio',
          undefined,
          timedOut ? 'Twilio did not answer in time' : 'Twilio could not be reached',
          { cause: error },
        );
      }
      const answer: unknown = await response.json().catch(() => undefined);
      if (!response.ok) {
        const refusal = TwilioErrorSchema.safeParse(answer);
        const code = refusal.success ? String(refusal.data.code) : undefined;
        throw new SmsProviderError(
          'twilio',
          code,
          `Twilio refused the message (HTTP ${response.status}${code ? `, error ${code}` : ''})`,
        );
      }
      const created = TwilioMessageSchema.safeParse(answer);
      if (!created.success)
        throw new SmsProviderError('twilio', undefined, 'Twilio answered with an unexpected body');
      // Twilio's own states (queued, accepted, sending...) all mean it took the message.
      return { providerMessageId: created.data.sid, status: 'sent', providerRefs: { provider: 'twilio' } };
    },
  };
}
