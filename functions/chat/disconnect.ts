import middy from '@middy/core';
import { closeChatConnection } from '../../shared/channels/chat/connection-lifecycle.js';
import { requireEnv } from '../../shared/config/env.js';
import { createDb } from '../../shared/store/db.js';
import { injectLambdaContext, logger } from '../lib/logger.js';
import { status, type WebSocketEvent, type WebSocketResult } from '../lib/websocket.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * WebSocket `$disconnect`: forgets the connection. API Gateway calls it on a best-effort basis; the
 * connection item's TTL and the sender's 410 handling cover the times it does not.
 */
export const handler = middy<WebSocketEvent, WebSocketResult>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const { connectionId, disconnectStatusCode } = event.requestContext;
    await closeChatConnection(db, connectionId);
    logger.info('chat disconnected', { connectionId, disconnectStatusCode });
    return status(200);
  });
