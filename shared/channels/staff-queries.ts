import type { CountryCode } from 'libphonenumber-js';
import * as z from 'zod';
import { InvalidIdentityError, normalizeEmail, normalizePhone } from '../ingest/identity.js';
import { type IdentityRef, IdSchema } from '../schemas/index.js';

function normalized(kind: 'email' | 'phone', normalize: (raw: string) => string) {
  return (raw: string, context: z.RefinementCtx): IdentityRef => {
    try {
      return { kind, value: normalize(raw) };
    } catch (error) {
      if (!(error instanceof InvalidIdentityError)) throw error;
      context.addIssue({ code: 'custom', message: error.message });
      return z.NEVER;
    }
  };
}

/** `GET /v1/customers?email=` or `?phone=`: exactly one identity to look up, normalized. */
export function customerLookupQuerySchema(defaultCountry?: CountryCode) {
  return z
    .strictObject({
      email: z.string().max(254).transform(normalized('email', normalizeEmail)).optional(),
      phone: z
        .string()
        .max(32)
        .transform(normalized('phone', (raw) => normalizePhone(raw, defaultCountry)))
        .optional(),
    })
    .transform((query, context) => {
      const identities = [query.email, query.phone].filter((identity) => identity !== undefined);
      const [identity] = identities;
      if (identities.length !== 1 || !identity) {
        context.addIssue({ code: 'custom', path: ['email'], message: 'give exactly one of email or phone' });
        return z.NEVER;
      }
      return identity;
    });
}

/** Path parameters naming one customer. */
export const CustomerPathSchema = z.strictObject({ id: IdSchema });

/** Path parameters naming one conversation. */
export const ConversationPathSchema = z.strictObject({ id: IdSchema });

/** `GET /v1/customers/{id}/timeline` query. */
export const TimelineQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().min(1).max(1024).optional(),
});
