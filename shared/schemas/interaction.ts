import * as z from 'zod/mini';
import { ChannelSchema, IdSchema, IsoTimestampSchema, RoutingModeSchema } from './common.js';
import { TrustedIdentitySchema } from './identity.js';

export const DirectionSchema = z.enum(['inbound', 'outbound']);
export type Direction = z.infer<typeof DirectionSchema>;

/** Metadata of an attachment; the content stays in object storage. */
export const AttachmentSchema = z.strictObject({
  filename: z.optional(z.string().check(z.maxLength(255))),
  contentType: z.string().check(z.maxLength(255)),
  size: z.number().check(z.int(), z.nonnegative()),
  /** Where the content is stored (e.g. `s3://bucket/key`) or fetched from (an MMS media URL). */
  location: z.optional(z.string().check(z.maxLength(2048))),
});
export type Attachment = z.infer<typeof AttachmentSchema>;

/** Where an outbound message is: handed to us, to the provider, to the customer, or failed. */
export const DeliveryStatusSchema = z.enum(['queued', 'sent', 'delivered', 'failed']);
export type DeliveryStatus = z.infer<typeof DeliveryStatusSchema>;

export const MAX_BODY_CHARS = 32_768;

/** One message on the timeline, in or out, of any channel. */
export const InteractionSchema = z.strictObject({
  interactionId: IdSchema,
  customerId: IdSchema,
  conversationId: IdSchema,
  direction: DirectionSchema,
  channel: ChannelSchema,
  /**
   * The identities the message came from (inbound) or went to (outbound), with their trust as recorded
   * for this message.
   */
  identities: z.array(TrustedIdentitySchema).check(z.minLength(1), z.maxLength(5)),
  /**
   * Inbound: customers that own an identity this message only claimed. Never merged automatically; a
   * supervisor may confirm one with `POST /v1/customers/{id}/merge`. Staff-only, never shown to the sender.
   */
  possibleMatches: z.optional(z.array(IdSchema).check(z.maxLength(5))),
  subject: z.optional(z.string().check(z.maxLength(500))),
  body: z.string().check(z.maxLength(MAX_BODY_CHARS)),
  attachments: z.array(AttachmentSchema).check(z.maxLength(50)),
  /** The provider's id for this message (SES message id, Twilio MessageSid, form submission id...). */
  providerMessageId: z.string().check(z.minLength(1), z.maxLength(512)),
  /** Further provider references (e.g. email Message-ID header, form id). */
  providerRefs: z.record(z.string().check(z.maxLength(100)), z.string().check(z.maxLength(2048))),
  occurredAt: IsoTimestampSchema,
  recordedAt: IsoTimestampSchema,
  /** Outbound delivery state. */
  deliveryStatus: z.optional(DeliveryStatusSchema),
  /** Outbound: the staff member (JWT subject) or automation that wrote it. */
  authorId: z.optional(z.string().check(z.maxLength(200))),
  /** Inbound: `record-only` when the message was recorded but not routed (an auto-reply); absent otherwise. */
  routing: z.optional(RoutingModeSchema),
});
export type Interaction = z.infer<typeof InteractionSchema>;
