import type { CountryCode } from 'libphonenumber-js';
import * as z from 'zod';
import type { Attachment, InboundMessage } from '../../schemas/index.js';
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
  z.string().regex(new RegExp(`^${prefix}[0-9a-f]{32}$`), `must be a Twilio ${what} SID`);

const MediaUrlSchema = z.url({ protocol: /^https?$/ }).max(2048);
const MediaContentTypeSchema = z.string().min(1).max(255);

/**
 * The parameters of Twilio's incoming-message webhook. Twilio adds parameters over time (FromCity,
 * NumSegments, ...): unknown ones pass. Media arrive as `MediaUrl<n>` / `MediaContentType<n>` for
 * n below `NumMedia`; they are gathered into `media`.
 */
export function twilioWebhookParamsSchema(defaultCountry?: CountryCode) {
  return z
    .looseObject({
      MessageSid: sid('(?:SM|MM)', 'message'),
      AccountSid: sid('AC', 'account'),
      MessagingServiceSid: sid('MG', 'messaging service').optional(),
      From: customerPhoneSchema(defaultCountry),
      To: OurNumberSchema,
      Body: z.string().max(SMS_BODY_MAX_CHARS).default(''),
      NumMedia: z
        .string()
        .regex(/^\d{1,2}$/, 'must be a number')
        .transform(Number)
        .pipe(z.number().max(TWILIO_MAX_MEDIA))
        .optional(),
      /** Present when Twilio Advanced Opt-Out matched a keyword (and answered it). */
      OptOutType: z.string().max(20).optional(),
    })
    .transform((params, context) => {
      const media: { url: string; contentType: string }[] = [];
      for (let index = 0; index < (params.NumMedia ?? 0); index++) {
        const url = MediaUrlSchema.safeParse(params[`MediaUrl${index}`]);
        const contentType = MediaContentTypeSchema.safeParse(params[`MediaContentType${index}`]);
        if (!url.success)
          context.addIssue({ code: 'custom', path: [`MediaUrl${index}`], message: 'must be a media URL' });
        if (!contentType.success) {
          context.addIssue({
            code: 'custom',
            path: [`MediaContentType${index}`],
            message: 'must be a content type',
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
    });
}
export type TwilioWebhookParams = z.infer<ReturnType<typeof twilioWebhookParamsSchema>>;

/**
 * Maps Twilio's webhook to the canonical message. MessageSid is the idempotency key; MMS media are
 * recorded by URL (their size is unknown until fetched, hence 0).
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
    identities: [{ kind: 'phone', value: params.from }],
    body: params.body,
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
