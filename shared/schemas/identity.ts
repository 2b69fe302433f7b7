import * as z from 'zod/mini';
import { IdentityKindSchema, IdSchema, IsoTimestampSchema } from './common.js';

/**
 * An identity in canonical form: email lower-cased and trimmed, phone in E.164, visitor and external
 * ids as issued. Build one with `normalizeIdentity` (shared/ingest/identity.ts), never by hand.
 */
export const IdentityRefSchema = z.strictObject({
  kind: IdentityKindSchema,
  value: z.string().check(z.minLength(1), z.maxLength(320)),
});
export type IdentityRef = z.infer<typeof IdentityRefSchema>;

/** The stored identity: which customer owns it. */
export const IdentitySchema = z.extend(IdentityRefSchema, {
  customerId: IdSchema,
  /** The owner's open conversation, so ingest threads a message with a single read. */
  conversationId: z.optional(IdSchema),
  /** Set when the address cannot receive messages (hard bounce, complaint, carrier block). */
  undeliverable: z.optional(
    z.strictObject({
      reason: z.enum(['bounce', 'complaint', 'carrier']),
      at: IsoTimestampSchema,
    }),
  ),
  createdAt: IsoTimestampSchema,
});
export type Identity = z.infer<typeof IdentitySchema>;
