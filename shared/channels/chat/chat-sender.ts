import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { Clock } from '../../clock.js';
import { DeliveryError } from '../../errors.js';
import type { ChannelSender, DeliveryReceipt, OutboundEnvelope } from '../../outbound/sender.js';
import { deleteChatConnection, listVisitorConnections } from '../../store/chat-connections.js';
import type { Db } from '../../store/db.js';
import { postFrame } from './connections-api.js';
import { FALLBACK_DUE_REF, type FallbackScheduler } from './email-fallback.js';
import type { ServerFrame } from './protocol.js';

/** What the chat sender works with; built once at module scope by the function that sends replies. */
export interface ChatSenderOptions {
  readonly db: Db;
  /** Management API client of the WebSocket stage (see ./connections-api.ts). */
  readonly connections: ApiGatewayManagementApiClient;
  /**
   * The email fallback of a reply nobody was online to receive: the scheduler and the delay it applies
   * (recorded on the interaction so the timeline shows when email follows). Absent when the deployment
   * sends no email: offline visitors then get the reply on their next visit only.
   */
  readonly emailFallback?: { readonly schedule: FallbackScheduler; readonly delaySeconds: number };
  readonly clock: Clock;
}

/** providerRefs key: how the chat reply went out (`pushed:<n>` connections, or `offline`). */
export const CHAT_DELIVERY_REF = 'chatDelivery';

/**
 * The ChannelSender of the `chat` channel. Pushes the reply to every live connection of the visitor
 * (`sent` when at least one took it); connections API Gateway reports gone (410) are deleted. With no
 * connection reached the reply stays `queued`: the visitor gets it from
 * `GET /v1/chat/sessions/{id}/messages` when they come back, and, if they gave an email, by email once
 * the fallback delay has passed without them fetching it. A connection failing for another reason (not
 * gone) with none reached throws DeliveryError.
 */
export function createChatSender(options: ChatSenderOptions): ChannelSender {
  return { channel: 'chat', send: (envelope) => sendToVisitor(options, envelope) };
}

async function sendToVisitor(
  options: ChatSenderOptions,
  envelope: OutboundEnvelope,
): Promise<DeliveryReceipt> {
  const { db, connections, clock } = options;
  if (envelope.to.kind !== 'visitor') throw new DeliveryError('a chat message goes to a visitor id');
  const visitorId = envelope.to.value;
  const now = clock.now();
  const live = await listVisitorConnections(db, visitorId, Math.floor(Date.parse(now) / 1000));
  const frame: ServerFrame = {
    type: 'message',
    message: { interactionId: envelope.interactionId, from: 'agent', body: envelope.body, sentAt: now },
  };
  const outcomes = await Promise.allSettled(
    live.map(async (connection) => {
      const outcome = await postFrame(connections, connection.connectionId, frame);
      if (outcome === 'gone') await deleteChatConnection(db, connection.connectionId);
      return outcome;
    }),
  );
  const pushed = outcomes.filter(
    (outcome) => outcome.status === 'fulfilled' && outcome.value === 'posted',
  ).length;
  if (pushed > 0) {
    return {
      providerMessageId: envelope.interactionId,
      status: 'sent',
      providerRefs: { [CHAT_DELIVERY_REF]: `pushed:${pushed}` },
    };
  }
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw new DeliveryError('no chat connection took the message', { cause: failure.reason });

  const email = live.find((connection) => connection.email)?.email ?? claimedEmail(envelope);
  const fallback = options.emailFallback;
  if (email === undefined || fallback === undefined) {
    return {
      providerMessageId: envelope.interactionId,
      status: 'queued',
      providerRefs: { [CHAT_DELIVERY_REF]: 'offline' },
    };
  }
  await fallback.schedule({
    kind: 'chat-email-fallback',
    interactionId: envelope.interactionId,
    email,
  });
  const dueAt = new Date(Date.parse(now) + fallback.delaySeconds * 1000).toISOString();
  return {
    providerMessageId: envelope.interactionId,
    status: 'queued',
    providerRefs: { [CHAT_DELIVERY_REF]: 'offline', [FALLBACK_DUE_REF]: dueAt },
  };
}

/**
 * The email the visitor gave with their session, when the message being answered is their own chat
 * message (it carries the visitor id and, if they gave one, the email from their token).
 */
function claimedEmail(envelope: OutboundEnvelope): string | undefined {
  const answering = envelope.inResponseTo;
  if (answering?.channel !== 'chat') return undefined;
  const fromVisitor = answering.identities.some(
    (identity) => identity.kind === 'visitor' && identity.value === envelope.to.value,
  );
  return fromVisitor ? answering.identities.find((identity) => identity.kind === 'email')?.value : undefined;
}
