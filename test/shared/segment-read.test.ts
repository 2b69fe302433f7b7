import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { parseSegment, type Segment } from '../../shared/campaigns/segment.js';
import { describeSegmentTable } from '../../shared/campaigns/segment-plan.js';
import {
  countSegment,
  readSegment,
  SegmentNeedsScanError,
  type SegmentReadOptions,
} from '../../shared/campaigns/segment-read.js';
import { ValidationError } from '../../shared/errors.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import { routingRequest } from '../../shared/routing/handoff.js';
import { recordInboundActivity, ruleRouter } from '../../shared/routing/record-activity.js';
import { type Customer, CustomerSchema } from '../../shared/schemas/index.js';
import type { Db } from '../../shared/store/db.js';
import { markUndeliverable } from '../../shared/store/deliverability.js';
import { customerItem, identityItem } from '../../shared/store/items.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { claimedEmail, clock, email, inbound, phone, testDb } from '../support/inbound.js';

const table = useDynamoTable();

const NOW = '2026-11-26T12:00:00.000Z';
const EARLIEST = '2026-01';
const OLD = '2026-09-15T10:00:00.000Z';
const RECENT = '2026-11-20T10:00:00.000Z';

type Seed = Partial<Omit<Customer, 'customerId'>> & { readonly name: string };

/** A customer profile and its identity items, written as ingest writes them (index keys included). */
async function seedCustomer(db: Db, seed: Seed): Promise<Customer> {
  const customer = CustomerSchema.parse({
    customerId: clock.newId(),
    identities: [email(`${seed.name.toLowerCase()}@example.com`)],
    consent: {},
    mergedFrom: [],
    createdAt: '2026-01-02T00:00:00.000Z',
    updatedAt: '2026-01-02T00:00:00.000Z',
    lastInteractionAt: OLD,
    ...seed,
  });
  await db.doc.send(new PutCommand({ TableName: db.tableName, Item: customerItem(customer, 1) }));
  for (const identity of customer.identities) {
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: identityItem({ ...identity, customerId: customer.customerId, createdAt: customer.createdAt }),
      }),
    );
  }
  return customer;
}

/** Every member's name, following cursors from the first page to the last. */
async function readAll(
  db: Db,
  segment: Segment,
  options: Omit<SegmentReadOptions, 'cursor'>,
): Promise<{ names: string[]; pages: number[]; readUnits: number }> {
  const names: string[] = [];
  const pages: number[] = [];
  let readUnits = 0;
  let cursor: string | undefined;
  do {
    const page = await readSegment(db, segment, { ...options, ...(cursor === undefined ? {} : { cursor }) });
    names.push(...page.customers.map((customer) => customer.name ?? customer.customerId));
    pages.push(page.customers.length);
    readUnits += page.readUnits;
    cursor = page.cursor;
  } while (cursor !== undefined);
  return { names, pages, readUnits };
}

const read = { now: NOW, pageSize: 100, earliestMonth: EARLIEST } as const;

