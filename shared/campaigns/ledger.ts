import * as z from 'zod/mini';
import { ContentionError } from '../errors.js';
import {
  type ConsentChannel,
  ConsentChannelSchema,
  type Customer,
  type IdentityKind,
  type IdentityRef,
  IdentityRefSchema,
  IdSchema,
  IsoTimestampSchema,
  type QuietHours,
} from '../schemas/index.js';
import { batchGetItems } from '../store/batch-get.js';
import type { Db } from '../store/db.js';
import { identityFromItem } from '../store/items.js';
import { identityKey } from '../store/keys.js';
import {
  checkCaps,
  LedgerSendSchema,
  MAX_LEDGER_SENDS,
  type MarketingCaps,
  MarketingCapsSchema,
  SendKeySchema,
  withSend,
} from './ledger-caps.js';
import { DEFAULT_QUIET_HOURS, isKnownTimeZone, nextAllowedInstant } from './ledger-quiet-hours.js';
import { getProfileWithLedger, type LedgerSnapshot, writeLedgerSends } from './ledger-store.js';

/**
 * The contact ledger's decision for one marketing message of a campaign step (docs/data-model.md,
 * "Contact ledger"): consent, reachability, suppression, caps and quiet hours, then an atomic
 * reservation of the send in the channel's rolling windows. Agent replies are not marketing and never
 * come here (shared/outbound/choose-recipient.ts checks their opt-out and deliverability).
 *
 * Consent policy for marketing:
 * - an opt-out on the channel always suppresses (`no-consent`);
 * - SMS needs an explicit opt-in (a START, a consent box): carriers and the TCPA want prior express
 *   consent for marketing texts, and a customer who texted support has not given it;
 * - email and chat: an opt-in passes; no decision at all passes only when the campaign says
 *   `consentRequired: false` (the default is true), for a soft opt-in where the law allows it.
 */

/** Why a marketing message is not sent. */
export type SuppressionReason =
  | 'no-consent'
  | 'unreachable'
  | 'open-conversation'
  | 'recent-sla-breach'
  | 'low-satisfaction'
  | 'cap';

/**
 * What holds a campaign back from a customer, unless the campaign says otherwise:
 * - `openConversation`: while the customer has a conversation open;
 * - `slaBreachDays`: within this many days of a missed service level (null: never);
 * - `lowSatisfaction`: after a score of `atMost` or less, given within `withinDays` (null: ever).
 */
export const SuppressionPolicySchema = z.strictObject({
  openConversation: z.boolean(),
  slaBreachDays: z.nullable(z.number().check(z.int(), z.minimum(1), z.maximum(365))),
  lowSatisfaction: z.nullable(
    z.strictObject({
      atMost: z.number().check(z.int(), z.minimum(1), z.maximum(5)),
      withinDays: z.nullable(z.number().check(z.int(), z.minimum(1), z.maximum(3650))),
    }),
  ),
});
export type SuppressionPolicy = z.infer<typeof SuppressionPolicySchema>;

/** Suppression when the campaign does not say otherwise. */
export const DEFAULT_SUPPRESSION: SuppressionPolicy = {
  openConversation: true,
  slaBreachDays: 14,
  lowSatisfaction: { atMost: 2, withinDays: 90 },
};

/** One marketing message a campaign step wants to send. */
export interface MarketingSendRequest {
  readonly customerId: string;
  readonly channel: ConsentChannel;
  readonly caps: MarketingCaps;
  /** ISO-8601 UTC: the domain clock's now. */
  readonly now: string;
  readonly suppression: SuppressionPolicy;
  /** Email and chat: false lets a customer who never decided be written to. SMS always needs an opt-in. */
  readonly consentRequired?: boolean;
  /** The time zone of a customer who has none on the profile (default `UTC`). */
  readonly defaultTimeZone?: string;
  /** Quiet hours of a customer who has none of their own (default 21:00-08:00). */
  readonly defaultQuietHours?: QuietHours;
  /** The send's key (campaign, recipient and step): a retried reservation under it counts once. */
  readonly sendKey?: string;
}

/**
 * What reserveMarketingSend needs: the customer (the survivor of a merge), channel, address, caps and
 * the ledger as the check read it. Plain JSON, so it can travel through a queue or a state machine;
 * parse it with this schema where it comes back in.
 */
