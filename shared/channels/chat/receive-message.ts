import { type Clock, epochSeconds } from '../../clock.js';
import { UnauthorizedError } from '../../errors.js';
import { type VerificationRequester, verificationFor } from '../../identity/verification-request.js';
import { type IngestResult, ingestInbound } from '../../ingest/ingest.js';
import type { RoutingHandoff } from '../../routing/handoff.js';
import type { ChatConnection, InboundMessage, TrustedIdentity } from '../../schemas/index.js';
import { getChatConnection, isLive } from '../../store/chat-connections.js';
import type { Db } from '../../store/db.js';
import { CLIENT_MESSAGE_ID_REF, type SendMessageFrame } from './protocol.js';

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
  const now = epochSeconds(clock);
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
  // The visitor id is ours (issued with the session, carried in the token we signed): verified. The
  // email is a claim unless the site signed it.
  const identities: TrustedIdentity[] = [{ kind: 'visitor', value: connection.visitorId, trust: 'verified' }];
  if (connection.email) {
    identities.push({ kind: 'email', value: connection.email, trust: connection.emailTrust ?? 'claimed' });
  }
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
    },
  };
}

/** What receiving a chat message needs; built once at module scope by the handler. */
export interface ChatReceiver {
  readonly db: Db;
  readonly handoff: RoutingHandoff;
  readonly clock: Clock;
  /** Mails a verification link to a claimed email that created its customer. */
  readonly requestVerification: VerificationRequester;
}

/**
 * Records a visitor's chat message on their customer's timeline and hands it to routing. The first
 * message of a visitor who claimed an email also asks for a verification link to that address.
 */
export async function receiveChatMessage(
  receiver: ChatReceiver,
  connection: ChatConnection,
  frame: SendMessageFrame,
  receivedAt: string,
): Promise<IngestResult> {
  const message = chatToInbound(connection, frame, receivedAt);
  const result = await ingestInbound(receiver.db, message, receiver.clock);
  await receiver.handoff(result);
  const verification = verificationFor(message, result);
  if (verification) await receiver.requestVerification(verification);
  return result;
}
