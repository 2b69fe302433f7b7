import type { Priority, Tier } from '../schemas/index.js';
import { ROUTING_DEFINITION, type RoutingDefinition } from './definition.js';

/** Service levels of one tier and priority, in minutes. */
export interface ServiceLevel {
  readonly firstResponseMinutes: number;
  readonly resolutionMinutes: number;
}

/**
 * The service-level policy in force: the routing definition's service levels (shared/routing/
 * definition.json), under its version. Conversations record the version they were opened under so a
 * policy change never rewrites history.
 */
export const SLA_POLICY = {
  version: ROUTING_DEFINITION.version,
  levels: ROUTING_DEFINITION.serviceLevels,
} as const satisfies { version: string; levels: Record<Tier, Record<Priority, ServiceLevel>> };

const MINUTE_MS = 60_000;

/** First-response and resolution due times of a conversation opened at `openedAt`. */
export function serviceLevelDueTimes(
  tier: Tier,
  priority: Priority,
  openedAt: string,
  definition: Pick<RoutingDefinition, 'serviceLevels'> = ROUTING_DEFINITION,
) {
  const level = definition.serviceLevels[tier][priority];
  const start = Date.parse(openedAt);
  return {
    firstResponseDueAt: new Date(start + level.firstResponseMinutes * MINUTE_MS).toISOString(),
    resolutionDueAt: new Date(start + level.resolutionMinutes * MINUTE_MS).toISOString(),
  };
}
