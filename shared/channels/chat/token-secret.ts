import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { optionalEnv } from '../../config/env.js';
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
  const inline = optionalEnv(TOKEN_SECRET_ENV);
  const arn = optionalEnv(TOKEN_SECRET_ARN_ENV);
  if (inline !== undefined && arn !== undefined) {
    throw new Error(`Set only one of ${TOKEN_SECRET_ENV} and ${TOKEN_SECRET_ARN_ENV}`);
  }
  if (inline !== undefined) return tokenKeyFromText(inline);
  if (arn === undefined)
    throw new Error(`Missing required environment variable ${TOKEN_SECRET_ENV} or ${TOKEN_SECRET_ARN_ENV}`);
  const client = new SecretsManagerClient({});
  try {
    const output = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (output.SecretString === undefined) throw new Error('the chat token secret has no SecretString');
    return tokenKeyFromText(output.SecretString);
  } finally {
    client.destroy();
  }
}
