import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { optionalEnv } from './env.js';

/**
 * A secret's text from exactly one of two configuration sources: `inlineEnv` (the value itself: the
 * local stack, tests) or `arnEnv` (the ARN of a Secrets Manager secret whose SecretString is the value,
 * read with GetSecretValue: AWS). Both set or neither set is an error naming the variables.
 */
export async function loadSecretText(inlineEnv: string, arnEnv: string): Promise<string> {
  const inline = optionalEnv(inlineEnv);
  const arn = optionalEnv(arnEnv);
  if (inline !== undefined && arn !== undefined) {
    throw new Error(`Set only one of ${inlineEnv} and ${arnEnv}`);
  }
  if (inline !== undefined) return inline;
  if (arn === undefined) throw new Error(`Missing required environment variable ${inlineEnv} or ${arnEnv}`);
  const client = new SecretsManagerClient({});
  try {
    const output = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (output.SecretString === undefined) throw new Error(`the secret in ${arnEnv} has no SecretString`);
    return output.SecretString;
  } finally {
    client.destroy();
  }
}

/**
 * Loads a value on first use and keeps it for the life of the execution environment; a failed load is
 * forgotten so the next call tries again. For secrets only some requests need (nothing at cold start).
 */
export function lazily<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
