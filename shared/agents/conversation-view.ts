import { previewReply, type ReplyPreview } from '../outbound/reply-preview.js';
import type { Conversation, Customer, Interaction, Note } from '../schemas/index.js';
import { getConversation } from '../store/conversations.js';
import { getCustomer } from '../store/customers.js';
import type { Db } from '../store/db.js';
import { getTimeline } from '../store/timeline.js';
import { listNotes } from './workflow.js';

/** What an agent working a conversation sees: the whole context, across channels. */
export interface ConversationView extends Conversation {
  readonly customer: Pick<Customer, 'customerId' | 'name' | 'identities' | 'attributes' | 'consent'>;
  /** The customer's timeline across every channel and conversation, newest first (first page). */
  readonly timeline: readonly Interaction[];
  /** Cursor for `GET /v1/customers/{id}/timeline` to read further back. */
  readonly timelineCursor?: string;
  readonly notes: readonly Note[];
  /** Per channel, the address a reply would use, with its trust. */
  readonly replyTo: ReplyPreview;
}

const TIMELINE_PAGE = 50;

/**
 * `GET /v1/conversations/{id}`: the conversation (status, tier, skill, priority, due times, assignee,
 * routing decisions with the rules that fired, escalations), its customer's whole timeline, the notes
 * and where a reply would go.
 */
export async function conversationView(db: Db, conversationId: string): Promise<ConversationView> {
  const conversation = await getConversation(db, conversationId);
  const customer = await getCustomer(db, conversation.customerId);
  const [timeline, notes, replyTo] = await Promise.all([
    getTimeline(db, customer, { limit: TIMELINE_PAGE }),
    listNotes(db, conversationId),
    previewReply(db, conversation),
  ]);
  return {
    ...conversation,
    customer: {
      customerId: customer.customerId,
      ...(customer.name ? { name: customer.name } : {}),
      identities: customer.identities,
      ...(customer.attributes ? { attributes: customer.attributes } : {}),
      consent: customer.consent,
    },
    timeline: timeline.items,
    ...(timeline.nextCursor ? { timelineCursor: timeline.nextCursor } : {}),
    notes,
    replyTo,
  };
}
