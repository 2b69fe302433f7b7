import { describe, expect, it } from 'vitest';
import { parseSegment, SegmentSchema } from '../../shared/campaigns/segment.js';
import { planSegment, segmentCutoffDay } from '../../shared/campaigns/segment-plan.js';
import { ValidationError } from '../../shared/errors.js';

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseSegment(input);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  throw new Error('the segment validated');
}

const NOW = '2026-11-26T12:00:00.000Z';

describe('SegmentSchema', () => {
  it('accepts a segment of every condition', () => {
    const segment = parseSegment({
      lastInteractionOlderThanDays: 30,
      noOpenConversation: true,
      channels: ['email', 'sms'],
      tags: ['newsletter'],
      lifetimeValueAtLeast: 500,
      lastSatisfactionAtMost: 2,
    });

    expect(segment.channels).toEqual(['email', 'sms']);
  });

  it.each([
    [{ lastInteractionOlderThanDays: 0 }, 'segment.lastInteractionOlderThanDays', /at least 1 day/],
    [{ lastInteractionOlderThanDays: 3651 }, 'segment.lastInteractionOlderThanDays', /at most 3650 days/],
    [{ lastInteractionOlderThanDays: 1.5 }, 'segment.lastInteractionOlderThanDays', /whole number/],
    [{ lastInteractionOlderThanDays: '30' }, 'segment.lastInteractionOlderThanDays', /number of days/],
    [{ noOpenConversation: 'yes' }, 'segment.noOpenConversation', /true or false/],
    [{ channels: [] }, 'segment.channels', /at least one channel/],
    [{ channels: ['chat'] }, 'segment.channels.0', /only email and sms/],
    [{ channels: ['email', 'email'] }, 'segment.channels', /must not repeat/],
    [{ tags: [''] }, 'segment.tags.0', /empty tag/],
    [{ tags: ['x'.repeat(65)] }, 'segment.tags.0', /at most 64 characters/],
    [{ tags: [] }, 'segment.tags', /at least one tag/],
    [{ lifetimeValueAtLeast: -1 }, 'segment.lifetimeValueAtLeast', /must not be negative/],
    [{ lastSatisfactionAtMost: 6 }, 'segment.lastSatisfactionAtMost', /score from 1 to 5/],
    [{ lastSatisfactionAtMost: 2.5 }, 'segment.lastSatisfactionAtMost', /whole score/],
  ])('rejects %j naming the field', (input, path, message) => {
    const issues = issuesOf(input);

    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('rejects an unknown key, naming it', () => {
    const issues = issuesOf({ lastInteractionOlderThanDays: 30, lastSeenDays: 3 });

    expect(issues).toEqual([{ path: 'segment', message: expect.stringContaining('lastSeenDays') }]);
  });

  it('rejects a segment without any narrowing condition', () => {
    expect(issuesOf({})).toEqual([
      {
        path: 'segment',
        message: expect.stringMatching(/at least one condition: lastInteractionOlderThanDays/),
      },
    ]);
    expect(issuesOf({ noOpenConversation: false })).toHaveLength(1);
  });

  it('names the field under the path the caller gives', () => {
    const parsed = SegmentSchema.safeParse({ lastInteractionOlderThanDays: 0 });
    expect(parsed.success).toBe(false);

    expect(() => parseSegment({ lastInteractionOlderThanDays: 0 }, 'draft.segment')).toThrow(
      expect.objectContaining({
        issues: [expect.objectContaining({ path: 'draft.segment.lastInteractionOlderThanDays' })],
      }),
    );
  });
});

describe('planSegment', () => {
  it('reads the gsi3 months up to the cutoff, bounding only the cutoff month', () => {
    const segment = parseSegment({ lastInteractionOlderThanDays: 30, noOpenConversation: true });

    const plan = planSegment(segment, NOW, { earliestMonth: '2026-07' });

    expect(plan.needsScan).toBe(false);
    expect(plan.reason).toBeUndefined();
    expect(plan.cutoffDay).toBe('2026-10-27');
    expect(plan.queries).toEqual([
      { indexName: 'gsi3', month: '2026-07', partition: 'ACTIVITY#2026-07' },
      { indexName: 'gsi3', month: '2026-08', partition: 'ACTIVITY#2026-08' },
      { indexName: 'gsi3', month: '2026-09', partition: 'ACTIVITY#2026-09' },
      { indexName: 'gsi3', month: '2026-10', partition: 'ACTIVITY#2026-10', sortKeyBefore: '2026-10-27' },
    ]);
    expect(plan.filters).toEqual(['lastInteractionOlderThanDays', 'noOpenConversation']);
    expect(plan.readsIdentities).toBe(false);
    expect(plan.cost.indexReadUnitsAtLeast).toBe(2);
    expect(plan.cost.readUnitsPerCandidate).toBeCloseTo(0.515, 3);
  });

  it('reads a month whole when the cutoff is the first of the next month', () => {
    const segment = parseSegment({ lastInteractionOlderThanDays: 25 });

    const plan = planSegment(segment, NOW, { earliestMonth: '2026-09' });

    expect(plan.cutoffDay).toBe('2026-11-01');
    expect(plan.queries.map((query) => [query.month, query.sortKeyBefore])).toEqual([
      ['2026-09', undefined],
      ['2026-10', undefined],
    ]);
  });

  it('goes back ten years when the oldest month is not given, across year ends', () => {
    const plan = planSegment(parseSegment({ lastInteractionOlderThanDays: 365 }), NOW);

    expect(plan.queries).toHaveLength(120);
    expect(plan.queries[0]?.month).toBe('2015-12');
    expect(plan.queries.at(-1)).toMatchObject({ month: '2025-11', sortKeyBefore: '2025-11-26' });
  });

  it('says a segment of tags and lifetime value needs a scan, with its cost from the table size', () => {
    const segment = parseSegment({ tags: ['vip'], lifetimeValueAtLeast: 1000 });

    const plan = planSegment(segment, NOW, { tableBytes: 8 * 1024 * 1024 * 1024 });

    expect(plan.needsScan).toBe(true);
    expect(plan.queries).toEqual([]);
    expect(plan.cost.scanReadUnits).toBe(1_048_576);
    expect(plan.reason).toMatch(/tags, lifetimeValueAtLeast are checked on every customer/);
    expect(plan.reason).toMatch(/scans the whole table: about 1048576 read units \(8589934592 bytes \/ 4 KB/);
  });

  it('says a scan grows with the table when its size is not known', () => {
    const plan = planSegment(parseSegment({ channels: ['sms'] }), NOW);

    expect(plan.needsScan).toBe(true);
    expect(plan.readsIdentities).toBe(true);
    expect(plan.cost.scanReadUnits).toBeUndefined();
    expect(plan.reason).toMatch(/grows with the table \(read units = table size \/ 4 KB/);
  });

  it('counts days in whole UTC days', () => {
    expect(segmentCutoffDay('2026-03-01T00:30:00.000Z', 1)).toBe('2026-02-28');
    expect(segmentCutoffDay('2028-03-01T23:59:00.000Z', 1)).toBe('2028-02-29');
  });
});
