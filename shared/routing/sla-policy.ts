import type { Priority, Tier } from '../schemas/index.js';

/** Service levels of one tier and priority, in minutes. */
export interface ServiceLevel {
  readonly firstResponseMinutes: number;
  readonly resolutionMinutes: number;
}

/**
 * The service-level policy: an explicit, versioned definition (a standard operating procedure).
 * Conversations record the version they were opened under so a policy change never rewrites history.
 */
export const SLA_POLICY = {
  version: '2026-11-v1',
  levels: {
    e: {
      low: { firstResponseMinutes: 5, resolutionMinutes: 60 },
      normal: { firstResponseMinutes: 5, resolutionMinutes: 60 },
      high: { firstResponseMinutes: 2, resolutionMinutes: 30 },
      urgent: { firstResponseMinutes: 1, resolutionMinutes: 15 },
    },
    '1': {
      low: { firstResponseMinutes: 24 * 60, resolutionMinutes: 5 * 24 * 60 },
      normal: { firstResponseMinutes: 8 * 60, resolutionMinutes: 3 * 24 * 60 },
      high: { firstResponseMinutes: 2 * 60, resolutionMinutes: 24 * 60 },
      urgent: { firstResponseMinutes: 30, resolutionMinutes: 8 * 60 },
    },
    '2': {
      low: { firstResponseMinutes: 24 * 60, resolutionMinutes: 7 * 24 * 60 },
      normal: { firstResponseMinutes: 8 * 60, resolutionMinutes: 5 * 24 * 60 },
      high: { firstResponseMinutes: 4 * 60, resolutionMinutes: 2 * 24 * 60 },
      urgent: { firstResponseMinutes: 60, resolutionMinutes: 24 * 60 },
    },
    '3': {
      low: { firstResponseMinutes: 2 * 24 * 60, resolutionMinutes: 14 * 24 * 60 },
      normal: { firstResponseMinutes: 24 * 60, resolutionMinutes: 7 * 24 * 60 },
      high: { firstResponseMinutes: 8 * 60, resolutionMinutes: 3 * 24 * 60 },
      urgent: { firstResponseMinutes: 2 * 60, resolutionMinutes: 24 * 60 },
    },
  },
} as const satisfies { version: string; levels: Record<Tier, Record<Priority, ServiceLevel>> };

const MINUTE_MS = 60_000;

/** First-response and resolution due times of a conversation opened at `openedAt`. */
export function serviceLevelDueTimes(tier: Tier, priority: Priority, openedAt: string) {
  const level = SLA_POLICY.levels[tier][priority];
  const start = Date.parse(openedAt);
  return {
    firstResponseDueAt: new Date(start + level.firstResponseMinutes * MINUTE_MS).toISOString(),
    resolutionDueAt: new Date(start + level.resolutionMinutes * MINUTE_MS).toISOString(),
  };
}
