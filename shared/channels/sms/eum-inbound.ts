import type { CountryCode } from 'libphonenumber-js';
import * as z from 'zod/mini';
import { ValidationError } from '../../errors.js';
import type { InboundMessage } from '../../schemas/index.js';
import { messageBody, replaceLoneSurrogates } from '../../text/sanitize.js';
import { customerPhoneSchema, OurNumberSchema, SMS_BODY_MAX_CHARS } from './phone-fields.js';

/** One SNS record as Lambda receives it; SNS adds fields over time, so unknown ones pass. */
export const SnsRecordSchema = z.looseObject({
  EventSource: z.literal('aws:sns'),
  Sns: z.looseObject({
    MessageId: z.string().check(z.minLength(1), z.maxLength(100)),
    TopicArn: z.string().check(z.maxLength(256)),
    Timestamp: z.iso.datetime(),
    Message: z.string().check(z.maxLength(256 * 1024)),
  }),
});
export type SnsRecord = z.infer<typeof SnsRecordSchema>;

/** The SNS event of a topic subscription: SNS invokes Lambda with one record per message. */
export const SnsEventSchema = z.looseObject({
  Records: z.array(SnsRecordSchema).check(z.minLength(1), z.maxLength(10)),
});

/**
 * An AWS End User Messaging SMS two-way message (the JSON of the SNS message). Unknown fields pass.
 * `messageKeyword` is the keyword registered on the number that the message matched, if any.
 */
export function eumInboundMessageSchema(defaultCountry?: CountryCode) {
  return z.looseObject({
    originationNumber: customerPhoneSchema(defaultCountry),
    destinationNumber: OurNumberSchema,
    messageKeyword: z.optional(z.string().check(z.maxLength(100))),
    messageBody: z.string().check(z.maxLength(SMS_BODY_MAX_CHARS)),
    inboundMessageId: z.string().check(z.minLength(1), z.maxLength(100)),
    previousPublishedMessageId: z.optional(z.string().check(z.maxLength(200))),
  });
}
export type EumInboundMessage = z.infer<ReturnType<typeof eumInboundMessageSchema>>;

/** Reads the JSON an SNS record carries; malformed JSON is a ValidationError like a bad field. */
export function snsMessageJson(record: SnsRecord): unknown {
  try {
    return JSON.parse(record.Sns.Message);
  } catch (error) {
    throw new ValidationError(
      'SNS message is not JSON',
      [{ path: 'Sns.Message', message: 'malformed JSON' }],
      {
        cause: error,
      },
    );
  }
}

/**
 * Maps a two-way message to the canonical message. inboundMessageId is the idempotency key; the SNS
 * publish time is the receive time, since the message itself carries none (and inbound order is not
 * guaranteed, so later steps compare these times rather than arrival order). The body is recorded as
 * received but cleaned (`messageBody`; unpaired surrogates replaced, not refused).
 */
export function eumToInbound(message: EumInboundMessage, receivedAt: string): InboundMessage {
  return {
    channel: 'sms',
    providerMessageId: message.inboundMessageId,
    receivedAt: new Date(receivedAt).toISOString(),
    // Published by End User Messaging to our topic: the carrier's sender number, not a claim.
    identities: [{ kind: 'phone', value: message.originationNumber, trust: 'verified' }],
    body: messageBody(replaceLoneSurrogates(message.messageBody)),
    attachments: [],
    providerRefs: {
      provider: 'eum',
      to: message.destinationNumber,
      ...(message.messageKeyword ? { messageKeyword: message.messageKeyword } : {}),
      ...(message.previousPublishedMessageId
        ? { previousPublishedMessageId: message.previousPublishedMessageId }
        : {}),
    },
  };
}
