import * as z from 'zod/mini';
import { SiteSignatureSchema } from '../../identity/site-signature.js';
import { InvalidIdentityError, normalizeEmail } from '../../ingest/identity.js';
import { IdSchema } from '../../schemas/index.js';
import { singleLineField } from '../../text/fields.js';

/**
 * Request schemas of the chat HTTP routes (starting a session, reading its messages), apart from the
 * WebSocket frames of ./protocol.ts, which re-exports them: only the functions of these routes build
 * them at cold start. Our own API: strict objects, every field bounded.
 */

/** Largest `POST /v1/chat/sessions` body, in bytes. */
export const CHAT_SESSION_BODY_MAX_BYTES = 4 * 1024;

const EmailInputSchema = z.pipe(
  z.string().check(z.maxLength(254)),
  z.transform((raw: string, payload) => {
    try {
      return normalizeEmail(raw);
    } catch (error) {
      if (!(error instanceof InvalidIdentityError)) throw error;
      payload.issues.push({ code: 'custom', message: error.message, input: raw });
      return z.NEVER;
    }
  }),
);

/**
 * `POST /v1/chat/sessions`: who the visitor says they are, all optional. `emailSignature` is the site's
 * HMAC of the email (shared/identity/site-signature.ts): with it the email is verified, else a claim.
 */
export const CreateChatSessionSchema = z.strictObject({
  email: z.optional(EmailInputSchema),
  emailSignature: z.optional(SiteSignatureSchema),
  name: z.optional(z.pipe(singleLineField(200), z.string().check(z.minLength(1)))),
});
export type CreateChatSession = z.infer<typeof CreateChatSessionSchema>;

/** `GET /v1/chat/sessions/{id}/messages` query: only messages created after this interaction id. */
export const ChatHistoryQuerySchema = z.strictObject({ after: z.optional(IdSchema) });
