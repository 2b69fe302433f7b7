import { monotonicFactory } from 'ulid';

/** Time and id source of the domain; the local stack and tests can warp time through it. */
export interface Clock {
  /** Current time as an ISO-8601 UTC timestamp. */
  now(): string;
  /** A new ULID; ids sort by creation time. */
  newId(): string;
}

const nextUlid = monotonicFactory();

/** The wall clock, optionally shifted by CAREBRIDGE_CLOCK_OFFSET_MS (time warp on the local stack). */
export const systemClock: Clock = {
  now: () => new Date(Date.now() + clockOffsetMs()).toISOString(),
  newId: () => nextUlid(Date.now() + clockOffsetMs()),
};

function clockOffsetMs(): number {
  const offset = Number(process.env.CAREBRIDGE_CLOCK_OFFSET_MS ?? '0');
  return Number.isFinite(offset) ? offset : 0;
}

/** The clock's now in whole epoch seconds (JWT times, DynamoDB TTL attributes). */
export function epochSeconds(clock: Clock): number {
  return Math.floor(Date.parse(clock.now()) / 1000);
}
