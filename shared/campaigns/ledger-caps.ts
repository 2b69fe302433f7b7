import * as z from 'zod/mini';
import { IsoTimestampSchema } from '../schemas/index.js';

/**
 * Frequency caps on marketing messages, per customer and channel, over rolling windows: the last 24
 * hours and the last 7 days before the send, whatever the campaign that sent them. The ledger keeps the
 * times of the channel's recent marketing sends; these pure functions decide on them.
 */

const HOUR_MS = 60 * 60 * 1000;
/** The rolling windows a cap counts in. */
export const DAY_WINDOW_MS = 24 * HOUR_MS;
export const WEEK_WINDOW_MS = 7 * DAY_WINDOW_MS;

/** The largest cap a campaign may set per window. */
export const MAX_CAP = 50;
/**
 * Sends a ledger keeps: those of the last week, at most this many (the newest). Any cap up to MAX_CAP
 * is decided exactly on them.
 */
export const MAX_LEDGER_SENDS = MAX_CAP;

/** A campaign's caps: at most `perDay` marketing messages in any 24 hours, `perWeek` in any 7 days. */
export const MarketingCapsSchema = z.strictObject({
  perDay: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(MAX_CAP))),
  perWeek: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(MAX_CAP))),
});
export type MarketingCaps = z.infer<typeof MarketingCapsSchema>;

/** The key a send is reserved under (campaign, recipient and step), so a retried reservation counts once. */
export const SendKeySchema = z.string().check(z.minLength(1), z.maxLength(200));

/** One marketing message counted in a ledger: when it was reserved, and under which key. */
export const LedgerSendSchema = z.strictObject({ at: IsoTimestampSchema, key: z.optional(SendKeySchema) });
export type LedgerSend = z.infer<typeof LedgerSendSchema>;

/** What the caps say about one more send. */
export type CapCheck =
  /** Room in every window. */
  | { readonly kind: 'open' }
  /** This very send (same key) is already counted, at `at`. */
  | { readonly kind: 'counted'; readonly at: string }
  /** A window is full; `until` is when the last full one has room again. */
  | { readonly kind: 'full'; readonly until: Date };

/** Whether `caps` let one more send through at `now`, given the ledger's `sends`. */
export function checkCaps(
  sends: readonly LedgerSend[],
  caps: MarketingCaps,
  now: Date,
  sendKey?: string,
): CapCheck {
  const counted = sendKey === undefined ? undefined : sends.find((send) => send.key === sendKey);
  if (counted) return { kind: 'counted', at: counted.at };
  const times = sends.map((send) => Date.parse(send.at)).sort((a, b) => a - b);
  let until = Number.NEGATIVE_INFINITY;
  for (const [cap, window] of [
    [caps.perDay, DAY_WINDOW_MS],
    [caps.perWeek, WEEK_WINDOW_MS],
  ] as const) {
    if (cap === undefined) continue;
    const inWindow = times.filter((time) => time > now.getTime() - window);
    // The window has room again when enough of its oldest sends have left it.
    const blocking = inWindow[inWindow.length - cap];
    if (inWindow.length >= cap && blocking !== undefined) until = Math.max(until, blocking + window);
  }
  return until === Number.NEGATIVE_INFINITY ? { kind: 'open' } : { kind: 'full', until: new Date(until) };
}

/** The ledger's sends after counting one more at `now`: the last week's, at most MAX_LEDGER_SENDS. */
export function withSend(sends: readonly LedgerSend[], now: Date, sendKey?: string): LedgerSend[] {
  const kept = sends
    .filter((send) => Date.parse(send.at) > now.getTime() - WEEK_WINDOW_MS)
    .sort((a, b) => a.at.localeCompare(b.at));
  const added: LedgerSend = { at: now.toISOString(), ...(sendKey === undefined ? {} : { key: sendKey }) };
  return [...kept, added].slice(-MAX_LEDGER_SENDS);
}