describe('readSegment', () => {
  it('keeps customers whose last interaction day is at least N days before today, and no others', async () => {
    // Prepare: today is 2026-11-26, so 30 days leaves the 26th of October as the last day old enough.
    const db = testDb(table);
    await seedCustomer(db, { name: 'Spring', lastInteractionAt: '2026-03-01T08:00:00.000Z' });
    await seedCustomer(db, { name: 'September', lastInteractionAt: OLD });
    await seedCustomer(db, { name: 'LastDayOldEnough', lastInteractionAt: '2026-10-26T23:59:00.000Z' });
    await seedCustomer(db, { name: 'CutoffDay', lastInteractionAt: '2026-10-27T00:01:00.000Z' });
    await seedCustomer(db, { name: 'Recent', lastInteractionAt: RECENT });
    await seedCustomer(db, { name: 'BeforeEarliestMonth', lastInteractionAt: '2025-12-31T10:00:00.000Z' });
    await seedCustomer(db, { name: 'Never', lastInteractionAt: undefined });

    // Act
    const page = await readSegment(db, parseSegment({ lastInteractionOlderThanDays: 30 }), read);

    // Assess: oldest first, by the index's order
    expect(page.customers.map((customer) => customer.name)).toEqual([
      'Spring',
      'September',
      'LastDayOldEnough',
    ]);
    expect(page.cursor).toBeUndefined();
  });

  it('leaves out a customer with an open conversation when the segment asks for none', async () => {
    const db = testDb(table);
    await seedCustomer(db, { name: 'Idle' });
    await seedCustomer(db, { name: 'Talking', openConversationId: clock.newId() });

    const page = await readSegment(
      db,
      parseSegment({ lastInteractionOlderThanDays: 30, noOpenConversation: true }),
      read,
    );

    expect(page.customers.map((customer) => customer.name)).toEqual(['Idle']);
  });

  it('keeps a customer reachable and consented on any of the channels', async () => {
    // Prepare
    const db = testDb(table);
    const optedIn = { status: 'opted_in', at: '2026-02-01T00:00:00.000Z', source: 'webform' } as const;
    const optedOut = {
      status: 'opted_out',
      at: '2026-02-01T00:00:00.000Z',
      source: 'sms-keyword:STOP',
    } as const;
    await seedCustomer(db, {
      name: 'Mail',
      identities: [email('mail@example.com')],
      consent: { email: optedIn },
    });
    await seedCustomer(db, { name: 'NoConsentRecorded', identities: [email('quiet@example.com')] });
    await seedCustomer(db, {
      name: 'MailOptedOut',
      identities: [email('out@example.com')],
      consent: { email: optedOut },
    });
    await seedCustomer(db, { name: 'ClaimOnly', identities: [claimedEmail('claim@example.com')] });
    await seedCustomer(db, { name: 'Bounced', identities: [email('bounce@example.com')] });
    await markUndeliverable(db, email('bounce@example.com'), 'bounce', '2026-05-01T00:00:00.000Z');
    await seedCustomer(db, {
      name: 'PhoneAfterEmailStop',
      identities: [email('stop@example.com'), phone('+14155550101')],
      consent: { email: optedOut },
    });
    await seedCustomer(db, {
      name: 'SmsStopped',
      identities: [phone('+14155550102')],
      consent: { sms: optedOut },
    });
    await seedCustomer(db, { name: 'PhoneOnly', identities: [phone('+14155550103')] });

    // Act
    const emailOnly = await readSegment(
      db,
      parseSegment({ lastInteractionOlderThanDays: 30, channels: ['email'] }),
      read,
    );
    const either = await readSegment(
      db,
      parseSegment({ lastInteractionOlderThanDays: 30, channels: ['email', 'sms'] }),
      read,
    );

    // Assess
    expect(emailOnly.customers.map((customer) => customer.name).sort()).toEqual([
      'Mail',
      'NoConsentRecorded',
    ]);
    expect(either.customers.map((customer) => customer.name).sort()).toEqual([
      'Mail',
      'NoConsentRecorded',
      'PhoneAfterEmailStop',
      'PhoneOnly',
    ]);
  });

  it('leaves out an address whose identity now belongs to another customer', async () => {
    const db = testDb(table);
    const before = await seedCustomer(db, { name: 'FormerOwner', identities: [email('moved@example.com')] });
    await seedCustomer(db, { name: 'NewOwner', identities: [email('moved@example.com')] });

    const page = await readSegment(
      db,
      parseSegment({ lastInteractionOlderThanDays: 30, channels: ['email'] }),
      read,
    );

    expect(page.customers.map((customer) => customer.name)).toEqual(['NewOwner']);
    expect(before.customerId).not.toBe(page.customers[0]?.customerId);
  });

  it('keeps customers with every tag, enough lifetime value and a low enough last score', async () => {
    // Prepare
    const db = testDb(table);
    const score = (value: number) => ({ score: value, at: '2026-09-01T00:00:00.000Z' });
    await seedCustomer(db, {
      name: 'Match',
      tags: ['newsletter', 'b2b', 'eu'],
      attributes: { lifetimeValue: 500 },
      lastSatisfaction: score(2),
    });
    await seedCustomer(db, {
      name: 'OneTagMissing',
      tags: ['newsletter'],
      attributes: { lifetimeValue: 900 },
      lastSatisfaction: score(1),
    });
    await seedCustomer(db, {
      name: 'LowValue',
      tags: ['newsletter', 'b2b'],
      attributes: { lifetimeValue: 499.99 },
      lastSatisfaction: score(1),
    });
    await seedCustomer(db, { name: 'NoValue', tags: ['newsletter', 'b2b'], lastSatisfaction: score(1) });
    await seedCustomer(db, {
      name: 'Happy',
      tags: ['newsletter', 'b2b'],
      attributes: { lifetimeValue: 800 },
      lastSatisfaction: score(3),
    });
    await seedCustomer(db, {
      name: 'NeverScored',
      tags: ['newsletter', 'b2b'],
      attributes: { lifetimeValue: 800 },
    });

    // Act
    const page = await readSegment(
      db,
      parseSegment({
        lastInteractionOlderThanDays: 30,
        tags: ['newsletter', 'b2b'],
        lifetimeValueAtLeast: 500,
        lastSatisfactionAtMost: 2,
      }),
      read,
    );

    // Assess
    expect(page.customers.map((customer) => customer.name)).toEqual(['Match']);
  });

  it('leaves out a merged-away profile even while its index entry lingers', async () => {
    const db = testDb(table);
    const survivor = await seedCustomer(db, { name: 'Survivor' });
    await seedCustomer(db, { name: 'MergedAway', mergedInto: survivor.customerId });

    const page = await readSegment(db, parseSegment({ lastInteractionOlderThanDays: 30 }), read);

    expect(page.customers.map((customer) => customer.name)).toEqual(['Survivor']);
  });

  it('follows the index as routing records activity: a customer who writes again leaves the segment', async () => {
    // Prepare: two customers wrote in September; one writes again in November.
    const db = testDb(table);
    const router = ruleRouter(ROUTING_DEFINITION);
    const stays = await ingestInbound(db, inbound([email('stays@example.com')], { receivedAt: OLD }), clock);
    const returns = await ingestInbound(
      db,
      inbound([email('returns@example.com')], { receivedAt: OLD }),
      clock,
    );
    await recordInboundActivity(db, routingRequest(stays), router, clock);
    await recordInboundActivity(db, routingRequest(returns), router, clock);
    const segment = parseSegment({ lastInteractionOlderThanDays: 30, channels: ['email'] });
    const before = await readSegment(db, segment, read);
    const again = await ingestInbound(
      db,
      inbound([email('returns@example.com')], { receivedAt: RECENT }),
      clock,
    );
    await recordInboundActivity(db, routingRequest(again), router, clock);

    // Act
    const after = await readSegment(db, segment, read);

    // Assess
    expect(before.customers.map((customer) => customer.customerId).sort()).toEqual(
      [stays.customerId, returns.customerId].sort(),
    );
    expect(after.customers.map((customer) => customer.customerId)).toEqual([stays.customerId]);
  });

  it('pages with a cursor through every member exactly once, across months and index pages', async () => {
    // Prepare: 150 customers over three months (120 in one, more than one index page); two in three tagged.
    const db = testDb(table);
    const expected: string[] = [];
    const months = ['2026-06', '2026-08', '2026-08', '2026-08', '2026-08', '2026-10'];
    for (let index = 0; index < 150; index++) {
      const month = months[index % months.length] ?? '2026-08';
      const day = String((index % 25) + 1).padStart(2, '0');
      const name = `C${index}`;
      const tagged = index % 3 !== 0;
      await seedCustomer(db, {
        name,
        lastInteractionAt: `${month}-${day}T10:00:00.000Z`,
        ...(tagged ? { tags: ['newsletter'] } : {}),
      });
      if (tagged) expected.push(name);
    }
    const segment = parseSegment({ lastInteractionOlderThanDays: 30, tags: ['newsletter'] });

    // Act
    const bySeven = await readAll(db, segment, { now: NOW, pageSize: 7, earliestMonth: EARLIEST });
    const byThousand = await readAll(db, segment, { now: NOW, pageSize: 1000, earliestMonth: EARLIEST });
    const bounded = await readAll(db, segment, {
      now: NOW,
      pageSize: 50,
      earliestMonth: EARLIEST,
      maxExamined: 30,
    });

    // Assess
    for (const result of [bySeven, byThousand, bounded]) {
      expect(result.names).toHaveLength(expected.length);
      expect(new Set(result.names)).toEqual(new Set(expected));
    }
    expect(Math.max(...bySeven.pages)).toBe(7);
    expect(bySeven.pages.slice(0, -1).every((size) => size === 7)).toBe(true);
    expect(byThousand.pages).toEqual([100]);
    expect(Math.max(...bounded.pages)).toBeLessThanOrEqual(30);
  });

  it('keeps the cutoff of its first page when a later wave resumes at a later time', async () => {
    const db = testDb(table);
    // Prepare: at NOW the cutoff day is 2026-10-27; a month later it would be 2026-12-01.
    await seedCustomer(db, { name: 'First', lastInteractionAt: '2026-10-01T10:00:00.000Z' });
    await seedCustomer(db, { name: 'Second', lastInteractionAt: '2026-10-05T10:00:00.000Z' });
    await seedCustomer(db, { name: 'NotYetOld', lastInteractionAt: '2026-11-10T10:00:00.000Z' });
    const segment = parseSegment({ lastInteractionOlderThanDays: 30 });

    const first = await readSegment(db, segment, { ...read, pageSize: 1 });
    const rest = await readSegment(db, segment, {
      ...read,
      now: '2026-12-31T12:00:00.000Z',
      pageSize: 10,
      ...(first.cursor === undefined ? {} : { cursor: first.cursor }),
    });

    expect(first.customers.map((customer) => customer.name)).toEqual(['First']);
    expect(rest.customers.map((customer) => customer.name)).toEqual(['Second']);
    expect(rest.cursor).toBeUndefined();
  });

  it('refuses a cursor issued for another segment or made up, naming the cursor', async () => {
    const db = testDb(table);
    await seedCustomer(db, { name: 'A' });
    await seedCustomer(db, { name: 'B' });
    const first = await readSegment(db, parseSegment({ lastInteractionOlderThanDays: 30 }), {
      ...read,
      pageSize: 1,
    });
    const other = parseSegment({ lastInteractionOlderThanDays: 31 });

    const reuse = await readSegment(db, other, { ...read, cursor: first.cursor ?? '' }).catch(
      (e: unknown) => e,
    );
    const madeUp = await readSegment(db, other, { ...read, cursor: 'bm90IGEgY3Vyc29y' }).catch(
      (e: unknown) => e,
    );

    expect(first.cursor).toBeDefined();
    expect(reuse).toBeInstanceOf(ValidationError);
    expect(reuse).toMatchObject({ issues: [{ path: 'cursor', message: 'was issued for another segment' }] });
    expect(madeUp).toMatchObject({ issues: [{ path: 'cursor', message: 'is not a segment cursor' }] });
  });

  it('costs half a read unit per candidate profile and per month partition read', async () => {
    // Prepare: ten customers in September; the plan reads January to October (ten month Queries).
    const db = testDb(table);
    for (let index = 0; index < 10; index++) await seedCustomer(db, { name: `Unit${index}` });

    // Act
    const plain = await readSegment(db, parseSegment({ lastInteractionOlderThanDays: 30 }), read);
    const reachable = await readSegment(
      db,
      parseSegment({ lastInteractionOlderThanDays: 30, channels: ['email'] }),
      read,
    );

    // Assess: 10 Queries x 0.5 (nine empty, one of ten small entries) + 10 profiles x 0.5; + 10 identities x 0.5
    expect(plain.customers).toHaveLength(10);
    expect(plain.readUnits).toBe(10);
    expect(reachable.readUnits).toBe(15);
    expect(plain.examined).toBe(10);
  });

  it('refuses a segment that needs a scan unless asked, then scans it page by page', async () => {
    // Prepare
    const db = testDb(table);
    const expected: string[] = [];
    for (let index = 0; index < 12; index++) {
      const vip = index % 2 === 0;
      await seedCustomer(db, {
        name: `S${index}`,
        lastInteractionAt: index % 3 === 0 ? RECENT : OLD,
        ...(vip ? { tags: ['vip'] } : {}),
      });
      if (vip) expected.push(`S${index}`);
    }
    const segment = parseSegment({ tags: ['vip'] });

    // Act
    const refused = await readSegment(db, segment, read).catch((error: unknown) => error);
    const scanned = await readAll(db, segment, { ...read, pageSize: 4, allowScan: true });

    // Assess
    expect(refused).toBeInstanceOf(SegmentNeedsScanError);
    expect(String(refused)).toMatch(/scans the whole table/);
    expect(scanned.names.sort()).toEqual(expected.sort());
    expect(scanned.pages.slice(0, 2)).toEqual([4, 2]);
    expect(scanned.readUnits).toBeGreaterThan(0);
  });
});