export const MarketingReservationSchema = z.strictObject({
  customerId: IdSchema,
  channel: ConsentChannelSchema,
  address: IdentityRefSchema,
  caps: MarketingCapsSchema,
  sendKey: z.optional(SendKeySchema),
  ledger: z.strictObject({
    version: z.number().check(z.int(), z.nonnegative()),
    sends: z.array(LedgerSendSchema).check(z.maxLength(MAX_LEDGER_SENDS)),
  }),
});
export type MarketingReservation = z.infer<typeof MarketingReservationSchema>;

/** The ledger's answer for one marketing message. */
export type MarketingSendDecision =
  /** Send now, after reserveMarketingSend. */
  | { readonly kind: 'allowed'; readonly reservation: MarketingReservation }
  /** Quiet hours in the customer's time zone: ask again at `until` (ISO-8601 UTC). */
  | { readonly kind: 'deferred'; readonly reason: 'quiet-hours'; readonly until: string }
  /** A cap is reached: `until` is when its window has room again. */
  | { readonly kind: 'suppressed'; readonly reason: 'cap'; readonly until: string }
  | { readonly kind: 'suppressed'; readonly reason: Exclude<SuppressionReason, 'cap'> };

const ADDRESS_KIND: Record<ConsentChannel, IdentityKind> = { email: 'email', sms: 'phone', chat: 'visitor' };
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Decides whether a campaign step may send one marketing message now, reading at most two requests:
 * the profile with its ledgers (one strongly consistent Query), then, only when everything else lets
 * the message through, the address's identity item (its `undeliverable` mark). Checks, in order:
 * consent (`no-consent`), an address (`unreachable`), suppression (`open-conversation`,
 * `recent-sla-breach`, `low-satisfaction`), caps (`cap`, with when the window has room), quiet hours in
 * the customer's time zone (`deferred` until they end), deliverability (`unreachable`). An unknown
 * customer (erased) is `unreachable`. Nothing is written: reserve the send with reserveMarketingSend.
 */
export async function checkMarketingSend(
  db: Db,
  request: MarketingSendRequest,
): Promise<MarketingSendDecision> {
  const now = new Date(IsoTimestampSchema.parse(request.now));
  const found = await getProfileWithLedger(db, request.customerId, request.channel);
  if (!found) return { kind: 'suppressed', reason: 'unreachable' };
  const { customer, ledger } = found;

  if (!consents(customer, request)) return { kind: 'suppressed', reason: 'no-consent' };
  const addresses = marketingAddresses(customer, request.channel);
  if (addresses.length === 0) return { kind: 'suppressed', reason: 'unreachable' };
  const suppressed = suppressionOf(customer, request.suppression, now);
  if (suppressed) return { kind: 'suppressed', reason: suppressed };

  const caps = checkCaps(ledger.sends, request.caps, now, request.sendKey);
  if (caps.kind === 'full') return { kind: 'suppressed', reason: 'cap', until: caps.until.toISOString() };
  // A send already counted under this key is one the caller is retrying: quiet hours were checked then.
  if (caps.kind === 'open') {
    const allowedAt = nextAllowedInstant(now, timeZoneOf(customer, request), quietHoursOf(customer, request));
    if (allowedAt > now) return { kind: 'deferred', reason: 'quiet-hours', until: allowedAt.toISOString() };
  }

  const address = await firstDeliverable(db, customer, addresses);
  if (!address) return { kind: 'suppressed', reason: 'unreachable' };
  return { kind: 'allowed', reservation: reservationOf(customer, request, address, ledger) };
}

function consents(customer: Customer, request: MarketingSendRequest): boolean {
  const status = customer.consent[request.channel]?.status;
  if (status === 'opted_out') return false;
  if (status === 'opted_in') return true;
  return request.channel !== 'sms' && request.consentRequired === false;
}

/**
 * Addresses a marketing message may go to: the customer's verified identities of the channel's kind.
 * A claim is never written to unasked: it may be somebody else's address.
 */
function marketingAddresses(customer: Customer, channel: ConsentChannel): IdentityRef[] {
  const kind = ADDRESS_KIND[channel];
  return customer.identities
    .filter((identity) => identity.kind === kind && identity.trust === 'verified')
    .map(({ kind, value }) => ({ kind, value }));
}

