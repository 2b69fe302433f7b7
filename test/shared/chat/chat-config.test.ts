import { afterEach, describe, expect, it, vi } from 'vitest';
import { chatSenderFromEnv } from '../../../shared/channels/chat/chat-sender-from-env.js';
import { readCallbackUrl, readFallbackDelaySeconds } from '../../../shared/channels/chat/config.js';
import { systemClock } from '../../../shared/clock.js';
import { createDb } from '../../../shared/store/db.js';
import { CHAT_TEST_ENV } from '../../support/chat.js';

describe('chat configuration', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('waits 300 seconds before the email fallback unless told otherwise', () => {
    vi.stubEnv('CHAT_EMAIL_FALLBACK_DELAY_SECONDS', '');
    expect(readFallbackDelaySeconds()).toBe(300);

    vi.stubEnv('CHAT_EMAIL_FALLBACK_DELAY_SECONDS', '60');
    expect(readFallbackDelaySeconds()).toBe(60);
  });

  it('refuses a fallback delay above the 900 seconds SQS can delay a message', () => {
    vi.stubEnv('CHAT_EMAIL_FALLBACK_DELAY_SECONDS', '3600');

    expect(() => readFallbackDelaySeconds()).toThrow(/CHAT_EMAIL_FALLBACK_DELAY_SECONDS/);
  });

  it('requires a callback URL, and accepts the local gateway as well as the AWS stage URL', () => {
    vi.stubEnv('CHAT_CALLBACK_URL', '');
    expect(() => readCallbackUrl()).toThrow(/CHAT_CALLBACK_URL/);

    vi.stubEnv('CHAT_CALLBACK_URL', 'http://127.0.0.1:3001/local');
    expect(readCallbackUrl()).toBe('http://127.0.0.1:3001/local');
  });

  it('builds the chat sender from the environment', () => {
    for (const [name, value] of Object.entries(CHAT_TEST_ENV)) vi.stubEnv(name, value);

    expect(chatSenderFromEnv(createDb('carebridge-test'), systemClock).channel).toBe('chat');
  });
});
