import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JSONWebKeySet, SignJWT } from 'jose';
import type { StaffRole } from '../functions/lib/http.js';

/**
 * The local stack's stand-in for the Cognito user pool: an RSA key pair made at start, its JWKS served
 * by the local gateway, and Cognito-shaped tokens, one per staff role. The gateway verifies them like the
 * API Gateway JWT authorizer verifies Cognito's, so staff routes run the same code path as deployed.
 */

/** Path of the dev issuer on the local gateway; the issuer URL is the gateway URL plus this. */
export const DEV_ISSUER_PATH = '/local';
/** Where the gateway serves the issuer's public keys (`<issuer>/.well-known/jwks.json`, as Cognito does). */
export const DEV_JWKS_PATH = `${DEV_ISSUER_PATH}/.well-known/jwks.json`;
/** The OpenID discovery document of the dev issuer. */
export const DEV_OPENID_CONFIGURATION_PATH = `${DEV_ISSUER_PATH}/.well-known/openid-configuration`;
/** The app client id tokens are issued to: their `aud` (id tokens) or `client_id` (access tokens). */
export const DEV_CLIENT_ID = 'carebridge-local-client';
/** Lifetime of a dev token, like a long Cognito session: 12 hours. */
export const DEV_TOKEN_LIFETIME_SECONDS = 12 * 60 * 60;

const ALGORITHM = 'RS256';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/** The dev issuer's signing key and the public JWKS that verifies it. */
export interface DevSigningKey {
  readonly kid: string;
  readonly privateKey: KeyPair['privateKey'];
  readonly jwks: JSONWebKeySet;
}

/** Generates a fresh RS256 key pair; every start of the local stack gets a new one. */
export async function createDevSigningKey(): Promise<DevSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(ALGORITHM, { modulusLength: 2048 });
  const kid = `local-${randomUUID()}`;
  const publicJwk = await exportJWK(publicKey);
  return { kid, privateKey, jwks: { keys: [{ ...publicJwk, kid, alg: ALGORITHM, use: 'sig' }] } };
}

/** What to put in a dev token. */
export interface DevTokenRequest {
  readonly issuer: string;
  readonly clientId: string;
  readonly role: StaffRole;
  /** `id` (Cognito ID token: `aud` = client id) or `access` (`client_id` and `scope`, no `aud`). */
  readonly tokenUse?: 'id' | 'access';
  readonly lifetimeSeconds?: number;
  /** Issue time in epoch seconds; now when omitted. */
  readonly issuedAt?: number;
  /** The user (`sub`, username); `local-<role>` when omitted. */
  readonly subject?: string;
}

/** Signs a Cognito-shaped token for a dev user holding `role` (user `subject`, else `local-<role>`). */
export async function issueDevToken(key: DevSigningKey, request: DevTokenRequest): Promise<string> {
  const issuedAt = request.issuedAt ?? Math.floor(Date.now() / 1000);
  const username = request.subject ?? `local-${request.role}`;
  const common = {
    'cognito:groups': [request.role],
    token_use: request.tokenUse ?? 'id',
    auth_time: issuedAt,
  };
  const claims =
    request.tokenUse === 'access'
      ? { ...common, client_id: request.clientId, scope: 'aws.cognito.signin.user.admin', username }
      : {
          ...common,
          'cognito:username': username,
          email: `${username}@carebridge.local`,
          email_verified: true,
        };
  const token = new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setIssuer(request.issuer)
    .setSubject(username)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (request.lifetimeSeconds ?? DEV_TOKEN_LIFETIME_SECONDS))
    .setJti(randomUUID());
  if (request.tokenUse !== 'access') token.setAudience(request.clientId);
  return token.sign(key.privateKey);
}

/** One ID token per staff role (agent, supervisor, marketing, admin). */
export async function issueDevTokens(
  key: DevSigningKey,
  issuer: string,
  clientId: string,
): Promise<Record<StaffRole, string>> {
  const tokenFor = (role: StaffRole) => issueDevToken(key, { issuer, clientId, role });
  const [agent, supervisor, marketing, admin] = await Promise.all([
    tokenFor('agent'),
    tokenFor('supervisor'),
    tokenFor('marketing'),
    tokenFor('admin'),
  ]);
  return { agent, supervisor, marketing, admin };
}

/** The issuer's OpenID discovery document (the parts tools read). */
export function openIdConfiguration(issuer: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: ['token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [ALGORITHM],
  };
}
