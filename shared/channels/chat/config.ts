import * as z from 'zod/mini';
import { optionalEnv, requireEnv } from '../../config/env.js';
import { fieldIssues } from '../../schemas/issues.js';

/**
 * Configuration of the chat channel, read once at cold start. Every value comes from the environment on
 * AWS and on the local stack alike; only the values differ.
 */

/** API Gateway closes a WebSocket after 2 hours, so a connection item never needs to outlive that. */
export const CONNECTION_MAX_SECONDS = 2 * 60 * 60;

/** SQS refuses a DelaySeconds above 15 minutes; a longer fallback delay would need a scheduler. */
export const MAX_FALLBACK_DELAY_SECONDS = 900;
export const DEFAULT_FALLBACK_DELAY_SECONDS = 300;

const UrlSchema = z.url({ protocol: /^(https?|wss?)$/ }).check(z.maxLength(2048));

/**
 * `CHAT_CALLBACK_URL`: the @connections endpoint pushes go to. On AWS
 * `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`; locally the local gateway's URL.
 */
export function readCallbackUrl(): string {
  return parseEnv('CHAT_CALLBACK_URL', UrlSchema, requireEnv('CHAT_CALLBACK_URL'));
}

/** `CHAT_WS_URL`: the `wss://` URL a browser connects to, handed out with a session; optional. */
export function readWebSocketUrl(): string | undefined {
  const value = optionalEnv('CHAT_WS_URL');
  return value === undefined ? undefined : parseEnv('CHAT_WS_URL', UrlSchema, value);
}

/**
 * `CHAT_EMAIL_FALLBACK_DELAY_SECONDS`: how long an agent reply waits for an offline visitor before it
 * goes by email; 300 when unset, at most 900 (the SQS DelaySeconds limit).
 */
export function readFallbackDelaySeconds(): number {
  const value = optionalEnv('CHAT_EMAIL_FALLBACK_DELAY_SECONDS');
  if (value === undefined) return DEFAULT_FALLBACK_DELAY_SECONDS;
  // Built here rather than at module scope: a function that only reads the callback URL (one sending
  // chat frames) then neither bundles zod's coercion nor builds the schema (docs/performance.md).
  const delaySchema = z.coerce.number().check(z.int(), z.minimum(0), z.maximum(MAX_FALLBACK_DELAY_SECONDS));
  return parseEnv('CHAT_EMAIL_FALLBACK_DELAY_SECONDS', delaySchema, value);
}

function parseEnv<S extends z.ZodMiniType>(name: string, schema: S, value: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const messages = fieldIssues(parsed.error).map((issue) => issue.message);
    throw new Error(`Invalid environment variable ${name}: ${messages.join('; ')}`);
  }
  return parsed.data;
}
