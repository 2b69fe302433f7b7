import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { SQSClient } from '@aws-sdk/client-sqs';
import { monotonicFactory } from 'ulid';
import { createChatSender } from '../../shared/channels/chat/chat-sender.js';
import { queueFallbackScheduler } from '../../shared/channels/chat/email-fallback.js';
import { tokenKeyFromText } from '../../shared/channels/chat/token-secret.js';
import type { Clock } from '../../shared/clock.js';
import type { ChannelSender } from '../../shared/outbound/sender.js';
import type { Db } from '../../shared/store/db.js';

/** The visitor-token secret of the tests (CHAT_TOKEN_SECRET of handler tests). */
export const TEST_CHAT_SECRET = 'test-only-chat-token-secret-0123456789abcdef';
export const testTokenKey = tokenKeyFromText(TEST_CHAT_SECRET);

/** Environment of the chat handlers in tests; pass to setHandlerEnv before importing a handler. */
export const CHAT_TEST_ENV = {
  CHAT_TOKEN_SECRET: TEST_CHAT_SECRET,
  CHAT_CALLBACK_URL: 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod',
  CHAT_WS_URL: 'wss://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod',
  CHAT_FALLBACK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/carebridge-test-chat-fallback',
  SUPPORT_EMAIL_ADDRESS: 'support@example.com',
} as const;

/** A clock stopped at `iso` (ids are minted at that time too); `advance` moves it. */
export function fixedClock(iso: string): Clock & { advance(ms: number): void } {
  let nowMs = Date.parse(iso);
  const nextId = monotonicFactory();
  return {
    now: () => new Date(nowMs).toISOString(),
    newId: () => nextId(nowMs),
    advance: (ms) => {
      nowMs += ms;
    },
  };
}

/**
 * The chat sender as the reply function builds it, over the test environment's callback URL and
 * fallback queue (mock their clients with aws-sdk-client-mock), with a 300 s email fallback.
 */
export function testChatSender(db: Db, clock: Clock): ChannelSender {
  return createChatSender({
    db,
    connections: new ApiGatewayManagementApiClient({ endpoint: CHAT_TEST_ENV.CHAT_CALLBACK_URL }),
    emailFallback: {
      schedule: queueFallbackScheduler(new SQSClient({}), CHAT_TEST_ENV.CHAT_FALLBACK_QUEUE_URL, 300),
      delaySeconds: 300,
    },
    clock,
  });
}
