import * as z from 'zod';
import { ChannelSchema, IsoTimestampSchema, RoutingModeSchema } from './common.js';
import { IdentityRefSchema } from './identity.js';
import { AttachmentSchema, MAX_BODY_CHARS } from './interaction.js';

/**
 * The canonical inbound message every channel adapter produces and ingest consumes. Identities are
 * already normalized (see shared/ingest/identity.ts).
 */
export const InboundMessageSchema = z.strictObject({
  channel: ChannelSchema,
  /** Idempotency key, unique per channel: a retried delivery carries the same id. */
  providerMessageId: z.string().min(1).max(512),
  receivedAt: IsoTimestampSchema,
  /** Who wrote, strongest first; one customer owns all of them after ingest. */
  identities: z.array(IdentityRefSchema).min(1).max(5),
  name: z.string().max(200).optional(),
  subject: z.string().max(500).optional(),
  body: z.string().max(MAX_BODY_CHARS),
  attachments: z.array(AttachmentSchema).max(50).default([]),
  providerRefs: z.record(z.string().max(100), z.string().max(2048)).default({}),
  /** Absent means `route`. A `record-only` message never opens a conversation in a work queue. */
  routing: RoutingModeSchema.optional(),
});
export type InboundMessage = z.infer<typeof InboundMessageSchema>;
export type InboundMessageInput = z.input<typeof InboundMessageSchema>;
