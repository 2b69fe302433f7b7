import { NotDeliverableError } from '../errors.js';
import type { Conversation, TrustedIdentity } from '../schemas/index.js';
import { getCustomer } from '../store/customers.js';
import type { Db } from '../store/db.js';
import { conversationInbound } from '../store/interactions.js';
import { replyAddress, replyChannel } from './choose-recipient.js';
import type { ReplyChannel } from './sender.js';

/** Where a reply on one channel would go, or why it cannot. */
export type ReplyTarget =
  | { readonly to: TrustedIdentity }
  | { readonly unavailable: NotDeliverableError['reason'] };

/** What an agent sees before replying: the default channel and, per channel, the address with its trust. */
export interface ReplyPreview {
  readonly defaultChannel: ReplyChannel;
  readonly channels: Readonly<Record<ReplyChannel, ReplyTarget>>;
}

/**
 * The addresses a reply in this conversation would use, chosen exactly as sendReply chooses them
 * (shared/outbound/choose-recipient.ts), so the agent sees the trust of the address before sending.
 */
export async function previewReply(db: Db, conversation: Conversation): Promise<ReplyPreview> {
  const customer = await getCustomer(db, conversation.customerId);
  const inbound = await conversationInbound(db, customer, conversation);
  const target = (channel: ReplyChannel): ReplyTarget => {
    try {
      return { to: replyAddress(customer, channel, inbound) };
    } catch (error) {
      if (error instanceof NotDeliverableError) return { unavailable: error.reason };
      throw error;
    }
  };
  return {
    defaultChannel: replyChannel(customer, undefined, inbound.latest),
    channels: { email: target('email'), sms: target('sms'), chat: target('chat') },
  };
}
