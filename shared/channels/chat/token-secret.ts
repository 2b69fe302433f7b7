import { loadSecretText, secretReader } from '../../config/secret.js';
import type { VisitorTokenKey } from './visitor-token.js';

/** HS256 needs a key at least as long as its hash (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32;

/** Environment variable holding the key itself (local stack, tests). */
export const TOKEN_SECRET_ENV = 'CHAT_TOKEN_SECRET';
/** Environment variable holding the ARN of a Secrets Manager secret whose SecretString is the key (AWS). */
export const TOKEN_SECRET_ARN_ENV = 'CHAT_TOKEN_SECRET_ARN';

/** Builds the signing key from the secret's text (its UTF-8 bytes), refusing a key too short for HS256. */
export function tokenKeyFromText(secret: string): VisitorTokenKey {
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new Error(`the chat token secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  return { secret: bytes };
}

/**
 * The visitor-token key, read once per cold start from exactly one of two configuration sources:
 * `CHAT_TOKEN_SECRET` (the key itself) or `CHAT_TOKEN_SECRET_ARN` (a Secrets Manager secret, read with
 * GetSecretValue). Both set, neither set, or a key under 32 bytes fails the cold start.
 */
export async function loadTokenKey(): Promise<VisitorTokenKey> {
  return tokenKeyFromText(await loadSecretText(TOKEN_SECRET_ENV, TOKEN_SECRET_ARN_ENV));
}

/**
 * The visitor-token key for a handler, without a top-level await (shared/config/secret.ts's
 * secretReader): both or neither variable, or a CHAT_TOKEN_SECRET under 32 bytes, fails the cold start;
 * a Secrets Manager secret is read on the first request and kept.
 */
export function tokenKeyReader(): () => Promise<VisitorTokenKey> {
  return secretReader(TOKEN_SECRET_ENV, TOKEN_SECRET_ARN_ENV, tokenKeyFromText);
}
