import * as z from 'zod/mini';
import type { Clock } from '../clock.js';
import { UnauthorizedError } from '../errors.js';
import { signToken, tokenClaimsSchema, verifyToken } from './hs256-token.js';

/** Audience of verification-link tokens: no other token of ours (a chat visitor's) passes for one. */
export const VERIFICATION_AUDIENCE = 'carebridge-identity-verification';
/** How long a verification link works. */
export const VERIFICATION_LINK_TTL_SECONDS = 24 * 60 * 60;
/** Longest token accepted; ours are well under 1 KB. */
export const VERIFICATION_TOKEN_MAX_CHARS = 2048;

/**
 * The token of a verification link: in the query of the page it opens (`GET /v1/identity/verify`) and in
 * the body of its Confirm form (`POST`). Not strict: mail clients and scanners may add parameters.
 */
export const VerificationTokenFieldsSchema = z.object({
  token: z.string().check(z.minLength(1), z.maxLength(VERIFICATION_TOKEN_MAX_CHARS)),
});

/** What a verification link proves once clicked: `email` belongs to `customerId`. */
export interface VerificationClaim {
  readonly customerId: string;
  readonly email: string;
}

/** A verification link's token that is missing, forged, for another audience or expired. */
export class InvalidVerificationLinkError extends UnauthorizedError {
  override name = 'InvalidVerificationLinkError';
}

const PayloadSchema = z.extend(tokenClaimsSchema(VERIFICATION_AUDIENCE), {
  email: z.email().check(z.maxLength(254)),
});

/** Signs a verification-link token (HS256 under the identity secret), valid for a day. */
export async function issueVerificationToken(
  secret: Uint8Array,
  claim: VerificationClaim,
  clock: Clock,
): Promise<string> {
  const { token } = await signToken(
    secret,
    {
      subject: claim.customerId,
      audience: VERIFICATION_AUDIENCE,
      ttlSeconds: VERIFICATION_LINK_TTL_SECONDS,
      claims: { email: claim.email },
    },
    clock,
  );
  return token;
}

/** Verifies a verification-link token; InvalidVerificationLinkError for any failure. */
export async function verifyVerificationToken(
  secret: Uint8Array,
  token: string,
  clock: Clock,
): Promise<VerificationClaim> {
  if (token.length > VERIFICATION_TOKEN_MAX_CHARS) {
    throw new InvalidVerificationLinkError('this verification link is not valid');
  }
  const verified = await verifyToken(secret, token, VERIFICATION_AUDIENCE, PayloadSchema, clock);
  if (!verified.ok) {
    const message =
      verified.refusal === 'expired'
        ? 'this verification link has expired'
        : 'this verification link is not valid';
    throw new InvalidVerificationLinkError(message, { cause: verified.cause });
  }
  return { customerId: verified.claims.sub, email: verified.claims.email };
}

/** The link mailed to the address: the verify route's URL with the token. */
export function verificationLink(verifyUrl: string, token: string): string {
  const url = new URL(verifyUrl);
  url.searchParams.set('token', token);
  return url.toString();
}
