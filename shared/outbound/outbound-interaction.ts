import type { Interaction, TrustedIdentity } from '../schemas/index.js';
import type { ReplyChannel } from './sender.js';

/** What an outbound message says and to whom; the rest of the interaction follows from it. */
export interface OutboundDraft {
  readonly interactionId: string;
  readonly customerId: string;
  readonly conversationId: string;
  readonly channel: ReplyChannel;
  /** The address, with the trust it has for this customer (the agent sees it). */
  readonly to: TrustedIdentity;
  readonly subject?: string | undefined;
  readonly body: string;
  /** The staff member (JWT subject) or automation writing it. */
  readonly authorId?: string | undefined;
  readonly providerRefs?: Readonly<Record<string, string>>;
}

/**
 * An outbound interaction as it is recorded before the provider is called: `queued`, keyed by our own
 * id (the provider's id arrives with the delivery receipt).
 */
export function outboundInteraction(draft: OutboundDraft, now: string): Interaction {
  return {
    interactionId: draft.interactionId,
    customerId: draft.customerId,
    conversationId: draft.conversationId,
    direction: 'outbound',
    channel: draft.channel,
    identities: [draft.to],
    ...(draft.subject !== undefined ? { subject: draft.subject } : {}),
    body: draft.body,
    attachments: [],
    providerMessageId: draft.interactionId,
    providerRefs: { ...draft.providerRefs },
    occurredAt: now,
    recordedAt: now,
    deliveryStatus: 'queued',
    ...(draft.authorId !== undefined ? { authorId: draft.authorId } : {}),
  };
}
