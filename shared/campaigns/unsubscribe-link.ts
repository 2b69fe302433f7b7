import * as z from 'zod/mini';
import type { Clock } from '../clock.js';
import { CarebridgeError, NotFoundError } from '../errors.js';
import { signToken, type TokenRefusal, tokenClaimsSchema, verifyToken } from '../identity/hs256-token.js';
import { type ConsentChannel, ConsentChannelSchema, IdSchema } from '../schemas/index.js';
import { setConsent } from '../store/consent.js';
import type { Db } from '../store/db.js';

/**
 * The signed, expiring one-click unsubscribe link of campaign messages (RFC 8058): an HS256 token under
 * the identity secret naming the customer, the channel and the campaign, in the query of
 * `/v1/unsubscribe`. `GET` shows a confirmation page and changes nothing (mail scanners follow links);
 * `POST` with the form body `List-Unsubscribe=One-Click` (what mail providers send when the reader
 * presses their Unsubscribe button) opts the customer out of that channel.
 */

/** Audience of unsubscribe tokens: no other token of ours (a verification link's) passes for one. */
export const UNSUBSCRIBE_AUDIENCE = 'carebridge-unsubscribe';
/** How long an unsubscribe link works: 30 days from the message. */
export const UNSUBSCRIBE_LINK_TTL_SECONDS = 30 * 24 * 60 * 60;
/** Longest token accepted; ours are about 300 characters. */
export const UNSUBSCRIBE_TOKEN_MAX_CHARS = 2048;

/** The link's query (page and one-click POST). Not strict: mail clients and scanners add parameters. */
export const UnsubscribeTokenFieldsSchema = z.object({
  token: z.string().check(z.minLength(1), z.maxLength(UNSUBSCRIBE_TOKEN_MAX_CHARS)),
});

/** The one-click POST's form body (RFC 8058 §3.2). Not strict: providers may add fields. */
export const OneClickBodySchema = z.object({
  'List-Unsubscribe': z.literal('One-Click'),
});

/** What an unsubscribe link stands for: `customerId` no longer wants `channel`, as `campaignId` asked. */
export interface UnsubscribeClaim {
  readonly customerId: string;
  readonly channel: ConsentChannel;
  readonly campaignId: string;
}

/** An unsubscribe token that is forged, malformed, for another audience (`invalid`) or `expired`. */
export class UnsubscribeLinkError extends CarebridgeError {
  override name = 'UnsubscribeLinkError';
  constructor(
    readonly refusal: TokenRefusal,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const PayloadSchema = z.extend(tokenClaimsSchema(UNSUBSCRIBE_AUDIENCE), {
  ch: ConsentChannelSchema,
  cmp: IdSchema,
});

/** Signs an unsubscribe token (HS256 under the identity secret), valid for 30 days. */
export async function issueUnsubscribeToken(
  secret: Uint8Array,
  claim: UnsubscribeClaim,
  clock: Clock,
): Promise<string> {
  const { token } = await signToken(
    secret,
    {
      subject: claim.customerId,
      audience: UNSUBSCRIBE_AUDIENCE,
      ttlSeconds: UNSUBSCRIBE_LINK_TTL_SECONDS,
      claims: { ch: claim.channel, cmp: claim.campaignId },
    },
    clock,
  );
  return token;
}

/** Verifies an unsubscribe token; UnsubscribeLinkError (`invalid` or `expired`) for any failure. */
export async function verifyUnsubscribeToken(
  secret: Uint8Array,
  token: string,
  clock: Clock,
): Promise<UnsubscribeClaim> {
  if (token.length > UNSUBSCRIBE_TOKEN_MAX_CHARS) {
    throw new UnsubscribeLinkError('invalid', 'this unsubscribe link is not valid');
  }
  const verified = await verifyToken(secret, token, UNSUBSCRIBE_AUDIENCE, PayloadSchema, clock);
  if (!verified.ok) {
    const message =
      verified.refusal === 'expired'
        ? 'this unsubscribe link has expired'
        : 'this unsubscribe link is not valid';
    throw new UnsubscribeLinkError(verified.refusal, message, { cause: verified.cause });
  }
  const { sub, ch, cmp } = verified.claims;
  return { customerId: sub, channel: ch, campaignId: cmp };
}

/** The link for a message: the unsubscribe route's public URL with the token. */
export function unsubscribeUrl(routeUrl: string, token: string): string {
  const url = new URL(routeUrl);
  url.searchParams.set('token', token);
  return url.toString();
}

/** The headers of RFC 8058 one-click unsubscription, by name. */
export interface ListUnsubscribeHeaders {
  readonly 'List-Unsubscribe': string;
  readonly 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click';
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The headers a campaign email carries for one-click unsubscription: `List-Unsubscribe: <url>` and
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`. RFC 8058 wants an HTTPS URI (plain HTTP is
 * accepted for the local stack's loopback address only); the DKIM signature of the mail must cover
 * both headers for providers to offer the button.
 */
export function listUnsubscribeHeaders(url: string): ListUnsubscribeHeaders {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && LOOPBACK_HOSTS.has(parsed.hostname))) {
    throw new Error('a one-click unsubscribe URL must be https');
  }
  // A URL serialized by URL has no spaces, angle brackets or line breaks that could break the header.
  return {
    'List-Unsubscribe': `<${parsed.toString()}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

/** What unsubscribing did: whether the channel's consent changed (false for a repeat or a gone customer). */
export interface UnsubscribeResult {
  readonly changed: boolean;
}

/**
 * Opts the link's customer out of its channel, with source `unsubscribe-link:<campaignId>`, now.
 * Idempotent: a customer already opted out keeps their recorded decision as it is (time and source),
 * so a provider's retried POST changes nothing. A customer that no longer exists (erased) is not an
 * error: there is nothing left to send to.
 */
export async function unsubscribe(db: Db, claim: UnsubscribeClaim, clock: Clock): Promise<UnsubscribeResult> {
  try {
    const change = await setConsent(
      db,
      claim.customerId,
      claim.channel,
      { status: 'opted_out', at: clock.now(), source: `unsubscribe-link:${claim.campaignId}` },
      clock,
      { onlyStatusChange: true },
    );
    return { changed: change.changed };
  } catch (error) {
    if (error instanceof NotFoundError) return { changed: false };
    throw error;
  }
}
