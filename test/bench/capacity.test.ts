import { describe, expect, it } from 'vitest';
import { itemSize, readUnits, type TableShape, type WireItem, writeCost } from '../../bench/capacity.js';

const table: TableShape = {
  keyAttributes: ['pk', 'sk'],
  indexes: [
    { name: 'timeline', keyAttributes: ['gsi1pk', 'gsi1sk'], projection: 'ALL', nonKeyAttributes: [] },
    { name: 'activity', keyAttributes: ['gsi3pk', 'gsi3sk'], projection: 'KEYS_ONLY', nonKeyAttributes: [] },
  ],
};

/** An item of about `bytes` bytes with the given extra attributes. */
function item(bytes: number, extra: Record<string, string> = {}): WireItem {
  const attributes: Record<string, { S: string }> = { pk: { S: 'P' }, sk: { S: 'S' } };
  for (const [name, value] of Object.entries(extra)) attributes[name] = { S: value };
  const used = itemSize(attributes) + 'body'.length;
  return { ...attributes, body: { S: 'x'.repeat(Math.max(0, bytes - used)) } };
}

describe('itemSize', () => {
  it('counts attribute names and values the way DynamoDB documents', () => {
    // Prepare
    const sample: WireItem = {
      pk: { S: 'CUSTOMER#1' }, // 2 + 10
      n: { N: '-0123.450' }, // 1 + (5 significant digits: 3 bytes + 1)
      ok: { BOOL: true }, // 2 + 1
      l: { L: [{ S: 'ab' }, { N: '7' }] }, // 1 + 3 + 2 + 2
      m: { M: { k: { S: 'v' } } }, // 1 + 3 + 1 + 1
    };

    // Act
    const size = itemSize(sample);

    // Assess
    expect(size).toBe(12 + 5 + 3 + 8 + 6);
  });
});

describe('readUnits', () => {
  it('charges half a unit per started 4 KB for an eventually consistent read, the minimum for a missing item', () => {
    expect(readUnits(undefined, 'eventual')).toBe(0.5);
    expect(readUnits(item(5000), 'eventual')).toBe(1);
    expect(readUnits(item(5000), 'strong')).toBe(2);
    expect(readUnits(item(1000), 'transactional')).toBe(2);
  });
});

describe('writeCost', () => {
  it('adds one write per index the new item enters', () => {
    // Prepare
    const after = item(500, { gsi1pk: 'C#1', gsi1sk: 'T#1', gsi3pk: 'A#2026-11', gsi3sk: '2026-11-26' });

    // Act
    const cost = writeCost(table, { before: undefined, after, transactional: false, failed: false });

    // Assess
    expect(cost).toEqual({ table: 1, indexes: 2 });
  });

  it('costs nothing in a keys-only index when only other attributes change, two writes when its key moves', () => {
    // Prepare
    const before = item(500, { gsi3pk: 'A#2026-11', gsi3sk: '2026-11-25' });
    const sameKey = item(600, { gsi3pk: 'A#2026-11', gsi3sk: '2026-11-25' });
    const movedKey = item(500, { gsi3pk: 'A#2026-11', gsi3sk: '2026-11-26' });

    // Act
    const unchanged = writeCost(table, { before, after: sameKey, transactional: false, failed: false });
    const moved = writeCost(table, { before, after: movedKey, transactional: false, failed: false });

    // Assess
    expect(unchanged).toEqual({ table: 1, indexes: 0 });
    expect(moved).toEqual({ table: 1, indexes: 2 });
  });

  it('sizes the table write on the larger image and doubles it in a transaction, not the index writes', () => {
    // Prepare
    const before = item(900, { gsi1pk: 'C#1', gsi1sk: 'T#1' });
    const after = item(1500, { gsi1pk: 'C#1', gsi1sk: 'T#1' });

    // Act
    const cost = writeCost(table, { before, after, transactional: true, failed: false });

    // Assess
    expect(cost).toEqual({ table: 4, indexes: 2 });
  });

  it('charges a failed conditional write the existing item, at least one unit, and no index write', () => {
    // Prepare
    const existing = item(1500, { gsi1pk: 'C#1', gsi1sk: 'T#1' });

    // Act
    const overExisting = writeCost(table, {
      before: existing,
      after: existing,
      transactional: false,
      failed: true,
    });
    const overNothing = writeCost(table, {
      before: undefined,
      after: undefined,
      transactional: false,
      failed: true,
    });

    // Assess
    expect(overExisting).toEqual({ table: 2, indexes: 0 });
    expect(overNothing).toEqual({ table: 1, indexes: 0 });
  });
});
