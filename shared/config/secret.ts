import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { optionalEnv } from './env.js';

/**
 * A secret's text from exactly one of two configuration sources: `inlineEnv` (the value itself: the
 * local stack, tests) or `arnEnv` (the ARN of a Secrets Manager secret whose SecretString is the value,
 * read with GetSecretValue: AWS). Both set or neither set is an error naming the variables.
 */
export async function loadSecretText(inlineEnv: string, arnEnv: string): Promise<string> {
  return secretReader(inlineEnv, arnEnv, (text) => text)();
}

/**
 * A secret for a function that needs it, without a top-level await: the configuration is checked at
 * once (call at module scope, so both or neither variable fails the cold start, as loadSecretText
 * says), an inline value is turned into `T` at once (a malformed one fails the cold start too), and a
 * Secrets Manager secret is read on first use and kept (lazily), so the read is off the cold start and
 * never made by an invocation that does not need it. A failed read throws from the call and is retried
 * by the next one.
 */
export function secretReader<T>(
  inlineEnv: string,
  arnEnv: string,
  parse: (text: string) => T,
): () => Promise<T> {
  const inline = optionalEnv(inlineEnv);
  const arn = optionalEnv(arnEnv);
  if (inline !== undefined && arn !== undefined) {
    throw new Error(`Set only one of ${inlineEnv} and ${arnEnv}`);
  }
  if (inline !== undefined) {
    const value = parse(inline);
    return () => Promise.resolve(value);
  }
  if (arn === undefined) throw new Error(`Missing required environment variable ${inlineEnv} or ${arnEnv}`);
  return lazily(async () => {
    const text = await readSecretString(arn);
    if (text === undefined) throw new Error(`the secret in ${arnEnv} has no SecretString`);
    return parse(text);
  });
}

/**
 * The SecretString of a Secrets Manager secret (GetSecretValue; the endpoint from the SDK's standard
 * configuration), undefined for a binary secret. The client lives for this one read: secrets are read
 * once per execution environment.
 */
export async function readSecretString(secretId: string): Promise<string | undefined> {
  const client = new SecretsManagerClient({});
  try {
    const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
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
