import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import * as z from 'zod/mini';
import { requireEnv } from '../../config/env.js';
import { type ChannelSender, deferredSender } from '../../outbound/sender.js';
import { eumSender } from './eum-sender.js';
import { readEumSenderConfig } from './sms-settings.js';
import {
  readTwilioSenderSettings,
  type SecretReader,
  twilioAuthTokenReader,
  withTwilioCredentials,
} from './twilio-config.js';
import { twilioSender } from './twilio-sender.js';

/** The SMS providers carebridge sends through. */
export const SmsProviderSchema = z.enum(['twilio', 'eum']);
export type SmsProvider = z.infer<typeof SmsProviderSchema>;

/**
 * The SMS sender of this deployment, chosen by SMS_PROVIDER (`twilio` or `eum`), with that provider's
 * configuration checked at once (see readTwilioSenderSettings and readEumSenderConfig). Call at module
 * scope; a Twilio auth token in Secrets Manager is read when the first SMS goes out.
 */
export function smsSenderFromEnv(readSecret?: SecretReader): ChannelSender {
  const provider = SmsProviderSchema.safeParse(requireEnv('SMS_PROVIDER'));
  if (!provider.success) throw new Error('SMS_PROVIDER must be twilio or eum');
  switch (provider.data) {
    case 'twilio':
      return twilioSenderFromEnv(twilioAuthTokenReader(readSecret));
    case 'eum':
      return eumSenderFromEnv();
  }
}

/**
 * The End User Messaging sender: its settings checked at once (readEumSenderConfig; a misconfiguration
 * fails the cold start), its client built when the first message goes out, so a function that sends
 * only now and then (keyword answers, a reply on one channel of several) does not build it at cold start.
 */
export function eumSenderFromEnv(): ChannelSender {
  const config = readEumSenderConfig();
  return deferredSender('sms', async () => eumSender(new PinpointSMSVoiceV2Client({}), config));
}

/**
 * The Twilio sender: its settings checked at once (a misconfiguration fails the cold start), the auth
 * token taken from `authToken` when the first message goes out.
 */
export function twilioSenderFromEnv(authToken: () => Promise<string>): ChannelSender {
  const settings = readTwilioSenderSettings();
  return deferredSender('sms', async () => twilioSender(withTwilioCredentials(settings, await authToken())));
}
