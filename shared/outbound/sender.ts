import * as z from 'zod/mini';
import { lazily } from '../config/secret.js';
import type { IdentityRef, Interaction } from '../schemas/index.js';

/** Channels we can write to (a web form cannot receive; its replies go by email or SMS). */
export const ReplyChannelSchema = z.enum(['email', 'sms', 'chat']);
export type ReplyChannel = z.infer<typeof ReplyChannelSchema>;

/** One outbound message, ready for a channel's provider. */
export interface OutboundEnvelope {
  readonly interactionId: string;
  readonly conversationId: string;
  readonly customerId: string;
  readonly channel: ReplyChannel;
  readonly to: IdentityRef;
  readonly subject?: string;
  readonly body: string;
  /** The customer's message being answered, if any (email threading headers come from it). */
  readonly inResponseTo?: Interaction;
  /**
   * A marketing message (a campaign step): not part of a conversation, so a reply to it opens one
   * (email: no thread reference is recorded); email carries the one-click unsubscribe link (RFC 8058).
   */
  readonly marketing?: { readonly unsubscribeUrl?: string };
}

/** What the provider said when it took the message. */
export interface DeliveryReceipt {
  /** The provider's id for the message (SES MessageId, Twilio MessageSid, connection delivery id). */
  readonly providerMessageId: string;
  /** `sent`: the provider accepted it; `queued`: held for later (e.g. a chat visitor offline). */
  readonly status: 'sent' | 'queued';
  /** Further references to keep, e.g. the email Message-ID header the customer's client will quote. */
  readonly providerRefs?: Readonly<Record<string, string>>;
}

/** Delivers outbound messages on one channel. Throws DeliveryError when the provider refuses. */
export interface ChannelSender {
  readonly channel: ReplyChannel;
  /**
   * The subject the provider will show for this envelope, when the channel has subjects and derives it
   * (email: "Re: …" of the answered message). Pure, so the interaction records what is sent, before sending.
   */
  subjectOf?(envelope: OutboundEnvelope): string;
  send(envelope: OutboundEnvelope): Promise<DeliveryReceipt>;
}

/** The senders a deployment has, by channel. */
export type Senders = Readonly<Partial<Record<ReplyChannel, ChannelSender>>>;

/**
 * A sender built when its first message goes out (e.g. once the secret it needs is read; a failed build
 * is retried by the next message), then kept. For channels without subjects: `subjectOf` is not passed on.
 */
export function deferredSender(channel: ReplyChannel, build: () => Promise<ChannelSender>): ChannelSender {
  const sender = lazily(build);
  return {
    channel,
    async send(envelope: OutboundEnvelope): Promise<DeliveryReceipt> {
      return (await sender()).send(envelope);
    },
  };
}
