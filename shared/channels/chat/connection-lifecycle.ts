import type { Clock } from '../../clock.js';
import type { ChatConnection } from '../../schemas/index.js';
import { deleteChatConnection, putChatConnection } from '../../store/chat-connections.js';
import type { Db } from '../../store/db.js';
import { CONNECTION_MAX_SECONDS } from './config.js';
import { type VisitorTokenKey, verifyVisitorToken } from './visitor-token.js';

/**
 * `$connect`: verifies the visitor token (InvalidVisitorTokenError otherwise, and nothing is stored) and
 * records the connection until the earlier of API Gateway's 2-hour limit and the token's expiry. Times
 * come from the domain clock, like every liveness check after it, so a warped local clock stays coherent.
 */
export async function openChatConnection(
  db: Db,
  key: VisitorTokenKey,
  request: { readonly token: string | undefined; readonly connectionId: string },
  clock: Clock,
): Promise<ChatConnection> {
  const claims = await verifyVisitorToken(key, request.token, clock);
  const connectedAt = clock.now();
  const connection: ChatConnection = {
    connectionId: request.connectionId,
    visitorId: claims.visitorId,
    ...(claims.email
      ? { email: claims.email, emailTrust: claims.emailVerified ? 'verified' : 'claimed' }
      : {}),
    ...(claims.name ? { name: claims.name } : {}),
    connectedAt,
    expiresAt: Math.min(
      Math.floor(Date.parse(connectedAt) / 1000) + CONNECTION_MAX_SECONDS,
      claims.expiresAt,
    ),
  };
  await putChatConnection(db, connection);
  return connection;
}

/** `$disconnect`: forgets the connection (TTL removes those whose `$disconnect` never came). */
export async function closeChatConnection(db: Db, connectionId: string): Promise<void> {
  await deleteChatConnection(db, connectionId);
}
