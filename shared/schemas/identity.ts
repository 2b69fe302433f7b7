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

/** Stable string form of an identity (kind and value), for sets and maps. */
export function identityString(identity: IdentityRef): string {
  return `${identity.kind}#${identity.value}`;
}

/**
 * How far an identity is proven (docs/identity-trust.md):
 * - `verified`: the channel or someone we trust vouches that the writer controls it: a provider's signed
 *   webhook (SMS sender), an email whose From domain passes DMARC in SES's verdicts, a chat visitor id we
 *   issued, a web-form or chat claim signed by the site, a verification link clicked, staff;
 * - `claimed`: merely typed in (a web form, a chat session). A claim never merges customers, never
 *   joins an existing customer and never decides where replies about another customer go.
 */
export const TrustSchema = z.enum(['verified', 'claimed']);
export type Trust = z.infer<typeof TrustSchema>;

/** An identity a message carries, or a customer holds, with how far it is proven. */
export const TrustedIdentitySchema = z.extend(IdentityRefSchema, { trust: TrustSchema });
export type TrustedIdentity = z.infer<typeof TrustedIdentitySchema>;

/** The stored identity: which customer owns it, and on what proof. */
export const IdentitySchema = z.extend(IdentityRefSchema, {
  customerId: IdSchema,
  /**
   * `verified`: the owner proved it. `claimed`: the owner merely claimed it and nobody has proven it yet;
   * the first writer who proves it takes it over (the claimant keeps its history, not the identity).
   */
  trust: TrustSchema,
  /**
   * Only on a claimed identity of a customer created from claims alone: how many identities that
   * customer was created with. A message claiming exactly that set continues the customer; anything
   * else (another set, a moved or upgraded identity, which drops this mark) opens a customer of its own.
   */
  claimSetSize: z.optional(z.number().check(z.int(), z.positive(), z.maximum(5))),
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
