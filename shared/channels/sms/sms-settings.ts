import * as z from 'zod/mini';
import { optionalEnv, requireEnv } from '../../config/env.js';
import type { EumSenderConfig } from './eum-sender.js';
import { SMS_BODY_MAX_CHARS } from './phone-fields.js';

/** How carebridge answers SMS keywords. */
export interface SmsKeywordSettings {
  /**
   * Whether carebridge itself confirms STOP / START and answers HELP. Turn it off where the provider
   * already does: Twilio answers the standard keywords on long codes by default (and refuses any
   * message to a number after its STOP, error 21610); End User Messaging answers HELP and STOP unless
   * self-managed opt-outs are on. Consent is recorded either way.
   */
  readonly replies: boolean;
  readonly helpText: string;
}

/** The answer to HELP when SMS_HELP_TEXT is not set. */
export const DEFAULT_SMS_HELP_TEXT =
  'Customer care: reply to this message and our team will answer. Reply STOP to opt out, START to opt back in.';

const RepliesSchema = z.enum(['on', 'off']);
const TextSchema = z.string().check(z.trim(), z.minLength(1), z.maxLength(SMS_BODY_MAX_CHARS));

/**
 * Keyword settings from SMS_KEYWORD_REPLIES (`on` or `off`, `on` when unset) and SMS_HELP_TEXT
 * (DEFAULT_SMS_HELP_TEXT when unset). Throws at cold start for any other value.
 */
export function readSmsKeywordSettings(): SmsKeywordSettings {
  const replies = RepliesSchema.safeParse(optionalEnv('SMS_KEYWORD_REPLIES') ?? 'on');
  if (!replies.success) throw new Error('SMS_KEYWORD_REPLIES must be on or off');
  const helpText = TextSchema.safeParse(optionalEnv('SMS_HELP_TEXT') ?? DEFAULT_SMS_HELP_TEXT);
  if (!helpText.success) throw new Error(`SMS_HELP_TEXT must be 1 to ${SMS_BODY_MAX_CHARS} characters`);
  return { replies: replies.data === 'on', helpText: helpText.data };
}

/**
 * End User Messaging sender configuration: EUM_ORIGINATION_IDENTITY (phone number, sender id or pool,
 * id or ARN) and EUM_CONFIGURATION_SET (optional).
 */
export function readEumSenderConfig(): EumSenderConfig {
  const originationIdentity = requireEnv('EUM_ORIGINATION_IDENTITY');
  if (originationIdentity.length > 256) throw new Error('EUM_ORIGINATION_IDENTITY is malformed');
  return { originationIdentity, configurationSetName: optionalEnv('EUM_CONFIGURATION_SET') };
}
