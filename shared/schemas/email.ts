import * as z from 'zod/mini';
import { ChannelSchema, IdSchema, IsoTimestampSchema } from './common.js';

/**
 * An email Message-ID we sent, and the conversation it belongs to. A reply that names it in
 * In-Reply-To or References continues that conversation (see shared/channels/email/threading.ts).
 * `messageId` is in canonical form (`threadKeyOf`), without angle brackets.
 */
export const EmailThreadRefSchema = z.strictObject({
  messageId: z.string().check(z.minLength(3), z.maxLength(300)),
  conversationId: IdSchema,
  customerId: IdSchema,
  /** The outbound interaction that carried this Message-ID. */
  interactionId: IdSchema,
  createdAt: IsoTimestampSchema,
});
export type EmailThreadRef = z.infer<typeof EmailThreadRefSchema>;

/**
 * Why a message was held back instead of recorded: SES's verdicts (`spam`, `virus`, `dmarc`), no usable
 * sender address (`no-sender`), From naming several authors without a Sender to say which one sent it
 * (`ambiguous-sender`), or a message the MIME parser refuses, e.g. nested past its limits (`unparseable`).
 */
export const QuarantineReasonSchema = z.enum([
  'spam',
  'virus',
  'dmarc',
  'no-sender',
  'ambiguous-sender',
  'unparseable',
]);
export type QuarantineReason = z.infer<typeof QuarantineReasonSchema>;

/**
 * An inbound message held back: not on any timeline, not routed, not answered. The original stays in
 * object storage (`rawLocation`) for an operator's review; the record expires after a retention period.
 */
export const QuarantinedMessageSchema = z.strictObject({
  channel: ChannelSchema,
  providerMessageId: z.string().check(z.minLength(1), z.maxLength(512)),
  receivedAt: IsoTimestampSchema,
  reasons: z.array(QuarantineReasonSchema).check(z.minLength(1), z.maxLength(4)),
  /** The envelope sender (SMTP MAIL FROM) as the provider reported it; empty for a null sender. */
  envelopeSender: z.string().check(z.maxLength(320)),
  /** The From header as the provider reported it, unverified. */
  from: z.optional(z.string().check(z.maxLength(998))),
  subject: z.optional(z.string().check(z.maxLength(500))),
  recipients: z.array(z.string().check(z.maxLength(320))).check(z.maxLength(50)),
  /** Verdicts the provider gave (e.g. `spam: FAIL`), kept as reported. */
  verdicts: z.record(z.string().check(z.maxLength(20)), z.string().check(z.maxLength(50))),
  rawLocation: z.string().check(z.maxLength(2048)),
  quarantinedAt: IsoTimestampSchema,
});
export type QuarantinedMessage = z.infer<typeof QuarantinedMessageSchema>;
