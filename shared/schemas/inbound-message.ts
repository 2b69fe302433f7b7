import * as z from 'zod/mini';
import { ChannelSchema, IsoTimestampSchema, RoutingModeSchema } from './common.js';
import { TrustedIdentitySchema } from './identity.js';
import { AttachmentSchema, MAX_BODY_CHARS } from './interaction.js';

/**
 * The canonical inbound message every channel adapter produces and ingest consumes. Identities are
 * already normalized (see shared/ingest/identity.ts).
 */
export const InboundMessageSchema = z.strictObject({
  channel: ChannelSchema,
  /** Idempotency key, unique per channel: a retried delivery carries the same id. */
  providerMessageId: z.string().check(z.minLength(1), z.maxLength(512)),
  receivedAt: IsoTimestampSchema,
  /**
   * Who wrote, strongest first, each with its trust: verified identities resolve, create and merge
   * customers; claimed ones never reach another customer (see shared/ingest/ingest.ts).
   */
  identities: z.array(TrustedIdentitySchema).check(z.minLength(1), z.maxLength(5)),
  name: z.optional(z.string().check(z.maxLength(200))),
  subject: z.optional(z.string().check(z.maxLength(500))),
  body: z.string().check(z.maxLength(MAX_BODY_CHARS)),
  attachments: z._default(z.array(AttachmentSchema).check(z.maxLength(50)), []),
  providerRefs: z._default(
    z.record(z.string().check(z.maxLength(100)), z.string().check(z.maxLength(2048))),
    {},
  ),
  /** Absent means `route`. A `record-only` message never opens a conversation in a work queue. */
  routing: z.optional(RoutingModeSchema),
});
export type InboundMessage = z.infer<typeof InboundMessageSchema>;
export type InboundMessageInput = z.input<typeof InboundMessageSchema>;
