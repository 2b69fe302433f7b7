import { decodeTime } from 'ulid';
import type { Interaction } from '../../schemas/index.js';
import { getCustomer } from '../../store/customers.js';
import type { Db } from '../../store/db.js';
import { getIdentities } from '../../store/identities.js';
import { recordDelivery } from '../../store/interactions.js';
import { getTimeline } from '../../store/timeline.js';
import { type ChatMessageView, chatMessageView } from './protocol.js';

/** Most messages one call returns. */
export const VISITOR_MESSAGES_LIMIT = 100;
/** The scan of the customer's timeline stops after this many pages (of 100), whatever it found. */
const MAX_TIMELINE_PAGES = 10;
const TIMELINE_PAGE_SIZE = 100;
/**
 * Ids are minted by different processes and occurredAt can precede the id's time (an inbound message's
 * time is the gateway's request time): look this much further back than the ids say.
 */
const SKEW_MS = 5 * 60 * 1000;

/** providerRefs key set on a reply the visitor received by fetching it rather than by a push. */
export const DELIVERED_VIA_REF = 'deliveredVia';

export interface VisitorMessages {
  /** Oldest first. */
  readonly messages: ChatMessageView[];
  /** More messages follow the last one: ask again with `after` = its interactionId. */
  readonly hasMore: boolean;
}

/**
 * Access pattern "a chat visitor's messages": the visitor's own chat messages and the agent replies sent
 * to that visitor, never anything else of the customer's timeline (other channels, other visitors of a
 * merged customer): an email given in chat is unverified, so the visitor must not see what the rest of
 * the customer's history says.
 *
 * How: identity item `visitor#<id>` → customer (following merges) → timeline (gsi1) newest first,
 * filtered to channel `chat` and this visitor's identity, down to the visitor's creation time (the
 * time of their ULID, or of `after` when given). Bounded to 10 pages of 100 timeline items.
 * Ordered by interaction id (ULID, creation order); `after` returns only messages created after that id.
 * Replies returned while still `queued` (nobody was online when they were pushed) become `delivered`.
 */
export async function listVisitorMessages(
  db: Db,
  visitorId: string,
  after: string | undefined,
): Promise<VisitorMessages> {
  const [identity] = await getIdentities(db, [{ kind: 'visitor', value: visitorId }], false);
  if (!identity) return { messages: [], hasMore: false };
  const customer = await getCustomer(db, identity.customerId);
  const floor = new Date(
    Math.max(decodeTime(visitorId), after === undefined ? 0 : decodeTime(after)) - SKEW_MS,
  ).toISOString();

  const found: Interaction[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TIMELINE_PAGES; page++) {
    const result = await getTimeline(db, customer, { limit: TIMELINE_PAGE_SIZE, cursor });
    const inRange = result.items.filter((interaction) => interaction.occurredAt >= floor);
    found.push(
      ...inRange.filter(
        (interaction) =>
          isVisitorChat(interaction, visitorId) && (after === undefined || interaction.interactionId > after),
      ),
    );
    if (inRange.length < result.items.length || !result.nextCursor) break;
    cursor = result.nextCursor;
  }

  found.sort((a, b) => (a.interactionId < b.interactionId ? -1 : a.interactionId > b.interactionId ? 1 : 0));
  const page = found.slice(0, VISITOR_MESSAGES_LIMIT);
  const fetched = page.filter(
    (interaction) => interaction.direction === 'outbound' && interaction.deliveryStatus === 'queued',
  );
  await Promise.all(
    fetched.map((interaction) =>
      recordDelivery(db, interaction.interactionId, 'delivered', { [DELIVERED_VIA_REF]: 'fetch' }),
    ),
  );
  return { messages: page.map(chatMessageView), hasMore: found.length > VISITOR_MESSAGES_LIMIT };
}

/** A chat interaction from or to this visitor. */
function isVisitorChat(interaction: Interaction, visitorId: string): boolean {
  return (
    interaction.channel === 'chat' &&
    interaction.identities.some((identity) => identity.kind === 'visitor' && identity.value === visitorId)
  );
}
