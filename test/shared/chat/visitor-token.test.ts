import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadTokenKey, tokenKeyFromText } from '../../../shared/channels/chat/token-secret.js';
import {
  InvalidVisitorTokenError,
  issueVisitorToken,
  VISITOR_TOKEN_TTL_SECONDS,
  verifyVisitorToken,
} from '../../../shared/channels/chat/visitor-token.js';
import { fixedClock, testTokenKey } from '../../support/chat.js';

const VISITOR = '01M8BWRRC00M5N6P7Q8R9S0T1V';
const ISSUED = '2026-11-26T12:20:00.000Z';

async function rejection(promise: Promise<unknown>): Promise<InvalidVisitorTokenError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof InvalidVisitorTokenError))
    throw new Error(`expected InvalidVisitorTokenError, got ${error}`);
  return error;
}

/** A token signed with the right key but claims chosen by the test. */
async function forge(claims: Record<string, unknown>, audience = 'carebridge-chat', issuer = 'carebridge') {
  const iat = Date.parse(ISSUED) / 1000;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(VISITOR)
    .setAudience(audience)
    .setIssuer(issuer)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 3600)
    .sign(testTokenKey.secret);
}

describe('visitor tokens', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('verifies a token it issued and returns the visitor, email and expiry', async () => {
    // Prepare
    const clock = fixedClock(ISSUED);
    const { token } = await issueVisitorToken(
      testTokenKey,
      { visitorId: VISITOR, email: 'ada@example.com', name: 'Ada' },
      clock,
    );

    // Act
    clock.advance(60_000);
    const claims = await verifyVisitorToken(testTokenKey, token, clock);

    // Assess
    expect(claims).toEqual({
      visitorId: VISITOR,
      email: 'ada@example.com',
      emailVerified: false,
      name: 'Ada',
      issuedAt: Date.parse(ISSUED) / 1000,
      expiresAt: Date.parse(ISSUED) / 1000 + VISITOR_TOKEN_TTL_SECONDS,
    });
  });

  it('carries a site-signed email as verified, and only when issued so', async () => {
    const clock = fixedClock(ISSUED);
    const { token } = await issueVisitorToken(
      testTokenKey,
      { visitorId: VISITOR, email: 'ada@example.com', emailVerified: true },
      clock,
    );

    const claims = await verifyVisitorToken(testTokenKey, token, clock);

    expect(claims).toMatchObject({ email: 'ada@example.com', emailVerified: true });
  });

  it('refuses an expired token as expired', async () => {
    const clock = fixedClock(ISSUED);
    const { token } = await issueVisitorToken(testTokenKey, { visitorId: VISITOR }, clock);

    clock.advance((VISITOR_TOKEN_TTL_SECONDS + 1) * 1000);
    const error = await rejection(verifyVisitorToken(testTokenKey, token, clock));

    expect(error.reason).toBe('expired');
  });

  it('refuses a token signed with another secret', async () => {
    const clock = fixedClock(ISSUED);
    const otherKey = tokenKeyFromText('another-deployment-secret-0123456789abcdef');
    const { token } = await issueVisitorToken(otherKey, { visitorId: VISITOR }, clock);

    const error = await rejection(verifyVisitorToken(testTokenKey, token, clock));

    expect(error.reason).toBe('invalid');
  });

  it('refuses a token for another audience or issuer', async () => {
    const clock = fixedClock(ISSUED);
    const otherAudience = await forge({}, 'carebridge-staff');
    const otherIssuer = await forge({}, 'carebridge-chat', 'someone-else');

    expect((await rejection(verifyVisitorToken(testTokenKey, otherAudience, clock))).reason).toBe('invalid');
    expect((await rejection(verifyVisitorToken(testTokenKey, otherIssuer, clock))).reason).toBe('invalid');
  });

  it('refuses a token whose payload was tampered with', async () => {
    // Prepare: swap in another visitor id, keeping the original signature.
    const clock = fixedClock(ISSUED);
    const { token } = await issueVisitorToken(
      testTokenKey,
      { visitorId: VISITOR, email: 'ada@example.com' },
      clock,
    );
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
    const tampered = Buffer.from(JSON.stringify({ ...claims, email: 'grace@example.com' })).toString(
      'base64url',
    );

    // Act
    const error = await rejection(
      verifyVisitorToken(testTokenKey, `${header}.${tampered}.${signature}`, clock),
    );

    // Assess
    expect(error.reason).toBe('invalid');
  });

  it('refuses an unsigned token (alg none)', async () => {
    const clock = fixedClock(ISSUED);
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const iat = Date.parse(ISSUED) / 1000;
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({
      sub: VISITOR,
      aud: 'carebridge-chat',
      iss: 'carebridge',
      iat,
      exp: iat + 60,
    })}.`;

    expect((await rejection(verifyVisitorToken(testTokenKey, unsigned, clock))).reason).toBe('invalid');
  });

  it('refuses a validly signed token carrying claims we never issue', async () => {
    const clock = fixedClock(ISSUED);
    const token = await forge({ role: 'admin' });

    expect((await rejection(verifyVisitorToken(testTokenKey, token, clock))).reason).toBe('invalid');
  });

  it('refuses a missing token as missing', async () => {
    const error = await rejection(verifyVisitorToken(testTokenKey, undefined, fixedClock(ISSUED)));

    expect(error.reason).toBe('missing');
  });

  it('refuses a signing secret shorter than 32 bytes', () => {
    expect(() => tokenKeyFromText('too-short')).toThrow(/at least 32 bytes/);
  });

  it('reads the key from CHAT_TOKEN_SECRET and refuses two configuration sources at once', async () => {
    vi.stubEnv('CHAT_TOKEN_SECRET', 'x'.repeat(40));
    vi.stubEnv('CHAT_TOKEN_SECRET_ARN', '');
    expect((await loadTokenKey()).secret).toHaveLength(40);

    vi.stubEnv(
      'CHAT_TOKEN_SECRET_ARN',
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:chat-token-AbCdEf',
    );
    await expect(loadTokenKey()).rejects.toThrow(/only one/);
  });
});

describe('loadTokenKey with a Secrets Manager secret', () => {
  const secrets = mockClient(SecretsManagerClient);

  afterEach(() => {
    secrets.reset();
    vi.unstubAllEnvs();
  });

  it('reads the key once from the secret named by CHAT_TOKEN_SECRET_ARN', async () => {
    // Prepare
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:carebridge-chat-token-AbCdEf';
    vi.stubEnv('CHAT_TOKEN_SECRET', '');
    vi.stubEnv('CHAT_TOKEN_SECRET_ARN', arn);
    secrets.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: 's'.repeat(64) });

    // Act
    const key = await loadTokenKey();

    // Assess
    expect(key.secret).toHaveLength(64);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });
});
