import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  checkMarketingSend,
  DEFAULT_SUPPRESSION,
  type MarketingReservation,
  type MarketingSendRequest,
  reserveMarketingSend,
} from '../../shared/campaigns/ledger.js';
import {
  getProfileWithLedger,
  recordSatisfaction,
  recordSlaBreach,
  setContactPreferences,
} from '../../shared/campaigns/ledger-store.js';
import { systemClock } from '../../shared/clock.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import type { Customer, TrustedIdentity } from '../../shared/schemas/index.js';
import { listConsentHistory, setConsent } from '../../shared/store/consent.js';
import { getCustomer } from '../../shared/store/customers.js';
import type { Db } from '../../shared/store/db.js';
import { markUndeliverable } from '../../shared/store/deliverability.js';
import { customerItem, identityItem } from '../../shared/store/items.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { claimedEmail, email, phone, testDb } from '../support/inbound.js';

const table = useDynamoTable();

/** 15:00 UTC, 10:00 in New York: outside the default quiet hours in both. */
const NOW = '2026-11-26T15:00:00.000Z';
const DAY_MS = 24 * 60 * 60 * 1000;
const daysBefore = (days: number, from = NOW) => new Date(Date.parse(from) - days * DAY_MS).toISOString();
const hoursAfter = (hours: number, from = NOW) =>
  new Date(Date.parse(from) + hours * 3_600_000).toISOString();

const optedIn = { status: 'opted_in' as const, at: '2026-01-10T09:00:00.000Z', source: 'webform' };
const optedOut = { status: 'opted_out' as const, at: '2026-02-10T09:00:00.000Z', source: 'sms-keyword:STOP' };

/** Stores a customer (profile and identity items) as ingest would have left it, without a conversation. */
async function seedCustomer(
  db: Db,
  changes: Partial<Customer> = {},
  identities?: TrustedIdentity[],
): Promise<Customer> {
  const customerId = systemClock.newId();
  identities ??= [email(`${customerId.toLowerCase()}@example.com`)];
  const customer: Customer = {
    customerId,
    identities,
    consent: { email: optedIn },
    mergedFrom: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...changes,
  };
  await db.doc.send(new PutCommand({ TableName: db.tableName, Item: customerItem(customer, 1) }));
  for (const identity of identities) {
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: identityItem({ ...identity, customerId, createdAt: customer.createdAt }),
      }),
    );
  }
  return customer;
}

function request(customerId: string, changes: Partial<MarketingSendRequest> = {}): MarketingSendRequest {
  return {
    customerId,
    channel: 'email',
    caps: { perDay: 1, perWeek: 2 },
    now: NOW,
    suppression: DEFAULT_SUPPRESSION,
    ...changes,
  };
}

async function allowedReservation(db: Db, send: MarketingSendRequest): Promise<MarketingReservation> {
  const decision = await checkMarketingSend(db, send);
  if (decision.kind !== 'allowed') throw new Error(`expected allowed, got ${JSON.stringify(decision)}`);
  return decision.reservation;
}

