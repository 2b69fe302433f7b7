import { SQSClient } from '@aws-sdk/client-sqs';
import type { Clock } from '../../clock.js';
import { optionalEnv, requireEnv } from '../../config/env.js';
import type { ChannelSender } from '../../outbound/sender.js';
import type { Db } from '../../store/db.js';
import { createChatSender } from './chat-sender.js';
import { readCallbackUrl, readFallbackDelaySeconds } from './config.js';
import { createConnectionsClient } from './connections-api.js';
import { queueFallbackScheduler } from './email-fallback.js';

/**
 * The chat sender of this deployment, configured once from the environment (call at module scope in the
 * function that sends replies): CHAT_CALLBACK_URL (the @connections endpoint); when the deployment sends
 * email (SUPPORT_EMAIL_ADDRESS set), the email fallback too: CHAT_FALLBACK_QUEUE_URL and
 * CHAT_EMAIL_FALLBACK_DELAY_SECONDS (optional, default 300, at most 900).
 */
export function chatSenderFromEnv(db: Db, clock: Clock): ChannelSender {
  const sendsEmail = optionalEnv('SUPPORT_EMAIL_ADDRESS') !== undefined;
  const delaySeconds = readFallbackDelaySeconds();
  return createChatSender({
    db,
    connections: createConnectionsClient(readCallbackUrl()),
    ...(sendsEmail
      ? {
          emailFallback: {
            schedule: queueFallbackScheduler(
              new SQSClient({}),
              requireEnv('CHAT_FALLBACK_QUEUE_URL'),
              delaySeconds,
            ),
            delaySeconds,
          },
        }
      : {}),
    clock,
  });
}
