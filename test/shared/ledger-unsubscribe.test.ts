import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  issueUnsubscribeToken,
  listUnsubscribeHeaders,
  UNSUBSCRIBE_LINK_TTL_SECONDS,
  type UnsubscribeClaim,
  UnsubscribeLinkError,
  unsubscribe,
  unsubscribeUrl,
  verifyUnsubscribeToken,
} from '../../shared/campaigns/unsubscribe-link.js';
import {
  SHORT_STOP_HINT,
  STOP_HINT,
  smsSegments,
  withStopHint,
} from '../../shared/campaigns/unsubscribe-stop-hint.js';
import type { Clock } from '../../shared/clock.js';
import { systemClock } from '../../shared/clock.js';
import { identitySecretFromText } from '../../shared/identity/site-signature.js';
import { issueVerificationToken } from '../../shared/identity/verification-link.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { listConsentHistory, setConsent } from '../../shared/store/consent.js';
import { getCustomer } from '../../shared/store/customers.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { email, inbound, testDb } from '../support/inbound.js';

const table = useDynamoTable();

const SECRET = identitySecretFromText('unsubscribe-test-secret-of-at-least-32-bytes');
const CUSTOMER = '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q';
const CAMPAIGN = '01JDQ3V9XK4T2B7Y8Z0M5N6P70';
const claim: UnsubscribeClaim = { customerId: CUSTOMER, channel: 'email', campaignId: CAMPAIGN };

function clockAt(now: string): Clock {
  return { now: () => now, newId: () => systemClock.newId() };
}

const ISSUED = '2026-11-26T12:00:00.000Z';

describe('unsubscribe tokens', () => {
  it('names customer, channel and campaign, and verifies for 30 days', async () => {
    // Prepare
    const token = await issueUnsubscribeToken(SECRET, claim, clockAt(ISSUED));

    // Act
    const lastDay = await verifyUnsubscribeToken(SECRET, token, clockAt('2026-12-26T11:59:00.000Z'));

    // Assess
    expect(lastDay).toEqual(claim);
  });

  it('refuses a token after its 30 days as expired', async () => {
    const token = await issueUnsubscribeToken(SECRET, claim, clockAt(ISSUED));
    const after = new Date(Date.parse(ISSUED) + (UNSUBSCRIBE_LINK_TTL_SECONDS + 1) * 1000).toISOString();

    const refused = verifyUnsubscribeToken(SECRET, token, clockAt(after));

    await expect(refused).rejects.toThrow(UnsubscribeLinkError);
    await expect(refused).rejects.toMatchObject({ refusal: 'expired' });
  });

  it('refuses a tampered payload, a foreign key, another audience and garbage as invalid', async () => {
    // Prepare
    const token = await issueUnsubscribeToken(SECRET, claim, clockAt(ISSUED));
    const [header, payload, signature] = token.split('.');
    const changed = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
    changed.sub = '01JDQ3V9XK4T2B7Y8Z0M5N6P71';
    const tampered = [header, Buffer.from(JSON.stringify(changed)).toString('base64url'), signature].join(
      '.',
    );
    const foreign = await issueUnsubscribeToken(
      identitySecretFromText('another-secret-that-is-at-least-32-bytes-long'),
      claim,
      clockAt(ISSUED),
    );
    const verification = await issueVerificationToken(
      SECRET,
      { customerId: CUSTOMER, email: 'ada@example.com' },
      clockAt(ISSUED),
    );
    const unsigned = await new SignJWT({ ch: 'email', cmp: CAMPAIGN })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject(CUSTOMER)
      .setAudience('carebridge-unsubscribe')
      .setIssuer('carebridge')
      .setIssuedAt(Date.parse(ISSUED) / 1000)
      .setExpirationTime(Date.parse(ISSUED) / 1000 + 3600)
      .sign(new Uint8Array(64).fill(7));

    // Act and assess
    for (const bad of [tampered, foreign, verification, unsigned, 'not-a-token', 'x'.repeat(3000)]) {
      await expect(verifyUnsubscribeToken(SECRET, bad, clockAt(ISSUED))).rejects.toMatchObject({
        name: 'UnsubscribeLinkError',
        refusal: 'invalid',
      });
    }
  });
});

