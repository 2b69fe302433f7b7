import { ChatHistoryQuerySchema } from '../../shared/channels/chat/session-requests.js';
import { tokenKeyReader } from '../../shared/channels/chat/token-secret.js';
import { listVisitorMessages } from '../../shared/channels/chat/visitor-messages.js';
import { verifyVisitorToken } from '../../shared/channels/chat/visitor-token.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { UnauthorizedError } from '../../shared/errors.js';
import { createDb } from '../../shared/store/db.js';
import { type HttpEvent, headerValue, httpHandler, json, parseInput } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));
const tokenKey = tokenKeyReader();

/**
 * GET /v1/chat/sessions/{id}/messages?after=<interactionId> (public; the visitor token authenticates):
 * the visitor's own chat messages and the replies sent to them, oldest first, at most 100, for a
 * visitor coming back online. Replies still waiting for them are marked delivered. 401 without a valid
 * token or with the token of another visitor.
 */
export const handler = httpHandler(async (event) => {
  // Authenticate before validating anything else, so a caller without a token learns nothing.
  const claims = await verifyVisitorToken(await tokenKey(), bearerToken(event), systemClock);
  if (event.pathParameters?.id !== claims.visitorId) {
    throw new UnauthorizedError('the token is not for this chat session');
  }
  const { after } = parseInput(ChatHistoryQuerySchema, event.queryStringParameters ?? {});
  const { messages, hasMore } = await listVisitorMessages(db, claims.visitorId, after);
  return json(200, { visitorId: claims.visitorId, messages, hasMore }, { 'cache-control': 'no-store' });
});

function bearerToken(event: HttpEvent): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(headerValue(event, 'authorization') ?? '');
  return match?.[1];
}
