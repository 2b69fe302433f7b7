import { SQSClient } from '@aws-sdk/client-sqs';
import type { Clock } from '../../clock.js';
import { optionalEnv, requireEnv } from '../../config/env.js';
import { type ChannelSender, deferredSender } from '../../outbound/sender.js';
import type { Db } from '../../store/db.js';
import { createChatSender } from './chat-sender.js';
import { readCallbackUrl, readFallbackDelaySeconds } from './config.js';
import { createConnectionsClient } from './connections-api.js';
import { queueFallbackScheduler } from './email-fallback.js';

/**
 * The chat sender of this deployment, configured once from the environment (call at module scope in the
 * function that sends replies): CHAT_CALLBACK_URL (the @connections endpoint); when the deployment sends
 * email (SUPPORT_EMAIL_ADDRESS set), the email fallback too: CHAT_FALLBACK_QUEUE_URL and
 * CHAT_EMAIL_FALLBACK_DELAY_SECONDS (optional, default 300, at most 900). The settings are checked at
 * once (a misconfiguration fails the cold start); the management API and SQS clients are built when the
 * first chat reply goes out, so a function answering on several channels builds them only if it ever
 * answers a chat (docs/performance.md).
 */
export function chatSenderFromEnv(db: Db, clock: Clock): ChannelSender {
  const sendsEmail = optionalEnv('SUPPORT_EMAIL_ADDRESS') !== undefined;
  const delaySeconds = readFallbackDelaySeconds();
  const callbackUrl = readCallbackUrl();
  const fallbackQueueUrl = sendsEmail ? requireEnv('CHAT_FALLBACK_QUEUE_URL') : undefined;
  return deferredSender('chat', async () =>
    createChatSender({
      db,
      connections: createConnectionsClient(callbackUrl),
      ...(fallbackQueueUrl !== undefined
        ? {
            emailFallback: {
              schedule: queueFallbackScheduler(new SQSClient({}), fallbackQueueUrl, delaySeconds),
              delaySeconds,
            },
          }
        : {}),
      clock,
    }),
  );
}
