import { type Customer, type IdentityKind, type IdentityRef, identityString } from '../schemas/index.js';
import { batchGetItems } from '../store/batch-get.js';
import type { Db } from '../store/db.js';
import { identityFromItem } from '../store/items.js';
import { identityKey } from '../store/keys.js';
import type { Segment, SegmentChannel } from './segment.js';
import { batchGetReadUnits } from './segment-read-units.js';

const ADDRESS_KIND: Record<SegmentChannel, IdentityKind> = { email: 'email', sms: 'phone' };
const BATCH_GET_MAX_KEYS = 100;

/**
 * Whether a stored profile meets every condition of the segment that the profile alone decides: not
 * merged away, last-interaction day before `cutoffDay` (when the segment has that condition; the index
 * may lag the profile), no open conversation, every tag, the lifetime value and the satisfaction score
 * (an unknown value never qualifies), and for `channels` at least one address worth checking.
 */
export function matchesProfile(customer: Customer, segment: Segment, cutoffDay: string | undefined): boolean {
  if (customer.mergedInto !== undefined) return false;
  if (cutoffDay !== undefined) {
    const last = customer.lastInteractionAt;
    if (last === undefined || last.slice(0, 10) >= cutoffDay) return false;
  }
  if (segment.noOpenConversation === true && customer.openConversationId !== undefined) return false;
  if (segment.tags !== undefined) {
    const tags = new Set(customer.tags ?? []);
    if (!segment.tags.every((tag) => tags.has(tag))) return false;
  }
  const lifetimeValue = customer.attributes?.lifetimeValue;
  if (
    segment.lifetimeValueAtLeast !== undefined &&
    (lifetimeValue === undefined || lifetimeValue < segment.lifetimeValueAtLeast)
  ) {
    return false;
  }
  const score = customer.lastSatisfaction?.score;
  if (
    segment.lastSatisfactionAtMost !== undefined &&
    (score === undefined || score > segment.lastSatisfactionAtMost)
  ) {
    return false;
  }
  return segment.channels === undefined || candidateAddresses(customer, segment.channels).length > 0;
}

/**
 * The addresses that could reach the customer on any of `channels`: verified identities of the channel's
 * kind (email; phone for SMS) on a channel the customer has not opted out of. A campaign answers no
 * message, so a merely claimed address never qualifies (shared/outbound/choose-recipient.ts uses a claim
 * only for replies within the conversation that carried it).
 */
export function candidateAddresses(customer: Customer, channels: readonly SegmentChannel[]): IdentityRef[] {
  const kinds = new Set(
    channels
      .filter((channel) => customer.consent[channel]?.status !== 'opted_out')
      .map((c) => ADDRESS_KIND[c]),
  );
  return customer.identities
    .filter((identity) => identity.trust === 'verified' && kinds.has(identity.kind))
    .map((identity) => ({ kind: identity.kind, value: identity.value }));
}

/**
 * Which of `customers` (each already past matchesProfile) have a deliverable address on one of the
 * segment's channels: its identity item still belongs to the customer, is verified and is not marked
 * undeliverable (bounce, complaint, carrier block; shared/store/deliverability.ts). One BatchGetItem per
 * 100 addresses, read eventually consistent. Without `channels`, everyone passes and nothing is read.
 */
export async function withDeliverableAddress(
  db: Db,
  customers: readonly Customer[],
  segment: Segment,
): Promise<{ readonly passed: ReadonlySet<string>; readonly readUnits: number }> {
  const channels = segment.channels;
  if (channels === undefined) return { passed: new Set(customers.map((c) => c.customerId)), readUnits: 0 };
  const wanted = new Map<string, IdentityRef>();
  for (const customer of customers) {
    for (const address of candidateAddresses(customer, channels))
      wanted.set(identityString(address), address);
  }
  const refs = [...wanted.values()];
  const deliverable = new Map<string, string>();
  let readUnits = 0;
  for (let start = 0; start < refs.length; start += BATCH_GET_MAX_KEYS) {
    const keys = refs.slice(start, start + BATCH_GET_MAX_KEYS).map(identityKey);
    const items = await batchGetItems(db, keys, false);
    readUnits += batchGetReadUnits(keys.length, items);
    for (const identity of items.map(identityFromItem)) {
      if (identity.trust === 'verified' && identity.undeliverable === undefined) {
        deliverable.set(identityString(identity), identity.customerId);
      }
    }
  }
  const passed = new Set(
    customers
      .filter((customer) =>
        candidateAddresses(customer, channels).some(
          (address) => deliverable.get(identityString(address)) === customer.customerId,
        ),
      )
      .map((customer) => customer.customerId),
  );
  return { passed, readUnits };
}