describe('checkMarketingSend: consent', () => {
  it('allows an opted-in customer and names the verified address in the reservation', async () => {
    // Prepare
    const db = testDb(table);
    const customer = await seedCustomer(db);

    // Act
    const decision = await checkMarketingSend(db, request(customer.customerId));

    // Assess
    expect(decision).toEqual({
      kind: 'allowed',
      reservation: {
        customerId: customer.customerId,
        channel: 'email',
        address: { kind: 'email', value: `${customer.customerId.toLowerCase()}@example.com` },
        caps: { perDay: 1, perWeek: 2 },
        ledger: { version: 0, sends: [] },
      },
    });
  });

  it('suppresses with no-consent a customer who opted out of the channel', async () => {
    const db = testDb(table);
    const customer = await seedCustomer(db, { consent: { email: optedOut } });

    const decision = await checkMarketingSend(db, request(customer.customerId, { consentRequired: false }));

    expect(decision).toEqual({ kind: 'suppressed', reason: 'no-consent' });
  });

  it('suppresses an email customer who never decided, unless the campaign says consentRequired: false', async () => {
    const db = testDb(table);
    const customer = await seedCustomer(db, { consent: {} });

    const required = await checkMarketingSend(db, request(customer.customerId));
    const notRequired = await checkMarketingSend(
      db,
      request(customer.customerId, { consentRequired: false }),
    );

    expect(required).toEqual({ kind: 'suppressed', reason: 'no-consent' });
    expect(notRequired.kind).toBe('allowed');
  });

  it('requires an explicit opt-in for SMS, even when the campaign says consentRequired: false', async () => {
    const db = testDb(table);
    const undecided = await seedCustomer(db, { consent: {} }, [phone('+14155552671')]);
    const optedInBySms = await seedCustomer(db, { consent: { sms: optedIn } }, [phone('+14155552672')]);

    const withoutOptIn = await checkMarketingSend(
      db,
      request(undecided.customerId, { channel: 'sms', consentRequired: false }),
    );
    const withOptIn = await checkMarketingSend(db, request(optedInBySms.customerId, { channel: 'sms' }));

    expect(withoutOptIn).toEqual({ kind: 'suppressed', reason: 'no-consent' });
    expect(withOptIn).toMatchObject({
      kind: 'allowed',
      reservation: { channel: 'sms', address: { kind: 'phone', value: '+14155552672' } },
    });
  });

  it('sees an opt-out recorded a moment before the check (a strongly consistent read)', async () => {
    const db = testDb(table);
    const customer = await seedCustomer(db);
    await setConsent(db, customer.customerId, 'email', { ...optedOut, at: NOW }, systemClock);

    const decision = await checkMarketingSend(db, request(customer.customerId));

    expect(decision).toEqual({ kind: 'suppressed', reason: 'no-consent' });
  });
});

describe('checkMarketingSend: reachability', () => {
  it('suppresses with unreachable a customer with no verified address on the channel', async () => {
    const db = testDb(table);
    const claimOnly = await seedCustomer(db, {}, [claimedEmail('claimed@example.com')]);
    const phoneOnly = await seedCustomer(db, {}, [phone('+14155552673')]);

    const claimed = await checkMarketingSend(db, request(claimOnly.customerId));
    const noEmail = await checkMarketingSend(db, request(phoneOnly.customerId));

    expect(claimed).toEqual({ kind: 'suppressed', reason: 'unreachable' });
    expect(noEmail).toEqual({ kind: 'suppressed', reason: 'unreachable' });
  });

  it('suppresses with unreachable when the only address is undeliverable, and uses another that is not', async () => {
    const db = testDb(table);
    const bounced = await seedCustomer(db, {}, [email('bounced@example.com')]);
    const twoAddresses = await seedCustomer(db, {}, [email('old@example.com'), email('new@example.com')]);
    await markUndeliverable(db, { kind: 'email', value: 'bounced@example.com' }, 'bounce', NOW);
    await markUndeliverable(db, { kind: 'email', value: 'old@example.com' }, 'complaint', NOW);

    const none = await checkMarketingSend(db, request(bounced.customerId));
    const other = await checkMarketingSend(db, request(twoAddresses.customerId));

    expect(none).toEqual({ kind: 'suppressed', reason: 'unreachable' });
    expect(other).toMatchObject({
      kind: 'allowed',
      reservation: { address: { kind: 'email', value: 'new@example.com' } },
    });
  });

  it('does not use an address whose identity another customer has taken over', async () => {
    const db = testDb(table);
    const claimant = await seedCustomer(db, {}, [email('shared@example.com')]);
    await seedCustomer(db, {}, [email('shared@example.com')]);

    const decision = await checkMarketingSend(db, request(claimant.customerId));

    expect(decision).toEqual({ kind: 'suppressed', reason: 'unreachable' });
  });

  it('suppresses with unreachable a customer that does not exist', async () => {
    const db = testDb(table);

    const decision = await checkMarketingSend(db, request('01JDQ3V9XK4T2B7Y8Z0M5N6P7Q'));

    expect(decision).toEqual({ kind: 'suppressed', reason: 'unreachable' });
  });

  it('decides for the survivor when the customer was merged away', async () => {
    const db = testDb(table);
    const survivor = await seedCustomer(db, { consent: { email: optedOut } }, [
      email('survivor@example.com'),
    ]);
    const merged = await seedCustomer(db, { mergedInto: survivor.customerId, identities: [] }, []);

    const decision = await checkMarketingSend(db, request(merged.customerId));

    expect(decision).toEqual({ kind: 'suppressed', reason: 'no-consent' });
  });
});

