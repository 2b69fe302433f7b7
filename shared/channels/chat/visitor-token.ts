import * as z from 'zod/mini';
import type { Clock } from '../../clock.js';
import { UnauthorizedError } from '../../errors.js';
import { signToken, tokenClaimsSchema, verifyToken } from '../../identity/hs256-token.js';

/** Audience of every visitor token: a token of another carebridge API (or another product) is refused. */
export const VISITOR_TOKEN_AUDIENCE = 'carebridge-chat';
/** How long a chat session's token lasts. */
export const VISITOR_TOKEN_TTL_SECONDS = 24 * 60 * 60;
/** Longest token accepted; ours are well under 1 KB, so anything larger is not ours. */
export const VISITOR_TOKEN_MAX_CHARS = 4096;

/** Raised for a visitor token that is missing, malformed, forged, for another audience or expired. */
export class InvalidVisitorTokenError extends UnauthorizedError {
  override name = 'InvalidVisitorTokenError';
  constructor(
    readonly reason: 'missing' | 'expired' | 'invalid',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The HMAC key visitor tokens are signed with; see ./token-secret.ts for where it comes from. */
export interface VisitorTokenKey {
  readonly secret: Uint8Array;
}

/** Who a chat session belongs to. */
export interface Visitor {
  /** ULID issued with the session; the visitor's identity (`visitor` kind) once they write. */
  readonly visitorId: string;
  /** Canonical email the visitor gave: a claim, unless the site signed it (`emailVerified`). */
  readonly email?: string | undefined;
  /** True when the site signed the email (shared/identity/site-signature.ts). */
  readonly emailVerified?: boolean | undefined;
  readonly name?: string | undefined;
}

/** A verified token's content. */
export interface VisitorClaims extends Visitor {
  /** Epoch seconds. */
  readonly issuedAt: number;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/** The claims we sign; a token carrying anything else was not made by us. */
const VisitorTokenPayloadSchema = z.extend(tokenClaimsSchema(VISITOR_TOKEN_AUDIENCE), {
  email: z.optional(z.string().check(z.maxLength(254))),
  email_verified: z.optional(z.literal(true)),
  name: z.optional(z.string().check(z.maxLength(200))),
});

/** Signs a visitor token (HS256) valid for VISITOR_TOKEN_TTL_SECONDS from the clock's now. */
export async function issueVisitorToken(
  key: VisitorTokenKey,
  visitor: Visitor,
  clock: Clock,
): Promise<{ token: string; claims: VisitorClaims }> {
  const { token, issuedAt, expiresAt } = await signToken(
    key.secret,
    {
      subject: visitor.visitorId,
      audience: VISITOR_TOKEN_AUDIENCE,
      ttlSeconds: VISITOR_TOKEN_TTL_SECONDS,
      claims: {
        ...(visitor.email ? { email: visitor.email } : {}),
        ...(visitor.email && visitor.emailVerified ? { email_verified: true } : {}),
        ...(visitor.name ? { name: visitor.name } : {}),
      },
    },
    clock,
  );
  return { token, claims: { ...visitor, issuedAt, expiresAt } };
}

/**
 * Verifies a visitor token: signature (HS256 only), audience, issuer and expiry against the clock, then
 * the claims' shape. Throws InvalidVisitorTokenError (`expired` or `invalid`) for any failure.
 */
export async function verifyVisitorToken(
  key: VisitorTokenKey,
  token: string | undefined,
  clock: Clock,
): Promise<VisitorClaims> {
  if (token === undefined || token === '')
    throw new InvalidVisitorTokenError('missing', 'a visitor token is required');
  if (token.length > VISITOR_TOKEN_MAX_CHARS)
    throw new InvalidVisitorTokenError('invalid', 'invalid visitor token');
  const verified = await verifyToken(
    key.secret,
    token,
    VISITOR_TOKEN_AUDIENCE,
    VisitorTokenPayloadSchema,
    clock,
  );
  if (!verified.ok) {
    const message =
      verified.refusal === 'expired' ? 'the visitor token has expired' : 'invalid visitor token';
    throw new InvalidVisitorTokenError(verified.refusal, message, { cause: verified.cause });
  }
  const { sub, email, email_verified, name, iat, exp } = verified.claims;
  return {
    visitorId: sub,
    email,
    emailVerified: email_verified === true,
    name,
    issuedAt: iat,
    expiresAt: exp,
  };
}
