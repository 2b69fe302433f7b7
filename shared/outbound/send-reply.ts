import type { Clock } from '../clock.js';
import { NotDeliverableError } from '../errors.js';
import type { Interaction } from '../schemas/index.js';
import { getConversation, updateConversation } from '../store/conversations.js';
import { getCustomer } from '../store/customers.js';
import type { Db } from '../store/db.js';
import { getIdentities } from '../store/identities.js';
import { conversationInbound } from '../store/interactions.js';
import { assertDeliverable, replyAddress, replyChannel } from './choose-recipient.js';
import { deliverRecorded } from './deliver.js';
import { outboundInteraction } from './outbound-interaction.js';
import type { OutboundEnvelope, ReplyChannel, Senders } from './sender.js';

export interface ReplyRequest {
  readonly conversationId: string;
  readonly body: string;
  /** Channel to use; by default the channel of the customer's latest message in the conversation. */
  readonly channel?: ReplyChannel | undefined;
  /** The staff member writing (JWT subject). */
  readonly authorId: string;
}

/**
 * Sends a staff reply on the customer's channel and records it on the timeline.
 *
 * The outbound interaction is stored (`queued`) before the provider is called and updated with the
 * provider's answer (`sent`, `queued` for an offline chat visitor, or `failed`), so every attempt is
 * on record. The conversation then waits on the customer (`pending`), and its first response time is
 * kept for the SLA. Refused with NotDeliverableError (409) when the customer opted out of the channel,
 * the address is undeliverable, there is no address for it, or the only one is a claim the conversation
 * does not vouch for (see replyAddress). The recorded interaction names the address with its trust.
 */
export async function sendReply(
  db: Db,
  senders: Senders,
  request: ReplyRequest,
  clock: Clock,
): Promise<Interaction> {
  const conversation = await getConversation(db, request.conversationId);
  const customer = await getCustomer(db, conversation.customerId);
  const inbound = await conversationInbound(db, customer, conversation);
  const answering = inbound.latest;
  const channel = replyChannel(customer, request.channel, answering);
  const sender = senders[channel];
  if (!sender) throw new NotDeliverableError('channel_unavailable', `no ${channel} provider is configured`);
  const to = replyAddress(customer, channel, inbound);
  const [stored] = await getIdentities(db, [to], true);
  assertDeliverable(customer, channel, stored);

  const now = clock.now();
  const interactionId = clock.newId();
  const envelope: OutboundEnvelope = {
    interactionId,
    conversationId: conversation.conversationId,
    customerId: customer.customerId,
    channel,
    to,
    ...(conversation.subject ? { subject: conversation.subject } : {}),
    body: request.body,
    ...(answering ? { inResponseTo: answering } : {}),
  };
  // The subject recorded is the one the customer will see.
  const interaction = outboundInteraction(
    {
      interactionId,
      customerId: customer.customerId,
      conversationId: conversation.conversationId,
      channel,
      to,
      subject: sender.subjectOf?.(envelope) ?? conversation.subject,
      body: request.body,
      authorId: request.authorId,
    },
    now,
  );
  const delivered = await deliverRecorded(db, sender, interaction, envelope);

  await updateConversation(db, conversation.conversationId, (current) => ({
    ...current,
    status: current.status === 'resolved' ? 'resolved' : 'pending',
    firstRespondedAt: current.firstRespondedAt ?? now,
    lastOutboundAt: now,
    updatedAt: clock.now(),
  }));
  return delivered;
}