describe('checkMarketingSend: suppression', () => {
  it('suppresses with open-conversation while the customer has a conversation open, unless the campaign says otherwise', async () => {
    const db = testDb(table);
    const customer = await seedCustomer(db, { openConversationId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7R' });

    const byDefault = await checkMarketingSend(db, request(customer.customerId));
    const overridden = await checkMarketingSend(
      db,
      request(customer.customerId, { suppression: { ...DEFAULT_SUPPRESSION, openConversation: false } }),
    );

    expect(byDefault).toEqual({ kind: 'suppressed', reason: 'open-conversation' });
    expect(overridden.kind).toBe('allowed');
  });

  it('suppresses with recent-sla-breach within N days of a breach, and not after', async () => {
    const db = testDb(table);
    const customer = await seedCustomer(db);
    await recordSlaBreach(db, customer.customerId, daysBefore(13), systemClock);
    const policy = { ...DEFAULT_SUPPRESSION, slaBreachDays: 14 };

    const within = await checkMarketingSend(db, request(customer.customerId, { suppression: policy }));
    const after = await checkMarketingSend(
      db,
      request(customer.customerId, { suppression: policy, now: hoursAfter(25) }),
    );

    expect(within).toEqual({ kind: 'suppressed', reason: 'recent-sla-breach' });
    expect(after.kind).toBe('allowed');
  });

  it('suppresses with low-satisfaction after a score at most n, not after a better or an old one', async () => {
    const db = testDb(table);
    const unhappy = await seedCustomer(db);
    const happy = await seedCustomer(db);
    const longAgo = await seedCustomer(db);
    await recordSatisfaction(db, unhappy.customerId, { score: 2, at: daysBefore(5) }, systemClock);
    await recordSatisfaction(db, happy.customerId, { score: 3, at: daysBefore(5) }, systemClock);
    await recordSatisfaction(db, longAgo.customerId, { score: 1, at: daysBefore(91) }, systemClock);

    const [low, fine, forgiven] = await Promise.all(
      [unhappy, happy, longAgo].map((customer) => checkMarketingSend(db, request(customer.customerId))),
    );

    expect(low).toEqual({ kind: 'suppressed', reason: 'low-satisfaction' });
    expect(fine?.kind).toBe('allowed');
    expect(forgiven?.kind).toBe('allowed');
  });

  it('lets a campaign ignore breaches and scores', async () => {
    const db = testDb(table);
    const customer = await seedCustomer(db);
    await recordSlaBreach(db, customer.customerId, daysBefore(1), systemClock);
    await recordSatisfaction(db, customer.customerId, { score: 1, at: daysBefore(1) }, systemClock);

    const decision = await checkMarketingSend(
      db,
      request(customer.customerId, {
        suppression: { openConversation: true, slaBreachDays: null, lowSatisfaction: null },
      }),
    );

    expect(decision.kind).toBe('allowed');
  });
});

describe('checkMarketingSend: quiet hours', () => {
  it("defers a send in the customer's quiet hours until they end in the customer's time zone", async () => {
    // Prepare: 22:00 in New York (03:00Z); quiet until 08:00 EST, 13:00Z.
    const db = testDb(table);
    const customer = await seedCustomer(db, { timeZone: 'America/New_York' });

    // Act
    const decision = await checkMarketingSend(
      db,
      request(customer.customerId, { now: '2026-11-27T03:00:00.000Z' }),
    );

    // Assess
    expect(decision).toEqual({ kind: 'deferred', reason: 'quiet-hours', until: '2026-11-27T13:00:00.000Z' });
  });

  it('defers across a daylight-saving change to 08:00 local on the new offset', async () => {
    // New York springs forward on 2026-03-08: 22:00 EST on the 7th (03:00Z) → 08:00 EDT = 12:00Z.
    const db = testDb(table);
    const customer = await seedCustomer(db, { timeZone: 'America/New_York' });

    const decision = await checkMarketingSend(
      db,
      request(customer.customerId, { now: '2026-03-08T03:00:00.000Z' }),
    );

    expect(decision).toEqual({ kind: 'deferred', reason: 'quiet-hours', until: '2026-03-08T12:00:00.000Z' });
  });

  it("uses the customer's own quiet hours, and the campaign's default zone for a customer without one", async () => {
    const db = testDb(table);
    const ownHours = await seedCustomer(db, {
      timeZone: 'Europe/Berlin',
      quietHours: { start: '12:00', end: '18:00' },
    });
    const noZone = await seedCustomer(db);

    // 15:00Z is 16:00 in Berlin (quiet until 18:00 CET = 17:00Z) and 00:00 in Tokyo (quiet until 08:00 JST).
    const own = await checkMarketingSend(db, request(ownHours.customerId));
    const byDefault = await checkMarketingSend(
      db,
      request(noZone.customerId, { defaultTimeZone: 'Asia/Tokyo' }),
    );

    expect(own).toEqual({ kind: 'deferred', reason: 'quiet-hours', until: '2026-11-26T17:00:00.000Z' });
    expect(byDefault).toEqual({ kind: 'deferred', reason: 'quiet-hours', until: '2026-11-26T23:00:00.000Z' });
  });
});

describe('checkMarketingSend and reserveMarketingSend: caps', () => {
  it('counts a reserved send, so the next check of the day meets the cap and says when it has room', async () => {
    // Prepare
    const db = testDb(table);
    const customer = await seedCustomer(db);
    const reservation = await allowedReservation(db, request(customer.customerId));

    // Act
    const reserved = await reserveMarketingSend(db, reservation, NOW);
    const next = await checkMarketingSend(db, request(customer.customerId, { now: hoursAfter(3) }));

    // Assess
    expect(reserved).toEqual({ kind: 'reserved', at: NOW, repeated: false });
    expect(next).toEqual({ kind: 'suppressed', reason: 'cap', until: hoursAfter(24) });
  });

  it('applies the weekly cap over a rolling 7 days', async () => {
    const db = testDb(table);
    const customer = await seedCustomer(db);
    for (const at of [daysBefore(6), daysBefore(2)]) {
      const reservation = await allowedReservation(db, request(customer.customerId, { now: at }));
      await reserveMarketingSend(db, reservation, at);
    }

    const full = await checkMarketingSend(db, request(customer.customerId));
    const roomAgain = await checkMarketingSend(db, request(customer.customerId, { now: hoursAfter(24) }));

    expect(full).toEqual({ kind: 'suppressed', reason: 'cap', until: hoursAfter(24) });
    expect(roomAgain.kind).toBe('allowed');
  });

  it('counts caps per channel: an email does not use up the SMS cap', async () => {
    const db = testDb(table);
    const customer = await seedCustomer(db, { consent: { email: optedIn, sms: optedIn } }, [
      email('both@example.com'),
      phone('+14155552674'),
    ]);
    await reserveMarketingSend(db, await allowedReservation(db, request(customer.customerId)), NOW);

    const sms = await checkMarketingSend(db, request(customer.customerId, { channel: 'sms' }));

    expect(sms.kind).toBe('allowed');
  });

  it('lets exactly perDay of many concurrent sends through, the others get cap', async () => {
    // Prepare: ten campaign steps checked at once all see an empty ledger.
    const db = testDb(table);
    const customer = await seedCustomer(db);
    const reservations = await Promise.all(
      Array.from({ length: 10 }, (_, step) =>
        allowedReservation(
          db,
          request(customer.customerId, { caps: { perDay: 1 }, sendKey: `campaign-1#step-${step}` }),
        ),
      ),
    );

    // Act
    const results = await Promise.all(
      reservations.map((reservation) => reserveMarketingSend(db, reservation, NOW)),
    );

    // Assess
    expect(results.filter((result) => result.kind === 'reserved')).toHaveLength(1);
    expect(results.filter((result) => result.kind === 'suppressed' && result.reason === 'cap')).toHaveLength(
      9,
    );
    const stored = await getProfileWithLedger(db, customer.customerId, 'email');
    expect(stored?.ledger.sends).toHaveLength(1);
  });

  it('lets exactly perWeek of concurrent sends through over days with earlier sends', async () => {
    const db = testDb(table);
    const customer = await seedCustomer(db);
    const earlier = await allowedReservation(db, request(customer.customerId, { now: daysBefore(3) }));
    await reserveMarketingSend(db, earlier, daysBefore(3));
    const caps = { perDay: 5, perWeek: 3 };
    const reservations = await Promise.all(
      Array.from({ length: 8 }, (_, step) =>
        allowedReservation(db, request(customer.customerId, { caps, sendKey: `campaign-2#step-${step}` })),
      ),
    );

    const results = await Promise.all(
      reservations.map((reservation) => reserveMarketingSend(db, reservation, NOW)),
    );

    expect(results.filter((result) => result.kind === 'reserved')).toHaveLength(2);
    const stored = await getProfileWithLedger(db, customer.customerId, 'email');
    expect(stored?.ledger.sends).toHaveLength(3);
  });

  it('counts a retried reservation of the same send key once', async () => {
    const db = testDb(table);
    const customer = await seedCustomer(db);
    const reservation = await allowedReservation(
      db,
      request(customer.customerId, { caps: { perDay: 2 }, sendKey: 'campaign-3#recipient#step-1' }),
    );
    await reserveMarketingSend(db, reservation, NOW);

    const retried = await reserveMarketingSend(db, reservation, hoursAfter(1));
    const checkedAgain = await checkMarketingSend(
      db,
      request(customer.customerId, { caps: { perDay: 2 }, sendKey: 'campaign-3#recipient#step-1' }),
    );

    expect(retried).toEqual({ kind: 'reserved', at: NOW, repeated: true });
    expect(checkedAgain.kind).toBe('allowed');
    const stored = await getProfileWithLedger(db, customer.customerId, 'email');
    expect(stored?.ledger.sends).toEqual([{ at: NOW, key: 'campaign-3#recipient#step-1' }]);
  });

  it('forgets sends older than the week when it writes the ledger', async () => {
    const db = testDb(table);
    const customer = await seedCustomer(db);
    await reserveMarketingSend(
      db,
      await allowedReservation(db, request(customer.customerId, { now: daysBefore(8) })),
      daysBefore(8),
    );

    await reserveMarketingSend(db, await allowedReservation(db, request(customer.customerId)), NOW);

    const stored = await getProfileWithLedger(db, customer.customerId, 'email');
    expect(stored?.ledger).toEqual({ version: 2, sends: [{ at: NOW }] });
  });
});

describe('profile facts for suppression and quiet hours', () => {
  it('keeps the latest SLA breach when events arrive out of order', async () => {
    const db = testDb(table);
    const customer = await seedCustomer(db);

    const later = await recordSlaBreach(db, customer.customerId, '2026-11-20T10:00:00.000Z', systemClock);
    const earlier = await recordSlaBreach(db, customer.customerId, '2026-11-19T10:00:00.000Z', systemClock);

    expect(later).toEqual({ customerId: customer.customerId, applied: true });
    expect(earlier).toEqual({ customerId: customer.customerId, applied: false });
    expect((await getCustomer(db, customer.customerId)).lastSlaBreachAt).toBe('2026-11-20T10:00:00.000Z');
  });

  it('keeps the latest satisfaction score', async () => {
    const db = testDb(table);
    const customer = await seedCustomer(db);

    await recordSatisfaction(
      db,
      customer.customerId,
      { score: 2, at: '2026-11-20T10:00:00.000Z' },
      systemClock,
    );
    await recordSatisfaction(
      db,
      customer.customerId,
      { score: 5, at: '2026-11-21T10:00:00.000Z' },
      systemClock,
    );
    await recordSatisfaction(
      db,
      customer.customerId,
      { score: 1, at: '2026-11-19T10:00:00.000Z' },
      systemClock,
    );

    expect((await getCustomer(db, customer.customerId)).lastSatisfaction).toEqual({
      score: 5,
      at: '2026-11-21T10:00:00.000Z',
    });
  });

  it('records facts on the survivor of a merge and refuses an unknown customer', async () => {
    const db = testDb(table);
    const survivor = await seedCustomer(db);
    const merged = await seedCustomer(db, { mergedInto: survivor.customerId, identities: [] }, []);

    const update = await recordSlaBreach(db, merged.customerId, NOW, systemClock);

    expect(update).toEqual({ customerId: survivor.customerId, applied: true });
    await expect(recordSlaBreach(db, '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q', NOW, systemClock)).rejects.toThrow(
      NotFoundError,
    );
  });

  it('sets and removes the time zone and quiet hours, refusing a zone the runtime does not know', async () => {
    const db = testDb(table);
    const customer = await seedCustomer(db);

    await setContactPreferences(
      db,
      customer.customerId,
      { timeZone: 'Australia/Sydney', quietHours: { start: '20:00', end: '09:00' } },
      systemClock,
    );
    const set = await getCustomer(db, customer.customerId);
    await setContactPreferences(db, customer.customerId, { quietHours: null }, systemClock);
    const removed = await getCustomer(db, customer.customerId);

    expect(set).toMatchObject({ timeZone: 'Australia/Sydney', quietHours: { start: '20:00', end: '09:00' } });
    expect(removed.timeZone).toBe('Australia/Sydney');
    expect(removed.quietHours).toBeUndefined();
    await expect(
      setContactPreferences(db, customer.customerId, { timeZone: 'Mars/Olympus_Mons' }, systemClock),
    ).rejects.toThrow(ValidationError);
    await expect(
      setContactPreferences(
        db,
        customer.customerId,
        { quietHours: { start: '25:00', end: '08:00' } },
        systemClock,
      ),
    ).rejects.toThrow(ValidationError);
  });
});

describe('consent history', () => {
  it('files every decision that became the latest, newest first, with its source', async () => {
    // Prepare
    const db = testDb(table);
    const customer = await seedCustomer(db, { consent: {} }, [phone('+14155552675')]);
    const stop = { status: 'opted_out' as const, at: '2026-11-20T10:00:00.000Z', source: 'sms-keyword:STOP' };
    const start = {
      status: 'opted_in' as const,
      at: '2026-11-21T10:00:00.000Z',
      source: 'sms-keyword:START',
    };
    const lateOld = {
      status: 'opted_out' as const,
      at: '2026-11-19T10:00:00.000Z',
      source: 'sms-keyword:STOP',
    };

    // Act
    await setConsent(db, customer.customerId, 'sms', stop, systemClock);
    await setConsent(db, customer.customerId, 'sms', start, systemClock);
    await setConsent(db, customer.customerId, 'sms', start, systemClock);
    await setConsent(db, customer.customerId, 'sms', lateOld, systemClock);

    // Assess
    const history = await listConsentHistory(db, customer.customerId, 'sms');
    expect(history.map(({ status, at, source }) => ({ status, at, source }))).toEqual([start, stop]);
    expect(history[0]).toMatchObject({ customerId: customer.customerId, channel: 'sms' });
  });

  it('with onlyStatusChange leaves a repeated decision unrecorded, time and source as they were', async () => {
    const db = testDb(table);
    const customer = await seedCustomer(db, { consent: {} });
    const first = {
      status: 'opted_out' as const,
      at: '2026-11-20T10:00:00.000Z',
      source: 'unsubscribe-link:A',
    };
    const repeat = {
      status: 'opted_out' as const,
      at: '2026-11-21T10:00:00.000Z',
      source: 'unsubscribe-link:B',
    };

    const applied = await setConsent(db, customer.customerId, 'email', first, systemClock, {
      onlyStatusChange: true,
    });
    const repeated = await setConsent(db, customer.customerId, 'email', repeat, systemClock, {
      onlyStatusChange: true,
    });

    expect(applied).toEqual({ customerId: customer.customerId, applied: true, changed: true });
    expect(repeated).toEqual({ customerId: customer.customerId, applied: false, changed: false });
    expect((await getCustomer(db, customer.customerId)).consent.email).toEqual(first);
    expect(await listConsentHistory(db, customer.customerId, 'email')).toHaveLength(1);
  });
});
