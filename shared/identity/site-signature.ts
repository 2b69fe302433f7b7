import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { loadSecretText } from '../config/secret.js';
import { ValidationError } from '../errors.js';
import type { TrustedIdentity } from '../schemas/index.js';

/**
 * Site-signed identity (what Intercom and Zendesk call identity verification): a site that knows its
 * logged-in user passes, beside `email` or `phone`, the hex HMAC-SHA256 of the canonical value (email
 * trimmed and lower-cased, phone in E.164) under the deployment's identity secret. A valid signature
 * makes the identity verified; see docs/identity-trust.md for the server-side snippet.
 */

/** Environment variable holding the secret itself (local stack, tests). */
export const IDENTITY_SECRET_ENV = 'IDENTITY_SECRET';
/** Environment variable holding the ARN of the Secrets Manager secret (AWS). */
export const IDENTITY_SECRET_ARN_ENV = 'IDENTITY_SECRET_ARN';
/** HMAC-SHA256 keys shorter than the hash weaken it (RFC 2104 §3). */
export const MIN_IDENTITY_SECRET_BYTES = 32;

/** A signature as sites send it: 64 hex digits. */
export const SiteSignatureSchema = z
  .string()
  .check(z.regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (HMAC-SHA256)'));

/** The identity secret's bytes, refusing one too short to sign with. */
export function identitySecretFromText(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length < MIN_IDENTITY_SECRET_BYTES) {
    throw new Error(`the identity secret must be at least ${MIN_IDENTITY_SECRET_BYTES} bytes`);
  }
  return bytes;
}

/** Reads the identity secret from IDENTITY_SECRET or the Secrets Manager secret in IDENTITY_SECRET_ARN. */
export async function loadIdentitySecret(): Promise<Uint8Array> {
  return identitySecretFromText(await loadSecretText(IDENTITY_SECRET_ENV, IDENTITY_SECRET_ARN_ENV));
}

/** The signature a site computes for a canonical identity value: hex HMAC-SHA256. */
export function siteSignature(secret: Uint8Array, canonicalValue: string): string {
  return createHmac('sha256', secret).update(canonicalValue, 'utf8').digest('hex');
}

/** True when `signature` is the site's signature of `canonicalValue`; compared in constant time. */
export function isValidSiteSignature(secret: Uint8Array, canonicalValue: string, signature: string): boolean {
  const expected = Buffer.from(siteSignature(secret, canonicalValue), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Identities a site may sign, as a web form or chat session receives them (canonical already). */
export interface SignableIdentities {
  readonly email?: string | undefined;
  readonly emailSignature?: string | undefined;
  readonly phone?: string | undefined;
  readonly phoneSignature?: string | undefined;
}

/**
 * The given email and phone with their trust: `verified` when the site signed them, else `claimed`.
 * A signature without its value, or one that does not match, is a ValidationError naming the signature
 * field. The secret is loaded only when a signature is present.
 */
export async function signedIdentities(
  input: SignableIdentities,
  secret: () => Promise<Uint8Array>,
): Promise<TrustedIdentity[]> {
  const fields = [
    { kind: 'email', value: input.email, signature: input.emailSignature, field: 'emailSignature' },
    { kind: 'phone', value: input.phone, signature: input.phoneSignature, field: 'phoneSignature' },
  ] as const;
  const issues: { path: string; message: string }[] = [];
  const identities: TrustedIdentity[] = [];
  for (const { kind, value, signature, field } of fields) {
    if (signature !== undefined && value === undefined) {
      issues.push({ path: field, message: `signs the ${kind}, but no ${kind} was given` });
      continue;
    }
    if (value === undefined) continue;
    if (signature === undefined) {
      identities.push({ kind, value, trust: 'claimed' });
      continue;
    }
    if (!isValidSiteSignature(await secret(), value, signature)) {
      issues.push({ path: field, message: `does not match the ${kind}` });
      continue;
    }
    identities.push({ kind, value, trust: 'verified' });
  }
  if (issues.length > 0) throw new ValidationError('request failed validation', issues);
  return identities;
}