function suppressionOf(
  customer: Customer,
  policy: SuppressionPolicy,
  now: Date,
): Exclude<SuppressionReason, 'cap' | 'no-consent' | 'unreachable'> | undefined {
  if (policy.openConversation && customer.openConversationId) return 'open-conversation';
  const breachAt = customer.lastSlaBreachAt;
  if (policy.slaBreachDays !== null && breachAt !== undefined) {
    if (Date.parse(breachAt) > now.getTime() - policy.slaBreachDays * DAY_MS) return 'recent-sla-breach';
  }
  const satisfaction = customer.lastSatisfaction;
  const low = policy.lowSatisfaction;
  if (low !== null && satisfaction !== undefined && satisfaction.score <= low.atMost) {
    const recent =
      low.withinDays === null || Date.parse(satisfaction.at) > now.getTime() - low.withinDays * DAY_MS;
    if (recent) return 'low-satisfaction';
  }
  return undefined;
}

/** The customer's zone if the runtime knows it, else the campaign's default, else UTC. */
function timeZoneOf(customer: Customer, request: MarketingSendRequest): string {
  for (const zone of [customer.timeZone, request.defaultTimeZone]) {
    if (zone !== undefined && isKnownTimeZone(zone)) return zone;
  }
  return 'UTC';
}

function quietHoursOf(customer: Customer, request: MarketingSendRequest): QuietHours {
  return customer.quietHours ?? request.defaultQuietHours ?? DEFAULT_QUIET_HOURS;
}

/**
 * The first of `addresses` whose identity item still belongs to the customer and is not marked
 * undeliverable (a hard bounce, a complaint, a carrier block): one eventually consistent read.
 */
async function firstDeliverable(
  db: Db,
  customer: Customer,
  addresses: readonly IdentityRef[],
): Promise<IdentityRef | undefined> {
  const items = await batchGetItems(db, addresses.map(identityKey), false);
  const stored = new Map(
    items.map(identityFromItem).map((identity) => [`${identity.kind}#${identity.value}`, identity]),
  );
  return addresses.find((address) => {
    const identity = stored.get(`${address.kind}#${address.value}`);
    return identity?.customerId === customer.customerId && identity.undeliverable === undefined;
  });
}

function reservationOf(
  customer: Customer,
  request: MarketingSendRequest,
  address: IdentityRef,
  ledger: LedgerSnapshot,
): MarketingReservation {
  return {
    customerId: customer.customerId,
    channel: request.channel,
    address,
    caps: request.caps,
    ...(request.sendKey === undefined ? {} : { sendKey: request.sendKey }),
    ledger: { version: ledger.version, sends: [...ledger.sends] },
  };
}

/** What reserving a send did. */
export type MarketingReservationResult =
  /** Counted at `at`; `repeated` when this send key was counted before (a retry): send, once. */
  | { readonly kind: 'reserved'; readonly at: string; readonly repeated: boolean }
  /** A concurrent send filled a window first: `until` is when it has room again. */
  | { readonly kind: 'suppressed'; readonly reason: 'cap'; readonly until: string };

const MAX_RESERVE_ATTEMPTS = 8;

/**
 * Counts one marketing message in the channel's rolling windows before the caller sends it: a
 * conditional UpdateItem of the ledger on the version the check read. When another send won the race,
 * the failed write returns the ledger as it is now and the caps are decided again on it, so two
 * concurrent sends can never both pass a cap: one is reserved, the other gets `cap`. A send key already
 * counted is `reserved` again (`repeated`), without counting twice. ContentionError after repeated
 * lost races (retry later).
 */
export async function reserveMarketingSend(
  db: Db,
  reservation: MarketingReservation,
  now: string,
): Promise<MarketingReservationResult> {
  const at = new Date(IsoTimestampSchema.parse(now));
  let ledger: LedgerSnapshot = reservation.ledger;
  for (let attempt = 0; attempt < MAX_RESERVE_ATTEMPTS; attempt++) {
    const caps = checkCaps(ledger.sends, reservation.caps, at, reservation.sendKey);
    if (caps.kind === 'counted') return { kind: 'reserved', at: caps.at, repeated: true };
    if (caps.kind === 'full') return { kind: 'suppressed', reason: 'cap', until: caps.until.toISOString() };
    const sends = withSend(ledger.sends, at, reservation.sendKey);
    const write = await writeLedgerSends(db, reservation.customerId, reservation.channel, ledger, sends, now);
    if (write.written) return { kind: 'reserved', at: at.toISOString(), repeated: false };
    ledger = write.current;
  }
  throw new ContentionError('the contact ledger kept changing; retry the reservation');
}
