import { readWebSocketUrl } from '../../shared/channels/chat/config.js';
import { startChatSession } from '../../shared/channels/chat/session.js';
import {
  CHAT_SESSION_BODY_MAX_BYTES,
  CreateChatSessionSchema,
} from '../../shared/channels/chat/session-requests.js';
import { tokenKeyReader } from '../../shared/channels/chat/token-secret.js';
import { systemClock } from '../../shared/clock.js';
import { lazily } from '../../shared/config/secret.js';
import { loadIdentitySecret } from '../../shared/identity/site-signature.js';
import { httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';
import { logger } from '../lib/logger.js';

const tokenKey = tokenKeyReader();
const identitySecret = lazily(loadIdentitySecret);
const wsUrl = readWebSocketUrl();

/**
 * POST /v1/chat/sessions (public, throttled): starts a chat session. Body (optional) `{email?, name?}`;
 * answers 201 `{visitorId, token, expiresAt, wsUrl?}`. The browser opens `wsUrl?token=<token>`.
 */
export const handler = httpHandler(async (event) => {
  // A session without email or name may come without a body at all.
  const body = event.body ? readJsonBody(event, CHAT_SESSION_BODY_MAX_BYTES) : {};
  const input = parseInput(CreateChatSessionSchema, body);
  const session = await startChatSession(await tokenKey(), identitySecret, input, systemClock);
  logger.info('chat session started', { withEmail: input.email !== undefined });
  return json(201, { ...session, ...(wsUrl ? { wsUrl } : {}) }, { 'cache-control': 'no-store' });
});
