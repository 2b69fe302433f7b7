import { monotonicFactory } from 'ulid';
import { tokenKeyFromText } from '../../shared/channels/chat/token-secret.js';
import type { Clock } from '../../shared/clock.js';

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
