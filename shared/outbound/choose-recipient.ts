import { NotDeliverableError } from '../errors.js';
import type { Customer, Identity, IdentityKind, IdentityRef, Interaction } from '../schemas/index.js';
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
  return customer.identities.some((identity) => identity.kind === 'email') ? 'email' : 'sms';
}

/**
 * The address to write to on `channel`: the one the customer wrote from when answering them on the
 * same channel, else their first address of that kind.
 */
export function replyAddress(
  customer: Customer,
  channel: ReplyChannel,
  answering: Interaction | undefined,
): IdentityRef {
  const kind = ADDRESS_KIND[channel];
  const used =
    answering?.channel === channel
      ? answering.identities.find((identity) => identity.kind === kind)
      : undefined;
  const address = used ?? customer.identities.find((identity) => identity.kind === kind);
  if (!address) throw new NotDeliverableError('no_address', `the customer has no ${kind} to write to`);
  return address;
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
