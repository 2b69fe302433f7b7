import { chatSenderFromEnv } from '../../shared/channels/chat/chat-sender-from-env.js';
import { emailSenderFromEnv } from '../../shared/channels/email/ses-sender-from-env.js';
import { smsSenderFromEnv } from '../../shared/channels/sms/sms-sender-from-env.js';
import { systemClock } from '../../shared/clock.js';
import { optionalEnv } from '../../shared/config/env.js';
import type { Senders } from '../../shared/outbound/sender.js';
import type { Db } from '../../shared/store/db.js';
import { logger } from './logger.js';

/**
 * The senders of every channel the deployment sends on, for a function that answers customers (an
 * agent's reply, the e-level). A channel without configuration has no sender: answering on it is 409
 * channel_unavailable.
 */
export function sendersFromEnv(db: Db): Senders {
  return {
    ...(optionalEnv('SUPPORT_EMAIL_ADDRESS') !== undefined
      ? {
          email: emailSenderFromEnv(db, systemClock, (error) =>
            logger.warn('email thread reference not recorded', { error }),
          ),
        }
      : {}),
    ...(optionalEnv('SMS_PROVIDER') !== undefined ? { sms: smsSenderFromEnv() } : {}),
    chat: chatSenderFromEnv(db, systemClock),
  };
}
