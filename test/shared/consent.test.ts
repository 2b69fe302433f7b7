import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../shared/errors.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { setConsent } from '../../shared/store/consent.js';
import { getCustomer, getCustomerVersion } from '../../shared/store/customers.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { clock, email, inbound, phone, testDb } from '../support/inbound.js';

const table = useDynamoTable();

const optedOut = (at: string) => ({ status: 'opted_out' as const, at, source: 'sms-keyword:STOP' });
const optedIn = (at: string) => ({ status: 'opted_in' as const, at, source: 'sms-keyword:START' });

describe('setConsent', () => {
  it("records a first decision on the customer's profile as a change", async () => {
    // Prepare
    const db = testDb(table);
    const { customerId } = await ingestInbound(db, inbound([phone('+14155552671')]), clock);

    // Act
    const change = await setConsent(db, customerId, 'sms', optedOut('2026-11-26T12:00:00.000Z'), clock);

    // Assess
    expect(change).toEqual({ customerId, applied: true, changed: true });
    expect((await getCustomer(db, customerId)).consent).toEqual({
      sms: optedOut('2026-11-26T12:00:00.000Z'),
    });
  });

  it('reports no change when the same decision is replayed', async () => {
    const db = testDb(table);
    const { customerId } = await ingestInbound(db, inbound([phone('+14155552671')]), clock);
    await setConsent(db, customerId, 'sms', optedOut('2026-11-26T12:00:00.000Z'), clock);

    const replay = await setConsent(db, customerId, 'sms', optedOut('2026-11-26T12:00:00.000Z'), clock);

    expect(replay).toEqual({ customerId, applied: false, changed: false });
  });

  it('reports no change for a later decision of the same status, but keeps its time', async () => {
    const db = testDb(table);
    const { customerId } = await ingestInbound(db, inbound([phone('+14155552671')]), clock);
    await setConsent(db, customerId, 'sms', optedOut('2026-11-26T12:00:00.000Z'), clock);

    const again = await setConsent(db, customerId, 'sms', optedOut('2026-11-26T13:00:00.000Z'), clock);

    expect(again).toEqual({ customerId, applied: true, changed: false });
    expect((await getCustomer(db, customerId)).consent.sms?.at).toBe('2026-11-26T13:00:00.000Z');
  });

  it('ignores an older decision that arrives late', async () => {
    // Prepare: STOP at 12:00, START at 13:00, STOP at 14:00, delivered out of order.
    const db = testDb(table);
    const { customerId } = await ingestInbound(db, inbound([phone('+14155552671')]), clock);
    await setConsent(db, customerId, 'sms', optedOut('2026-11-26T12:00:00.000Z'), clock);
    await setConsent(db, customerId, 'sms', optedOut('2026-11-26T14:00:00.000Z'), clock);

    // Act
    const late = await setConsent(db, customerId, 'sms', optedIn('2026-11-26T13:00:00.000Z'), clock);

    // Assess
    expect(late).toEqual({ customerId, applied: false, changed: false });
    expect((await getCustomer(db, customerId)).consent.sms).toEqual(optedOut('2026-11-26T14:00:00.000Z'));
  });

  it('keeps the consent of other channels', async () => {
    const db = testDb(table);
    const { customerId } = await ingestInbound(db, inbound([phone('+14155552671')]), clock);
    const emailConsent = { status: 'opted_in' as const, at: '2026-11-20T00:00:00.000Z', source: 'webform' };
    await setConsent(db, customerId, 'email', emailConsent, clock);

    await setConsent(db, customerId, 'sms', optedOut('2026-11-26T12:00:00.000Z'), clock);

    expect((await getCustomer(db, customerId)).consent).toEqual({
      email: emailConsent,
      sms: optedOut('2026-11-26T12:00:00.000Z'),
    });
  });

  it('moves the profile version on, so a merge that read it before cannot overwrite the decision', async () => {
    const db = testDb(table);
    const { customerId } = await ingestInbound(db, inbound([phone('+14155552671')]), clock);
    const before = await getCustomerVersion(db, customerId, true);

    await setConsent(db, customerId, 'sms', optedOut('2026-11-26T12:00:00.000Z'), clock);

    const after = await getCustomerVersion(db, customerId, true);
    expect(after?.version).toBe((before?.version ?? 0) + 1);
  });

  it('records the decision on the survivor when the customer was merged away', async () => {
    // Prepare: two customers, then one message naming both merges them.
    const db = testDb(table);
    const older = await ingestInbound(db, inbound([email('merge@example.com')]), clock);
    const younger = await ingestInbound(db, inbound([phone('+14155552671')]), clock);
    await ingestInbound(db, inbound([email('merge@example.com'), phone('+14155552671')]), clock);

    // Act
    const change = await setConsent(
      db,
      younger.customerId,
      'sms',
      optedOut('2026-11-26T12:00:00.000Z'),
      clock,
    );

    // Assess
    expect(change).toEqual({ customerId: older.customerId, applied: true, changed: true });
    expect((await getCustomer(db, older.customerId)).consent.sms?.status).toBe('opted_out');
  });

  it('throws NotFoundError for an unknown customer', async () => {
    const db = testDb(table);

    await expect(
      setConsent(db, '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q', 'sms', optedOut('2026-11-26T12:00:00.000Z'), clock),
    ).rejects.toThrow(NotFoundError);
  });
});
