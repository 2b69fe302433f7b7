import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { renderClaims } from './apigw-v2.js';

/** The settings of an API Gateway HTTP API JWT authorizer. */
export interface JwtAuthorizerConfig {
  /** Expected `iss`; the keys are fetched from `<issuer>/.well-known/jwks.json`, as API Gateway does. */
  readonly issuer: string;
  /** Accepted audiences: a token's `aud`, or when it has none its `client_id`, must be one of them. */
  readonly audience: readonly string[];
  /** Key source; the issuer's remote JWKS when omitted (tests pass a local set). */
  readonly keys?: JWTVerifyGetKey;
}

/** The authorizer's verdict on one request. */
export type AuthorizerVerdict =
  | { readonly authorized: true; readonly claims: Readonly<Record<string, string>> }
  | { readonly authorized: false; readonly reason: string };

/** Checks the Authorization header of one request. */
export type JwtAuthorizer = (authorizationHeader: string | undefined) => Promise<AuthorizerVerdict>;

/**
 * An authorizer that checks what the API Gateway JWT authorizer checks: a token in the Authorization
 * header (a `Bearer ` prefix is optional), an RS256 signature by a key of the issuer's JWKS, `iss`,
 * `aud` (or `client_id`), and `exp`, `nbf` and `iat` against the current time. Verified claims come
 * back rendered as API Gateway passes them to the integration.
 */
export function createJwtAuthorizer(config: JwtAuthorizerConfig): JwtAuthorizer {
  const keys = config.keys ?? createRemoteJWKSet(new URL(`${config.issuer}/.well-known/jwks.json`));
  return async (authorizationHeader) => {
    const token = authorizationHeader
      ?.trim()
      .replace(/^bearer\s+/i, '')
      .trim();
    if (!token) return { authorized: false, reason: 'no token in the Authorization header' };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: config.issuer,
        algorithms: ['RS256'],
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      return { authorized: false, reason: describeFailure(error) };
    }
    if (typeof payload.iat === 'number' && payload.iat > Math.floor(Date.now() / 1000)) {
      return { authorized: false, reason: 'the token was issued in the future' };
    }
    if (!audienceMatches(payload, config.audience)) {
      return { authorized: false, reason: 'the token is not for this audience' };
    }
    return { authorized: true, claims: renderClaims(payload) };
  };
}

function audienceMatches(payload: JWTPayload, accepted: readonly string[]): boolean {
  if (payload.aud !== undefined) {
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    return audiences.some((audience) => accepted.includes(audience));
  }
  const clientId = payload.client_id;
  return typeof clientId === 'string' && accepted.includes(clientId);
}

function describeFailure(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `invalid claim ${error.claim}`;
  if (error instanceof errors.JOSEError) return `invalid token (${error.code})`;
  return 'the token could not be verified';
}