describe('listUnsubscribeHeaders', () => {
  it('gives List-Unsubscribe with the link in angle brackets and the one-click List-Unsubscribe-Post', () => {
    const url = unsubscribeUrl('https://api.example.com/v1/unsubscribe', 'eyJ.abc.def');

    const headers = listUnsubscribeHeaders(url);

    expect(headers).toEqual({
      'List-Unsubscribe': '<https://api.example.com/v1/unsubscribe?token=eyJ.abc.def>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });

  it('refuses a link that is not https, except on the loopback address of the local stack', () => {
    expect(() => listUnsubscribeHeaders('http://api.example.com/v1/unsubscribe?token=t')).toThrow(/https/);
    expect(listUnsubscribeHeaders('http://127.0.0.1:3000/v1/unsubscribe?token=t')['List-Unsubscribe']).toBe(
      '<http://127.0.0.1:3000/v1/unsubscribe?token=t>',
    );
  });
});

describe('unsubscribe', () => {
  it('opts the customer out of the channel with the campaign as source, once however often it is asked', async () => {
    // Prepare
    const db = testDb(table);
    const { customerId } = await ingestInbound(db, inbound([email('leave@example.com')]), systemClock);
    await setConsent(
      db,
      customerId,
      'email',
      { status: 'opted_in', at: '2026-11-01T00:00:00.000Z', source: 'webform' },
      systemClock,
    );
    const link = { customerId, channel: 'email' as const, campaignId: CAMPAIGN };

    // Act
    const first = await unsubscribe(db, link, clockAt('2026-11-27T10:00:00.000Z'));
    const again = await unsubscribe(db, link, clockAt('2026-11-27T10:05:00.000Z'));

    // Assess
    expect(first).toEqual({ changed: true });
    expect(again).toEqual({ changed: false });
    expect((await getCustomer(db, customerId)).consent.email).toEqual({
      status: 'opted_out',
      at: '2026-11-27T10:00:00.000Z',
      source: `unsubscribe-link:${CAMPAIGN}`,
    });
    const history = await listConsentHistory(db, customerId, 'email');
    expect(history.map((record) => record.source)).toEqual([`unsubscribe-link:${CAMPAIGN}`, 'webform']);
  });

  it('changes nothing, and does not fail, for a customer that no longer exists', async () => {
    const db = testDb(table);

    const result = await unsubscribe(db, claim, clockAt(ISSUED));

    expect(result).toEqual({ changed: false });
  });
});

describe('withStopHint', () => {
  it('appends the STOP hint on a line of its own', () => {
    expect(withStopHint('Your 10% code: WELCOME10 ')).toBe(`Your 10% code: WELCOME10\n${STOP_HINT}`);
  });

  it('leaves a text that already says how to opt out as it is', () => {
    for (const body of [
      'Sale today! Reply STOP to opt out.',
      'Sale today! Text "stop" to quit',
      'Sale today. STOP to end',
      'Sale today, stop to unsubscribe',
    ]) {
      expect(withStopHint(body)).toBe(body);
    }
  });

  it('does not take "stop" in another sense for a hint', () => {
    expect(withStopHint('Stop by our store today')).toBe(`Stop by our store today\n${STOP_HINT}`);
  });

  it('uses the short hint where the full one would cost another segment', () => {
    // 140 GSM characters: the full hint makes 163 septets (two segments), the short one 156 (one).
    const body = 'a'.repeat(140);

    const hinted = withStopHint(body);

    expect(hinted).toBe(`${body}\n${SHORT_STOP_HINT}`);
    expect(smsSegments(hinted).segments).toBe(1);
  });

  it('keeps the full hint when both hints take the same segments', () => {
    const body = 'a'.repeat(100);

    expect(withStopHint(body)).toBe(`${body}\n${STOP_HINT}`);
  });
});

describe('smsSegments', () => {
  it('counts GSM-7 septets, two for extension characters, 160 in one segment and 153 per part', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    expect(smsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments('a'.repeat(307))).toEqual({ encoding: 'GSM-7', units: 307, segments: 3 });
  });

  it('counts UCS-2 for any other character, 70 in one segment and 67 per part', () => {
    expect(smsSegments(`${'a'.repeat(69)}ł`)).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(smsSegments(`${'a'.repeat(70)}ł`)).toEqual({ encoding: 'UCS-2', units: 71, segments: 2 });
    expect(smsSegments('Hi 👋')).toEqual({ encoding: 'UCS-2', units: 5, segments: 1 });
  });
});