describe('countSegment', () => {
  it('counts a whole segment, and says when it stopped at the limit', async () => {
    const db = testDb(table);
    for (let index = 0; index < 9; index++) {
      await seedCustomer(db, {
        name: `N${index}`,
        ...(index < 6 ? {} : { openConversationId: clock.newId() }),
      });
    }
    const segment = parseSegment({ lastInteractionOlderThanDays: 30, noOpenConversation: true });

    const whole = await countSegment(db, segment, { now: NOW, limit: 100, earliestMonth: EARLIEST });
    const exact = await countSegment(db, segment, { now: NOW, limit: 6, earliestMonth: EARLIEST });
    const capped = await countSegment(db, segment, { now: NOW, limit: 5, earliestMonth: EARLIEST });

    expect(whole).toMatchObject({ count: 6, complete: true });
    expect(exact).toMatchObject({ count: 6, complete: true });
    expect(capped).toMatchObject({ count: 5, complete: false });
  });

  it('counts a segment of last interaction alone on the index, without reading profiles', async () => {
    const db = testDb(table);
    for (let index = 0; index < 40; index++) await seedCustomer(db, { name: `I${index}` });
    await seedCustomer(db, { name: 'Recent', lastInteractionAt: RECENT });

    const onIndex = await countSegment(db, parseSegment({ lastInteractionOlderThanDays: 30 }), {
      now: NOW,
      limit: 1000,
      earliestMonth: '2026-09',
    });
    const capped = await countSegment(db, parseSegment({ lastInteractionOlderThanDays: 30 }), {
      now: NOW,
      limit: 39,
      earliestMonth: '2026-09',
    });

    expect(onIndex).toEqual({ count: 40, complete: true, readUnits: 1.5 });
    expect(capped).toMatchObject({ count: 39, complete: false });
  });

  it('stops incomplete once its read-unit budget is spent', async () => {
    const db = testDb(table);
    for (let index = 0; index < 30; index++) await seedCustomer(db, { name: `B${index}` });

    const count = await countSegment(db, parseSegment({ lastInteractionOlderThanDays: 30, tags: ['none'] }), {
      now: NOW,
      limit: 1000,
      earliestMonth: EARLIEST,
      maxReadUnits: 1,
    });

    expect(count.complete).toBe(false);
    expect(count.count).toBe(0);
  });
});

describe('describeSegmentTable', () => {
  it("reads the table's size and creation month for a preview", async () => {
    const db = testDb(table);
    await seedCustomer(db, { name: 'Sized' });

    const facts = await describeSegmentTable(db);

    expect(facts.createdMonth).toMatch(/^\d{4}-\d{2}$/);
    expect(facts.tableBytes).toBeGreaterThanOrEqual(0);
  });
});
