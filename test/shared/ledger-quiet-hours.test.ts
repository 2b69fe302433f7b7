import { describe, expect, it } from 'vitest';
import { checkCaps, withSend } from '../../shared/campaigns/ledger-caps.js';
import {
  DEFAULT_QUIET_HOURS,
  inQuietHours,
  isKnownTimeZone,
  nextAllowedInstant,
} from '../../shared/campaigns/ledger-quiet-hours.js';

const next = (now: string, timeZone: string, quietHours = DEFAULT_QUIET_HOURS) =>
  nextAllowedInstant(new Date(now), timeZone, quietHours).toISOString();

describe('nextAllowedInstant', () => {
  it('returns now itself outside quiet hours', () => {
    expect(next('2026-11-26T15:00:00.000Z', 'America/New_York')).toBe('2026-11-26T15:00:00.000Z');
  });

  it('ends the quiet hours at 08:00 local the next morning when they start before midnight', () => {
    // 21:30 in Berlin (CET, UTC+1) → 08:00 CET = 07:00Z.
    expect(next('2026-11-26T20:30:00.000Z', 'Europe/Berlin')).toBe('2026-11-27T07:00:00.000Z');
  });

  it('ends them the same morning after midnight', () => {
    // 02:00 in Berlin → 08:00 CET the same day.
    expect(next('2026-11-27T01:00:00.000Z', 'Europe/Berlin')).toBe('2026-11-27T07:00:00.000Z');
  });

  it('treats 21:00 as quiet and 08:00 as allowed', () => {
    expect(inQuietHours(Date.parse('2026-11-26T20:00:00.000Z'), 'Europe/Berlin', DEFAULT_QUIET_HOURS)).toBe(
      true,
    );
    expect(inQuietHours(Date.parse('2026-11-27T07:00:00.000Z'), 'Europe/Berlin', DEFAULT_QUIET_HOURS)).toBe(
      false,
    );
  });

  it('ends a night across the spring-forward change at 08:00 EDT, one hour earlier in UTC than the evening offset says', () => {
    // New York, 2026-03-08 02:00 EST → 03:00 EDT. 22:00 EST on the 7th is 03:00Z on the 8th;
    // 08:00 EDT is 12:00Z (08:00 EST would be 13:00Z).
    expect(next('2026-03-08T03:00:00.000Z', 'America/New_York')).toBe('2026-03-08T12:00:00.000Z');
  });

  it('ends a night across the fall-back change at 08:00 EST, one hour later in UTC than the evening offset says', () => {
    // New York, 2026-11-01 02:00 EDT → 01:00 EST. 22:00 EDT on Oct 31 is 02:00Z on Nov 1;
    // 08:00 EST is 13:00Z (08:00 EDT would be 12:00Z).
    expect(next('2026-11-01T02:00:00.000Z', 'America/New_York')).toBe('2026-11-01T13:00:00.000Z');
  });

  it('ends the night on the instant the clocks jump when the end falls in the skipped hour', () => {
    // Berlin, 2026-03-29 02:00 CET → 03:00 CEST: 02:30 never happens; the first later local time is
    // 03:00 CEST = 01:00Z.
    const quietHours = { start: '23:00', end: '02:30' };
    expect(next('2026-03-28T23:30:00.000Z', 'Europe/Berlin', quietHours)).toBe('2026-03-29T01:00:00.000Z');
  });

  it('ends the night at the first of the two times the end happens when the clocks go back', () => {
    // Berlin, 2026-10-25 03:00 CEST → 02:00 CET: 02:30 happens at 00:30Z (CEST) and 01:30Z (CET).
    const quietHours = { start: '23:00', end: '02:30' };
    expect(next('2026-10-24T22:00:00.000Z', 'Europe/Berlin', quietHours)).toBe('2026-10-25T00:30:00.000Z');
  });

  it('handles quiet hours that do not cross midnight, and equal start and end as none', () => {
    const midday = { start: '12:00', end: '14:00' };
    expect(next('2026-11-26T12:30:00.000Z', 'UTC', midday)).toBe('2026-11-26T14:00:00.000Z');
    expect(next('2026-11-26T15:00:00.000Z', 'UTC', midday)).toBe('2026-11-26T15:00:00.000Z');
    expect(next('2026-11-26T23:00:00.000Z', 'UTC', { start: '08:00', end: '08:00' })).toBe(
      '2026-11-26T23:00:00.000Z',
    );
  });

  it('works in zones with half-hour offsets', () => {
    // Kolkata is UTC+05:30: 23:00 local is 17:30Z; 08:00 local is 02:30Z.
    expect(next('2026-11-26T17:30:00.000Z', 'Asia/Kolkata')).toBe('2026-11-27T02:30:00.000Z');
  });
});

describe('isKnownTimeZone', () => {
  it('knows IANA zones and UTC, and nothing else', () => {
    expect(isKnownTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isKnownTimeZone('UTC')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});

describe('checkCaps', () => {
  const now = new Date('2026-11-26T15:00:00.000Z');

  it('is open without caps and below them', () => {
    expect(checkCaps([{ at: '2026-11-26T10:00:00.000Z' }], {}, now)).toEqual({ kind: 'open' });
    expect(checkCaps([{ at: '2026-11-25T14:00:00.000Z' }], { perDay: 1 }, now)).toEqual({ kind: 'open' });
  });

  it('is full until the oldest blocking send leaves the window, the later of both windows', () => {
    const sends = [{ at: '2026-11-20T16:00:00.000Z' }, { at: '2026-11-26T10:00:00.000Z' }];

    const result = checkCaps(sends, { perDay: 1, perWeek: 2 }, now);

    // The day window has room at 2026-11-27T10:00Z, the week window at 2026-11-27T16:00Z.
    expect(result).toEqual({ kind: 'full', until: new Date('2026-11-27T16:00:00.000Z') });
  });

  it('recognises a send already counted under the same key', () => {
    const sends = [{ at: '2026-11-26T10:00:00.000Z', key: 'c#r#1' }];

    expect(checkCaps(sends, { perDay: 1 }, now, 'c#r#1')).toEqual({
      kind: 'counted',
      at: '2026-11-26T10:00:00.000Z',
    });
  });

  it('keeps the last week of sends, oldest first, when one is added', () => {
    const sends = [{ at: '2026-11-26T10:00:00.000Z' }, { at: '2026-11-18T10:00:00.000Z' }];

    expect(withSend(sends, now, 'k')).toEqual([
      { at: '2026-11-26T10:00:00.000Z' },
      { at: '2026-11-26T15:00:00.000Z', key: 'k' },
    ]);
  });
});
