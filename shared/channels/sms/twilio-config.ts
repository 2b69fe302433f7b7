import * as z from 'zod/mini';
import { optionalEnv, requireEnv } from '../../config/env.js';
import { lazily, readSecretString } from '../../config/secret.js';
import type { TwilioSenderConfig } from './twilio-sender.js';

/** Fetches a secret's string value (Secrets Manager on AWS). */
export type SecretReader = (secretId: string) => Promise<unknown>;

const AuthTokenSchema = z.string().check(z.trim(), z.minLength(1), z.maxLength(256));

/** Default reader: GetSecretValue's SecretString (the client's endpoint from SDK configuration). */
const readSecretsManager: SecretReader = readSecretString;

/**
 * The Twilio auth token (webhook signatures, REST API), from one of two configuration sources:
 * - `TWILIO_AUTH_TOKEN`: the token itself (the local stack, tests);
 * - `TWILIO_AUTH_TOKEN_SECRET_ARN`: a Secrets Manager secret whose string value is the token (AWS).
 * Exactly one must be set; both or neither fail the cold start, so a deployment cannot silently use
 * a stale token from the environment. Call at module scope: the configuration (and an inline token) is
 * checked at once, without a top-level await; the secret is read on the first request that needs the
 * token and kept (a failed read is retried by the next request).
 */
export function twilioAuthTokenReader(readSecret: SecretReader = readSecretsManager): () => Promise<string> {
  const token = optionalEnv('TWILIO_AUTH_TOKEN');
  const secretArn = optionalEnv('TWILIO_AUTH_TOKEN_SECRET_ARN');
  if (token !== undefined && secretArn !== undefined) {
    throw new Error('Set TWILIO_AUTH_TOKEN or TWILIO_AUTH_TOKEN_SECRET_ARN, not both');
  }
  if (token !== undefined) {
    const inline = AuthTokenSchema.parse(token);
    return () => Promise.resolve(inline);
  }
  if (secretArn === undefined) {
    throw new Error(
      'Missing required environment variable TWILIO_AUTH_TOKEN or TWILIO_AUTH_TOKEN_SECRET_ARN',
    );
  }
  return lazily(async () => {
    const parsed = AuthTokenSchema.safeParse(await readSecret(secretArn));
    if (!parsed.success) throw new Error('The Twilio auth token secret holds no token string');
    return parsed.data;
  });
}

/** The Twilio auth token, read now (twilioAuthTokenReader's rules). */
export async function readTwilioAuthToken(readSecret: SecretReader = readSecretsManager): Promise<string> {
  return twilioAuthTokenReader(readSecret)();
}

const WebhookUrlSchema = z.url({ protocol: /^https?$/ }).check(z.maxLength(2048));

/**
 * The public URL Twilio calls (TWILIO_WEBHOOK_URL), exactly as configured in Twilio's console, query
 * string included: the signature covers it. Never rebuilt from the request's headers.
 */
export function readTwilioWebhookUrl(): string {
  const parsed = WebhookUrlSchema.safeParse(requireEnv('TWILIO_WEBHOOK_URL'));
  if (!parsed.success) throw new Error('TWILIO_WEBHOOK_URL must be an http(s) URL');
  return parsed.data;
}

const AccountSidSchema = z.string().check(z.regex(/^AC[0-9a-f]{32}$/));
const MessagingServiceSidSchema = z.string().check(z.regex(/^MG[0-9a-f]{32}$/));
const FromNumberSchema = z.string().check(z.regex(/^(?:\+[1-9]\d{6,14}|\d{3,8})$/));
const ApiBaseUrlSchema = z.url({ protocol: /^https?$/ });

/** Twilio's REST API base; TWILIO_API_BASE_URL overrides it like the AWS SDK endpoint variables. */
export const TWILIO_API_BASE_URL = 'https://api.twilio.com';
/** Time given to Twilio's API, well inside the 15 s Twilio waits for a webhook's answer. */
const TWILIO_TIMEOUT_MS = 5_000;

/** The sender's configuration apart from its credentials (withTwilioCredentials adds them). */
export type TwilioSenderSettings = Omit<TwilioSenderConfig, 'credentials'>;

/**
 * Sender configuration from the environment: TWILIO_ACCOUNT_SID, TWILIO_MESSAGING_SERVICE_SID or
 * TWILIO_FROM_NUMBER (at least one), TWILIO_API_BASE_URL (optional; the local stack's outbox). Throws at
 * cold start for a missing or malformed value; the auth token is added when it has been read.
 */
export function readTwilioSenderSettings(): TwilioSenderSettings {
  const accountSid = parseEnv('TWILIO_ACCOUNT_SID', AccountSidSchema, requireEnv('TWILIO_ACCOUNT_SID'));
  const serviceSid = optionalEnv('TWILIO_MESSAGING_SERVICE_SID');
  const from = optionalEnv('TWILIO_FROM_NUMBER');
  if (serviceSid === undefined && from === undefined) {
    throw new Error('Set TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER to send SMS through Twilio');
  }
  const baseUrl = optionalEnv('TWILIO_API_BASE_URL');
  return {
    accountSid,
    messagingServiceSid:
      serviceSid === undefined
        ? undefined
        : parseEnv('TWILIO_MESSAGING_SERVICE_SID', MessagingServiceSidSchema, serviceSid),
    from: from === undefined ? undefined : parseEnv('TWILIO_FROM_NUMBER', FromNumberSchema, from),
    apiBaseUrl:
      baseUrl === undefined
        ? TWILIO_API_BASE_URL
        : parseEnv('TWILIO_API_BASE_URL', ApiBaseUrlSchema, baseUrl),
    timeoutMs: TWILIO_TIMEOUT_MS,
  };
}

/** The settings with HTTP basic credentials: the account SID and the auth token. */
export function withTwilioCredentials(settings: TwilioSenderSettings, authToken: string): TwilioSenderConfig {
  return { ...settings, credentials: { username: settings.accountSid, password: authToken } };
}

function parseEnv<S extends z.ZodMiniType<string>>(name: string, schema: S, value: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`Environment variable ${name} is malformed`);
  return parsed.data;
}
