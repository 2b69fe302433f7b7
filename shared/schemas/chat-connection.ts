import * as z from 'zod/mini';
import { IdSchema, IsoTimestampSchema } from './common.js';
import { TrustSchema } from './identity.js';

/** API Gateway WebSocket connection ids are short base64-like strings (e.g. `L0SM9cOFvHcCIhw=`). */
export const ConnectionIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9+/=_-]{1,128}$/, 'must be a connection id'));

/**
 * A live chat WebSocket connection: who is on the other end (from the visitor token checked at
 * `$connect`) and until when it may be used. Deleted on `$disconnect` or when a push finds it gone;
 * DynamoDB TTL removes the ones nobody deleted.
 */
export const ChatConnectionSchema = z.strictObject({
  connectionId: ConnectionIdSchema,
  visitorId: IdSchema,
  /** The email the visitor gave when the session was created, in canonical form. */
  email: z.optional(z.string().check(z.maxLength(254))),
  /** `verified` when the site signed the email (shared/identity/site-signature.ts); else a claim. */
  emailTrust: z.optional(TrustSchema),
  name: z.optional(z.string().check(z.maxLength(200))),
  connectedAt: IsoTimestampSchema,
  /** Epoch seconds: the connection's end of life (API Gateway closes a WebSocket after 2 hours). */
  expiresAt: z.number().check(z.int(), z.positive()),
});
export type ChatConnection = z.infer<typeof ChatConnectionSchema>;
