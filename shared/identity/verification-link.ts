import { errors, jwtVerify, SignJWT } from 'jose';
import * as z from 'zod/mini';
import type { Clock } from '../clock.js';
import { UnauthorizedError } from '../errors.js';
import { IdSchema } from '../schemas/index.js';

/** Audience of verification-link tokens: no other token of ours (a chat visitor's) passes for one. */
export const VERIFICATION_AUDIENCE = 'carebridge-identity-verification';
const ISSUER = 'carebridge';
const ALGORITHM = 'HS256';
/** How long a verification link works. */
export const VERIFICATION_LINK_TTL_SECONDS = 24 * 60 * 60;
/** Longest token accepted; ours are well under 1 KB. */
export const VERIFICATION_TOKEN_MAX_CHARS = 2048;

/** What a verification link proves once clicked: `email` belongs to `customerId`. */
export interface VerificationClaim {
  readonly customerId: string;
  readonly email: string;
}

/** A verification link's token that is missing, forged, for another audience or expired. */
export class InvalidVerificationLinkError extends UnauthorizedError {
  override name = 'InvalidVerificationLinkError';
}

const PayloadSchema = z.strictObject({
  sub: IdSchema,
  email: z.email().check(z.maxLength(254)),
  iat: z.number().check(z.int(), z.nonnegative()),
  exp: z.number().check(z.int(), z.positive()),
  aud: z.literal(VERIFICATION_AUDIENCE),
  iss: z.literal(ISSUER),
});

function epochSeconds(clock: Clock): number {
  return Math.floor(Date.parse(clock.now()) / 1000);
}

/** Signs a verification-link token (HS256 under the identity secret), valid for a day. */
export async function issueVerificationToken(
  secret: Uint8Array,
  claim: VerificationClaim,
  clock: Clock,
): Promise<string> {
  const issuedAt = epochSeconds(clock);
  return new SignJWT({ email: claim.email })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(claim.customerId)
    .setIssuer(ISSUER)
    .setAudience(VERIFICATION_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + VERIFICATION_LINK_TTL_SECONDS)
    .sign(secret);
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
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, secret, {
      algorithms: [ALGORITHM],
      audience: VERIFICATION_AUDIENCE,
      issuer: ISSUER,
      requiredClaims: ['sub', 'iat', 'exp'],
      currentDate: new Date(clock.now()),
    }));
  } catch (error) {
    const message =
      error instanceof errors.JWTExpired
        ? 'this verification link has expired'
        : 'this verification link is not valid';
    throw new InvalidVerificationLinkError(message, { cause: error });
  }
  const parsed = PayloadSchema.safeParse(payload);
  if (!parsed.success) {
    throw new InvalidVerificationLinkError('this verification link is not valid', { cause: parsed.error });
  }
  return { customerId: parsed.data.sub, email: parsed.data.email };
}

/** The link mailed to the address: the verify route's URL with the token. */
export function verificationLink(verifyUrl: string, token: string): string {
  const url = new URL(verifyUrl);
  url.searchParams.set('token', token);
  return url.toString();
}
