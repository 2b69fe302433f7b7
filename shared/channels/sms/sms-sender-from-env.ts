import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import * as z from 'zod/mini';
import { requireEnv } from '../../config/env.js';
import type { ChannelSender } from '../../outbound/sender.js';
import { eumSender } from './eum-sender.js';
import { readEumSenderConfig } from './sms-settings.js';
import { readTwilioAuthToken, readTwilioSenderConfig, type SecretReader } from './twilio-config.js';
import { twilioSender } from './twilio-sender.js';

/** The SMS providers carebridge sends through. */
export const SmsProviderSchema = z.enum(['twilio', 'eum']);
export type SmsProvider = z.infer<typeof SmsProviderSchema>;

/**
 * The SMS sender of this deployment, chosen by SMS_PROVIDER (`twilio` or `eum`), with that provider's
 * configuration read once (see readTwilioSenderConfig and readEumSenderConfig). Call at module scope.
 */
export async function smsSenderFromEnv(readSecret?: SecretReader): Promise<ChannelSender> {
  const provider = SmsProviderSchema.safeParse(requireEnv('SMS_PROVIDER'));
  if (!provider.success) throw new Error('SMS_PROVIDER must be twilio or eum');
  switch (provider.data) {
    case 'twilio':
      return twilioSender(readTwilioSenderConfig(await readTwilioAuthToken(readSecret)));
    case 'eum':
      return eumSender(new PinpointSMSVoiceV2Client({}), readEumSenderConfig());
  }
}
