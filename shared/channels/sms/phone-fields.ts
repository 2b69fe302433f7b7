import type { CountryCode } from 'libphonenumber-js';
import * as z from 'zod/mini';
import { InvalidIdentityError, normalizePhone } from '../../ingest/identity.js';

/** Longest text of one SMS conversation message the providers accept (Twilio and End User Messaging). */
export const SMS_BODY_MAX_CHARS = 1600;

/** The customer's number: any form libphonenumber reads, normalized to E.164; an issue on the field if not. */
export function customerPhoneSchema(defaultCountry?: CountryCode) {
  return z.pipe(
    z.string().check(z.maxLength(32)),
    z.transform((raw: string, payload) => {
      try {
        return normalizePhone(raw, defaultCountry);
      } catch (error) {
        if (!(error instanceof InvalidIdentityError)) throw error;
        payload.issues.push({ code: 'custom', message: error.message, input: raw });
        return z.NEVER;
      }
    }),
  );
}

/** One of our numbers as the provider names it: E.164, or a short code. */
export const OurNumberSchema = z
  .string()
  .check(z.regex(/^(?:\+[1-9]\d{6,14}|\d{3,8})$/, 'must be an E.164 number or a short code'));
