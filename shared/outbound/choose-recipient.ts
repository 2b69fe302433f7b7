import { NotDeliverableError } from '../errors.js';
import {
  type Customer,
  type Identity,
  type IdentityKind,
  type IdentityRef,
  type Interaction,
  identityString,
  type TrustedIdentity,
} from '../schemas/index.js';
import type { ConversationInbound } from '../store/interactions.js';
import type { ReplyChannel } from './sender.js';

const ADDRESS_KIND: Record<ReplyChannel, IdentityKind> = { email: 'email', sms: 'phone', chat: 'visitor' };

/**
 * The channel a reply goes out on: the one asked for, else the channel of the customer's message
 * being answered. A web form cannot receive, so its answer goes by email, or SMS without an email.
 */
export function replyChannel(
  customer: Customer,
  requested: ReplyChannel | undefined,
  answering: Interaction | undefined,
): ReplyChannel {
  if (requested) return requested;
  const channel = answering?.channel;
  if (channel === 'email' || channel === 'sms' || channel === 'chat') return channel;
  const preferred = customer.preferredChannel;
  if (preferred === 'email' || preferred === 'sms') return preferred;
  const addresses = answering?.identities ?? customer.identities;
  return addresses.some((identity) => identity.kind === 'email') ? 'email' : 'sms';
}

/**
 * The address to write to on `channel`, with the trust it has (shown to the agent). Replies go only to
 * identities that are verified for this customer, or claimed by the very sender of the conversation's
 * messages: a claimed address is used only when every message of the conversation carried it (so it
 * was never one person's claim in another person's conversation). Preference: the address the answered
 * message came from, then the customer's verified address of that kind.
 *
 * NotDeliverableError `no_address` when there is none, `unverified_address` when the only candidates
 * are claims the conversation's messages do not all share.
 */
export function replyAddress(
  customer: Customer,
  channel: ReplyChannel,
  inbound: ConversationInbound,
): TrustedIdentity {
  const kind = ADDRESS_KIND[channel];
  const verified = new Set(
    customer.identities.filter((identity) => identity.trust === 'verified').map(identityString),
  );
  const claimedByEverySender = (identity: IdentityRef) =>
    inbound.complete &&
    inbound.messages.length > 0 &&
    inbound.messages.every((message) =>
      message.identities.some((carried) => identityString(carried) === identityString(identity)),
    );
  // The answered message's address first, then the customer's proven ones, then their claims (which
  // pass only when every message of the conversation carried them).
  const candidates = [
    ...(inbound.latest?.identities ?? []),
    ...customer.identities.filter((identity) => identity.trust === 'verified'),
    ...customer.identities.filter((identity) => identity.trust === 'claimed'),
  ].filter((identity) => identity.kind === kind);
  if (candidates.length === 0) {
    throw new NotDeliverableError('no_address', `the customer has no ${kind} to write to`);
  }
  for (const candidate of candidates) {
    const ref = { kind: candidate.kind, value: candidate.value };
    if (verified.has(identityString(ref))) return { ...ref, trust: 'verified' };
    if (claimedByEverySender(ref)) return { ...ref, trust: 'claimed' };
  }
  throw new NotDeliverableError(
    'unverified_address',
    `the only ${kind} known is an unverified claim that not every message of this conversation made`,
  );
}

/** Refuses a channel the customer opted out of, or an address known to be undeliverable. */
export function assertDeliverable(
  customer: Customer,
  channel: ReplyChannel,
  address: Identity | undefined,
): void {
  if (customer.consent[channel]?.status === 'opted_out') {
    throw new NotDeliverableError('opted_out', `the customer opted out of ${channel}`);
  }
  if (address?.undeliverable) {
    throw new NotDeliverableError(
      'undeliverable',
      `the address is undeliverable (${address.undeliverable.reason})`,
    );
  }
}
