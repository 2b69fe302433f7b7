import type { Clock } from '../clock.js';
import { NotDeliverableError } from '../errors.js';
import type { IdentityRef, Interaction, TrustedIdentity } from '../schemas/index.js';
import type { Db } from '../store/db.js';
import { deliverRecorded } from './deliver.js';
import { outboundInteraction } from './outbound-interaction.js';
import type { ReplyChannel, Senders } from './sender.js';

/** One campaign message to one customer, as the campaign step decided it (ledger already consulted). */
export interface MarketingMessage {
  readonly customerId: string;
  readonly channel: ReplyChannel;
  readonly to: TrustedIdentity | IdentityRef;
  readonly subject?: string | undefined;
  readonly body: string;
  /** The campaign; the message is filed under it on the timeline (it belongs to no conversation)... */
  readonly campaignId: string;
  /** ...unless it is about a conversation (a satisfaction survey): then a reply continues that one. */
  readonly conversationId?: string | undefined;
  /** Email: the signed one-click unsubscribe link (RFC 8058 headers). */
  readonly unsubscribeUrl?: string | undefined;
}

/**
 * Sends a marketing message and records it on the customer's timeline as an outbound interaction
 * (`authorId` `campaign:<id>`, `conversationId` the campaign id): stored `queued` before the provider is
 * called, then `sent` or `failed`, like an agent's reply. A reply to it opens a conversation of its own.
 */
export async function sendMarketingMessage(
  db: Db,
  senders: Senders,
  message: MarketingMessage,
  clock: Clock,
): Promise<Interaction> {
  const sender = senders[message.channel];
  if (!sender) {
    throw new NotDeliverableError('channel_unavailable', `no ${message.channel} provider is configured`);
  }
  const to: TrustedIdentity = 'trust' in message.to ? message.to : { ...message.to, trust: 'verified' };
  const interactionId = clock.newId();
  const conversationId = message.conversationId ?? message.campaignId;
  const envelope = {
    interactionId,
    conversationId,
    customerId: message.customerId,
    channel: message.channel,
    to: { kind: to.kind, value: to.value },
    ...(message.subject !== undefined ? { subject: message.subject } : {}),
    body: message.body,
    ...(message.conversationId === undefined
      ? { marketing: message.unsubscribeUrl ? { unsubscribeUrl: message.unsubscribeUrl } : {} }
      : {}),
  };
  const interaction = outboundInteraction(
    {
      interactionId,
      customerId: message.customerId,
      conversationId,
      channel: message.channel,
      to,
      subject: message.subject,
      body: message.body,
      authorId: `campaign:${message.campaignId}`,
      providerRefs: { campaignId: message.campaignId },
    },
    clock.now(),
  );
  return deliverRecorded(db, sender, interaction, envelope);
}
