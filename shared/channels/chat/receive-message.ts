import type { Clock } from '../../clock.js';
import { UnauthorizedError } from '../../errors.js';
import { type IngestResult, ingestInbound } from '../../ingest/ingest.js';
import type { RoutingHandoff } from '../../routing/handoff.js';
import type { ChatConnection, IdentityRef, InboundMessage } from '../../schemas/index.js';
import { getChatConnection, isLive } from '../../store/chat-connections.js';
import type { Db } from '../../store/db.js';
import { CLIENT_MESSAGE_ID_REF, type SendMessageFrame } from './protocol.js';

/**
 * providerRefs flag on chat messages that carry an email the visitor typed in: the address was never
 * verified, so agents can see that the customer match rests on a claim (see docs/chat.md, "Security").
 */
export const EMAIL_CLAIM_REF = 'emailClaim';
export const UNVERIFIED_EMAIL_CLAIM = 'unverified';

/** The connection a frame came in on is unknown or past its end of life: the visitor must start over. */
export class ChatSessionExpiredError extends UnauthorizedError {
  override name = 'ChatSessionExpiredError';
}

/** The connection a frame came in on; ChatSessionExpiredError when it is unknown or expired. */
export async function requireLiveConnection(
  db: Db,
  connectionId: string,
  clock: Clock,
): Promise<ChatConnection> {
  const connection = await getChatConnection(db, connectionId);
  const now = Math.floor(Date.parse(clock.now()) / 1000);
  if (!connection || !isLive(connection, now))
    throw new ChatSessionExpiredError('the chat session has expired');
  return connection;
}

/**
 * Maps a visitor's frame to the canonical message. The provider message id is
 * `<visitorId>:<clientMessageId>`, so a client retrying a send (same clientMessageId) hits the same key
 * and ingest records it once. Identities: the visitor id, then the email from their token, if any.
 */
export function chatToInbound(
  connection: ChatConnection,
  frame: SendMessageFrame,
  receivedAt: string,
): InboundMessage {
  const identities: IdentityRef[] = [{ kind: 'visitor', value: connection.visitorId }];
  if (connection.email) identities.push({ kind: 'email', value: connection.email });
  return {
    channel: 'chat',
    providerMessageId: `${connection.visitorId}:${frame.clientMessageId}`,
    receivedAt,
    identities,
    ...(connection.name ? { name: connection.name } : {}),
    body: frame.text,
    attachments: [],
    providerRefs: {
      visitorId: connection.visitorId,
      [CLIENT_MESSAGE_ID_REF]: frame.clientMessageId,
      ...(connection.email ? { [EMAIL_CLAIM_REF]: UNVERIFIED_EMAIL_CLAIM } : {}),
    },
  };
}

/** Records a visitor's chat message on their customer's timeline and hands it to routing. */
export async function receiveChatMessage(
  db: Db,
  handoff: RoutingHandoff,
  connection: ChatConnection,
  frame: SendMessageFrame,
  receivedAt: string,
  clock: Clock,
): Promise<IngestResult> {
  const result = await ingestInbound(db, chatToInbound(connection, frame, receivedAt), clock);
  await handoff(result);
  return result;
}
