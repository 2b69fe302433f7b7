import type { CountryCode } from 'libphonenumber-js';
import * as z from 'zod/mini';
import type { Attachment, InboundMessage } from '../../schemas/index.js';
import { messageBody, replaceLoneSurrogates } from '../../text/sanitize.js';
import { customerPhoneSchema, OurNumberSchema, SMS_BODY_MAX_CHARS } from './phone-fields.js';

/** Largest accepted webhook body, in bytes: a 1600-character message percent-encoded plus ten media. */
export const TWILIO_WEBHOOK_MAX_BYTES = 16 * 1024;

/** Twilio delivers at most ten media items with one MMS. */
export const TWILIO_MAX_MEDIA = 10;

/** Form parameters: a name given once maps to its value, a repeated name to every value in order. */
export type FormParams = Readonly<Record<string, string | readonly string[]>>;

/**
 * Parses an `application/x-www-form-urlencoded` body (`+` is a space, percent-escapes decoded).
 * Repeated names keep every value, as Twilio's signature covers them all.
 */
export function parseFormBody(body: string): FormParams {
  const values = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(body)) {
    const seen = values.get(name);
    if (seen) seen.push(value);
    else values.set(name, [value]);
  }
  // Object.fromEntries defines own properties, so a `__proto__` parameter is data, not a prototype.
  return Object.fromEntries(
    [...values].map(([name, list]): [string, string | string[]] => [
      name,
      list.length === 1 ? (list[0] ?? '') : list,
    ]),
  );
}

const sid = (prefix: string, what: string) =>
  z.string().check(z.regex(new RegExp(`^${prefix}[0-9a-f]{32}$`), `must be a Twilio ${what} SID`));

const MediaUrlSchema = z.url({ protocol: /^https?$/ }).check(z.maxLength(2048));
const MediaContentTypeSchema = z.string().check(z.minLength(1), z.maxLength(255));

/**
 * The parameters of Twilio's incoming-message webhook. Twilio adds parameters over time (FromCity,
 * NumSegments, ...): unknown ones pass. Media arrive as `MediaUrl<n>` / `MediaContentType<n>` for
 * n below `NumMedia`; they are gathered into `media`.
 */
export function twilioWebhookParamsSchema(defaultCountry?: CountryCode) {
  const paramsSchema = z.looseObject({
    MessageSid: sid('(?:SM|MM)', 'message'),
    AccountSid: sid('AC', 'account'),
    MessagingServiceSid: z.optional(sid('MG', 'messaging service')),
    From: customerPhoneSchema(defaultCountry),
    To: OurNumberSchema,
    Body: z._default(z.string().check(z.maxLength(SMS_BODY_MAX_CHARS)), ''),
    NumMedia: z.optional(
      z.pipe(
        z.pipe(z.string().check(z.regex(/^\d{1,2}$/, 'must be a number')), z.transform(Number)),
        z.number().check(z.maximum(TWILIO_MAX_MEDIA)),
      ),
    ),
    /** Present when Twilio Advanced Opt-Out matched a keyword (and answered it). */
    OptOutType: z.optional(z.string().check(z.maxLength(20))),
  });
  return z.pipe(
    paramsSchema,
    z.transform((params: z.output<typeof paramsSchema>, payload) => {
      const media: { url: string; contentType: string }[] = [];
      for (let index = 0; index < (params.NumMedia ?? 0); index++) {
        const url = MediaUrlSchema.safeParse(params[`MediaUrl${index}`]);
        const contentType = MediaContentTypeSchema.safeParse(params[`MediaContentType${index}`]);
        if (!url.success) {
          payload.issues.push({
            code: 'custom',
            path: [`MediaUrl${index}`],
            message: 'must be a media URL',
            input: params,
          });
        }
        if (!contentType.success) {
          payload.issues.push({
            code: 'custom',
            path: [`MediaContentType${index}`],
            message: 'must be a content type',
            input: params,
          });
        }
        if (url.success && contentType.success) media.push({ url: url.data, contentType: contentType.data });
      }
      return {
        messageSid: params.MessageSid,
        accountSid: params.AccountSid,
        messagingServiceSid: params.MessagingServiceSid,
        from: params.From,
        to: params.To,
        body: params.Body,
        media,
        optOutType: params.OptOutType,
      };
    }),
  );
}
export type TwilioWebhookParams = z.infer<ReturnType<typeof twilioWebhookParamsSchema>>;

/**
 * Maps Twilio's webhook to the canonical message. MessageSid is the idempotency key; MMS media are
 * recorded by URL (their size is unknown until fetched, hence 0). The body is recorded as received but
 * cleaned (`messageBody`; unpaired surrogates replaced, not refused).
 */
export function twilioToInbound(params: TwilioWebhookParams, receivedAt: string): InboundMessage {
  const attachments: Attachment[] = params.media.map((item) => ({
    contentType: item.contentType,
    size: 0,
    location: item.url,
  }));
  return {
    channel: 'sms',
    providerMessageId: params.messageSid,
    receivedAt,
    // The request signature proves Twilio sent it, and Twilio vouches for the sender's number.
    identities: [{ kind: 'phone', value: params.from, trust: 'verified' }],
    body: messageBody(replaceLoneSurrogates(params.body)),
    attachments,
    providerRefs: {
      provider: 'twilio',
      to: params.to,
      accountSid: params.accountSid,
      ...(params.messagingServiceSid ? { messagingServiceSid: params.messagingServiceSid } : {}),
      ...(params.optOutType ? { optOutType: params.optOutType } : {}),
    },
  };
}
