import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Clock } from '../../clock.js';
import { optionalEnv, requireEnv } from '../../config/env.js';
import { normalizeEmail } from '../../ingest/identity.js';
import type { ChannelSender } from '../../outbound/sender.js';
import type { Db } from '../../store/db.js';
import { emailSubject, sesEmailSender } from './ses-sender.js';

/**
 * The email sender of this deployment, configured once from the environment (call at module scope):
 * SUPPORT_EMAIL_ADDRESS (required, a verified SES identity), SUPPORT_EMAIL_NAME (display name, optional),
 * SES_CONFIGURATION_SET (optional). The SES endpoint is the SDK's: AWS_ENDPOINT_URL_SESV2 on the local stack.
 * The settings are checked at once (a misconfiguration fails the cold start); the SES client is built
 * when the first email goes out, so a function answering on several channels builds it only if it
 * ever sends an email (docs/performance.md).
 */
export function emailSenderFromEnv(
  db: Db,
  clock: Clock,
  onThreadingError?: (error: unknown) => void,
): ChannelSender {
  const config = {
    db,
    clock,
    from: {
      address: normalizeEmail(requireEnv('SUPPORT_EMAIL_ADDRESS')),
      name: optionalEnv('SUPPORT_EMAIL_NAME'),
    },
    configurationSet: optionalEnv('SES_CONFIGURATION_SET'),
    onThreadingError,
  };
  let sender: ChannelSender | undefined;
  const built = () => {
    sender ??= sesEmailSender({ ...config, ses: new SESv2Client({}) });
    return sender;
  };
  return { channel: 'email', subjectOf: emailSubject, send: (envelope) => built().send(envelope) };
}
