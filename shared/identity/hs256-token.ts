import { errors, jwtVerify, SignJWT } from 'jose';
import * as z from 'zod/mini';
import { type Clock, epochSeconds } from '../clock.js';
import { IdSchema } from '../schemas/index.js';

/**
 * The short HS256 JWTs carebridge issues and checks itself (chat visitor tokens, verification links):
 * one issuer, one audience per use, a ULID subject, issued-at and expiry from the domain clock. Only
 * HS256 is accepted, so a token cannot pick a weaker algorithm or `none`.
 */

const ALGORITHM = 'HS256';
export const TOKEN_ISSUER = 'carebridge';

/** The claims every such token carries, for an audience; extend it with the use's own claims. */
export function tokenClaimsSchema<A extends string>(audience: A) {
  return z.strictObject({
    sub: IdSchema,
    iat: z.number().check(z.int(), z.nonnegative()),
    exp: z.number().check(z.int(), z.positive()),
    aud: z.literal(audience),
    iss: z.literal(TOKEN_ISSUER),
  });
}

/** Signs `claims` for `subject` and `audience`, valid for `ttlSeconds` from the clock's now. */
export async function signToken(
  secret: Uint8Array,
  token: {
    readonly subject: string;
    readonly audience: string;
    readonly ttlSeconds: number;
    readonly claims: Record<string, unknown>;
  },
  clock: Clock,
): Promise<{ token: string; issuedAt: number; expiresAt: number }> {
  const issuedAt = epochSeconds(clock);
  const expiresAt = issuedAt + token.ttlSeconds;
  const signed = await new SignJWT(token.claims)
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(token.subject)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(token.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(secret);
  return { token: signed, issuedAt, expiresAt };
}

/** Why a token was refused: `expired`, or `invalid` (forged, malformed, other audience, bad claims). */
export type TokenRefusal = 'expired' | 'invalid';

/**
 * Verifies signature, issuer, audience and expiry against the clock, then the payload against
 * `schema`. Returns the claims, or the refusal and its cause; never throws for a bad token.
 */
export async function verifyToken<S extends z.ZodMiniType>(
  secret: Uint8Array,
  token: string,
  audience: string,
  schema: S,
  clock: Clock,
): Promise<{ ok: true; claims: z.infer<S> } | { ok: false; refusal: TokenRefusal; cause: unknown }> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, secret, {
      algorithms: [ALGORITHM],
      audience,
      issuer: TOKEN_ISSUER,
      requiredClaims: ['sub', 'iat', 'exp'],
      currentDate: new Date(clock.now()),
    }));
  } catch (error) {
    return { ok: false, refusal: error instanceof errors.JWTExpired ? 'expired' : 'invalid', cause: error };
  }
  const parsed = schema.safeParse(payload);
  return parsed.success
    ? { ok: true, claims: parsed.data }
    : { ok: false, refusal: 'invalid', cause: parsed.error };
}
