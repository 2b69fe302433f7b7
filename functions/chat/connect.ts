import middy from '@middy/core';
import * as z from 'zod/mini';
import { openChatConnection } from '../../shared/channels/chat/connection-lifecycle.js';
import { tokenKeyReader } from '../../shared/channels/chat/token-secret.js';
import { VISITOR_TOKEN_MAX_CHARS } from '../../shared/channels/chat/visitor-token.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { UnauthorizedError } from '../../shared/errors.js';
import { createDb } from '../../shared/store/db.js';
import { injectLambdaContext, logger } from '../lib/logger.js';
import { connectErrors, status, type WebSocketEvent, type WebSocketResult } from '../lib/websocket.js';

const db = createDb(requireEnv('TABLE_NAME'));
const tokenKey = tokenKeyReader();

/** The handshake's query string: browsers cannot set headers on a WebSocket, so the token comes here. */
const ConnectQuerySchema = z.strictObject({
  token: z.optional(z.string().check(z.maxLength(VISITOR_TOKEN_MAX_CHARS))),
});

/** WebSocket `$connect`: admits a visitor with a valid token (`?token=`) and records the connection. */
export const handler = middy<WebSocketEvent, WebSocketResult>()
  .use(injectLambdaContext(logger))
  .use(connectErrors())
  .handler(async (event) => {
    const query = ConnectQuerySchema.safeParse(event.queryStringParameters ?? {});
    if (!query.success)
      throw new UnauthorizedError('unexpected handshake parameters', { cause: query.error });
    const { connectionId } = event.requestContext;
    await openChatConnection(db, await tokenKey(), { token: query.data.token, connectionId }, systemClock);
    logger.info('chat connected', { connectionId });
    return status(200);
  });
