import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { getCustomer } from '../../shared/store/customers.js';
import { getTimeline } from '../../shared/store/timeline.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { clock, email, inbound, phone, testDb } from '../support/inbound.js';

const table = useDynamoTable();

function at(minute: number): string {
  return new Date(Date.UTC(2026, 10, 20, 9, minute)).toISOString();
}

describe('getTimeline', () => {
  it('pages newest first with an opaque cursor, every interaction exactly once', async () => {
    // Prepare: seven messages at known times, written out of order.
    const db = testDb(table);
    const minutes = [3, 1, 6, 2, 7, 5, 4];
    let customerId = '';
    for (const minute of minutes) {
      const result = await ingestInbound(
        db,
        inbound([email('pages@example.com')], { receivedAt: at(minute), body: `m${minute}` }),
        clock,
      );
      customerId = result.customerId;
    }
    const customer = await getCustomer(db, customerId);

    // Act
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await getTimeline(db, customer, { limit: 3, cursor });
      pages.push(page.items.map((interaction) => interaction.body));
      cursor = page.nextCursor;
    } while (cursor);

    // Assess
    expect(pages).toEqual([['m7', 'm6', 'm5'], ['m4', 'm3', 'm2'], ['m1']]);
  });

  it('interleaves the interactions of merged customers by time', async () => {
    const db = testDb(table);
    await ingestInbound(db, inbound([email('left@example.com')], { receivedAt: at(1), body: 'e1' }), clock);
    await ingestInbound(db, inbound([phone('+14155550100')], { receivedAt: at(2), body: 'p2' }), clock);
    await ingestInbound(db, inbound([email('left@example.com')], { receivedAt: at(3), body: 'e3' }), clock);
    await ingestInbound(db, inbound([phone('+14155550100')], { receivedAt: at(4), body: 'p4' }), clock);
    const merged = await ingestInbound(
      db,
      inbound([email('left@example.com'), phone('+14155550100')], { receivedAt: at(5), body: 'both5' }),
      clock,
    );
    const customer = await getCustomer(db, merged.customerId);

    const first = await getTimeline(db, customer, { limit: 2 });
    const second = await getTimeline(db, customer, { limit: 2, cursor: first.nextCursor });
    const third = await getTimeline(db, customer, { limit: 2, cursor: second.nextCursor });

    expect([first, second, third].flatMap((page) => page.items.map((item) => item.body))).toEqual([
      'both5',
      'p4',
      'e3',
      'p2',
      'e1',
    ]);
    expect(third.nextCursor).toBeUndefined();
  });

  it('rejects a cursor it did not issue', async () => {
    const db = testDb(table);
    const result = await ingestInbound(db, inbound([email('cursor@example.com')]), clock);
    const customer = await getCustomer(db, result.customerId);

    await expect(getTimeline(db, customer, { limit: 5, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});
