import * as z from 'zod';
import { IdentityKindSchema, IdSchema, IsoTimestampSchema } from './common.js';

/**
 * An identity in canonical form: email lower-cased and trimmed, phone in E.164, visitor and external
 * ids as issued. Build one with `normalizeIdentity` (shared/ingest/identity.ts), never by hand.
 */
export const IdentityRefSchema = z.strictObject({
  kind: IdentityKindSchema,
  value: z.string().min(1).max(320),
});
export type IdentityRef = z.infer<typeof IdentityRefSchema>;

/** The stored identity: which customer owns it. */
export const IdentitySchema = IdentityRefSchema.extend({
  customerId: IdSchema,
  /** The owner's open conversation, so ingest threads a message with a single read. */
  conversationId: IdSchema.optional(),
  /** Set when the address cannot receive messages (hard bounce, complaint, carrier block). */
  undeliverable: z
    .strictObject({
      reason: z.enum(['bounce', 'complaint', 'carrier']),
      at: IsoTimestampSchema,
    })
    .optional(),
  createdAt: IsoTimestampSchema,
});
export type Identity = z.infer<typeof IdentitySchema>;
