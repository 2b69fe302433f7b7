import type { QuietHours } from '../schemas/index.js';

/**
 * Quiet hours in the customer's own time zone, with the runtime's Intl time-zone data (no date
 * library): whether an instant falls in them, and the next instant a marketing message may go out.
 * Daylight-saving changes are honoured: 08:00 local is 12:00Z on one side of New York's March change
 * and 13:00Z on the other.
 */

/** Quiet hours when neither the customer nor the campaign names others: 21:00 until 08:00 local. */
export const DEFAULT_QUIET_HOURS: QuietHours = { start: '21:00', end: '08:00' };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when the runtime knows `name` as a time zone (IANA names and their aliases, `UTC`). */
export function isKnownTimeZone(name: string): boolean {
  try {
    formatterOf(name);
    return true;
  } catch {
    return false;
  }
}

/** A wall-clock date and time in some zone (month 1-12). */
interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

/** The wall-clock time at `epochMs` in `timeZone`, to the second. */
function wallTimeAt(epochMs: number, timeZone: string): WallTime & { readonly second: number } {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(epochMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** The zone's offset from UTC at `epochMs`, in milliseconds (whole seconds; east positive). */
function offsetAt(epochMs: number, timeZone: string): number {
  const wholeSecond = Math.floor(epochMs / 1000) * 1000;
  const wall = wallTimeAt(wholeSecond, timeZone);
  return asUtc(wall) + wall.second * 1000 - wholeSecond;
}

function asUtc(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
}

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The first instant whose wall-clock time in `timeZone` is `wall` or later:
 * - a wall time that happens once: that instant;
 * - one that happens twice (the hour repeated when clocks go back): the earlier;
 * - one that never happens (skipped when clocks go forward): the instant the clocks jump, the first
 *   time the local clock shows a later time.
 */
function firstInstantAtOrAfter(wall: WallTime, timeZone: string): number {
  const utc = asUtc(wall);
  // Offsets a day either side cover any single transition near the wall time.
  const offsets = [...new Set([offsetAt(utc - DAY_MS, timeZone), offsetAt(utc + DAY_MS, timeZone)])];
  const exact = offsets
    .map((offset) => utc - offset)
    .filter((instant) => offsetAt(instant, timeZone) === utc - instant)
    .sort((a, b) => a - b);
  if (exact[0] !== undefined) return exact[0];
  // In a gap: the clocks jump somewhere between the two candidates; find the jump to the second.
  const candidates = offsets.map((offset) => utc - offset).sort((a, b) => a - b);
  let before = candidates[0] ?? utc;
  let after = candidates.at(-1) ?? utc;
  const offsetBefore = offsetAt(before, timeZone);
  while (after - before > 1000) {
    const middle = Math.floor((before + after) / 2000) * 1000;
    if (offsetAt(middle, timeZone) === offsetBefore) before = middle;
    else after = middle;
  }
  return after;
}

function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/** True when `epochMs` falls in `quietHours` in `timeZone` (`start` included, `end` excluded). */
export function inQuietHours(epochMs: number, timeZone: string, quietHours: QuietHours): boolean {
  const start = minutesOf(quietHours.start);
  const end = minutesOf(quietHours.end);
  if (start === end) return false;
  const wall = wallTimeAt(epochMs, timeZone);
  const now = wall.hour * 60 + wall.minute;
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/**
 * The first instant at or after `now` outside `quietHours` in `timeZone`: `now` itself when it is not in
 * quiet hours, else the end of the quiet hours in the customer's local time (the next morning's 08:00
 * for the default, whatever daylight-saving change the night holds). `timeZone` must be known
 * (isKnownTimeZone).
 */
export function nextAllowedInstant(now: Date, timeZone: string, quietHours: QuietHours): Date {
  const nowMs = now.getTime();
  if (!inQuietHours(nowMs, timeZone, quietHours)) return now;
  const wall = wallTimeAt(nowMs, timeZone);
  const end = minutesOf(quietHours.end);
  // Before midnight in hours that wrap it, the quiet hours end on the next local day.
  const nextDay = wall.hour * 60 + wall.minute >= end;
  const endDate = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + (nextDay ? 1 : 0)));
  const endsAt = firstInstantAtOrAfter(
    {
      year: endDate.getUTCFullYear(),
      month: endDate.getUTCMonth() + 1,
      day: endDate.getUTCDate(),
      hour: Math.floor(end / 60),
      minute: end % 60,
    },
    timeZone,
  );
  return new Date(Math.max(endsAt, nowMs));
}
