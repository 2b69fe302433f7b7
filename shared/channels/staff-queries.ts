import type { CountryCode } from 'libphonenumber-js';
import * as z from 'zod/mini';
import { InvalidIdentityError, normalizeEmail, normalizePhone } from '../ingest/identity.js';
import { type IdentityRef, IdSchema } from '../schemas/index.js';

function normalized(kind: 'email' | 'phone', normalize: (raw: string) => string) {
  return (raw: string, payload: z.core.ParsePayload): IdentityRef => {
    try {
      return { kind, value: normalize(raw) };
    } catch (error) {
      if (!(error instanceof InvalidIdentityError)) throw error;
      payload.issues.push({ code: 'custom', message: error.message, input: raw });
      return z.NEVER;
    }
  };
}

/** `GET /v1/customers?email=` or `?phone=`: exactly one identity to look up, normalized. */
export function customerLookupQuerySchema(defaultCountry?: CountryCode) {
  const querySchema = z.strictObject({
    email: z.optional(
      z.pipe(z.string().check(z.maxLength(254)), z.transform(normalized('email', normalizeEmail))),
    ),
    phone: z.optional(
      z.pipe(
        z.string().check(z.maxLength(32)),
        z.transform(normalized('phone', (raw) => normalizePhone(raw, defaultCountry))),
      ),
    ),
  });
  return z.pipe(
    querySchema,
    z.transform((query: z.output<typeof querySchema>, payload) => {
      const identities = [query.email, query.phone].filter((identity) => identity !== undefined);
      const [identity] = identities;
      if (identities.length !== 1 || !identity) {
        payload.issues.push({
          code: 'custom',
          path: ['email'],
          message: 'give exactly one of email or phone',
          input: query,
        });
        return z.NEVER;
      }
      return identity;
    }),
  );
}

/** Path parameters naming one customer. */
export const CustomerPathSchema = z.strictObject({ id: IdSchema });

/** Path parameters naming one conversation. */
export const ConversationPathSchema = z.strictObject({ id: IdSchema });

export { TimelineQuerySchema } from './timeline-query.js';
