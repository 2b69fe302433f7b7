import type { CountryCode } from 'libphonenumber-js';
import * as z from 'zod/mini';
import { CarebridgeError } from '../errors.js';
import { toE164 } from '../phone/phone-number.js';
import {
  type IdentityKind,
  type IdentityRef,
  identityString,
  type TrustedIdentity,
} from '../schemas/index.js';

const EmailSchema = z.email().check(z.maxLength(254));

/** Raised when an identity cannot be put in canonical form; `field` names the input it came from. */
export class InvalidIdentityError extends CarebridgeError {
  override name = 'InvalidIdentityError';
}

/** Canonical email: trimmed, lower-cased, syntactically valid. */
export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (!EmailSchema.safeParse(email).success) throw new InvalidIdentityError('not a valid email address');
  return email;
}

/**
 * Canonical phone number in E.164. Numbers without a country prefix are read in `defaultCountry`
 * (a deployment setting); a number that is not valid for its country is rejected.
 */
export function normalizePhone(raw: string, defaultCountry?: CountryCode): string {
  const e164 = toE164(raw.trim(), defaultCountry);
  if (e164 === undefined) throw new InvalidIdentityError('not a valid phone number');
  return e164;
}

/** Builds a canonical identity of any kind. */
export function normalizeIdentity(
  kind: IdentityKind,
  raw: string,
  defaultCountry?: CountryCode,
): IdentityRef {
  switch (kind) {
    case 'email':
      return { kind, value: normalizeEmail(raw) };
    case 'phone':
      return { kind, value: normalizePhone(raw, defaultCountry) };
    case 'visitor':
    case 'external': {
      const value = raw.trim();
      if (value.length === 0 || value.length > 320) throw new InvalidIdentityError(`not a valid ${kind} id`);
      return { kind, value };
    }
  }
}

/** Removes repeated identities, keeping the first occurrence's position. */
export function uniqueIdentities<T extends IdentityRef>(identities: readonly T[]): T[] {
  const seen = new Set<string>();
  return identities.filter((identity) => {
    const key = identityString(identity);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Removes repeated identities, keeping the first occurrence's position; an identity given both as a
 * claim and verified counts as verified (the proof covers the claim).
 */
export function uniqueTrustedIdentities(identities: readonly TrustedIdentity[]): TrustedIdentity[] {
  const verified = new Set(
    identities.filter((identity) => identity.trust === 'verified').map(identityString),
  );
  return uniqueIdentities(identities).map((identity) =>
    verified.has(identityString(identity)) ? { ...identity, trust: 'verified' as const } : identity,
  );
}
