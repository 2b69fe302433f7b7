import { Duration } from 'aws-cdk-lib';
import type { QueueName } from '../../functions/manifest.js';
import type { RoutingDefinition } from '../../shared/routing/definition.js';

/**
 * How long a message may wait in each tier's queue before its concern risks its service level: the
 * tier's tightest first-response time (its most urgent priority) in the routing definition. A message
 * older than that is a concern nobody has been offered yet whose first response may already be late.
 */
export function tierQueueServiceLevels(definition: RoutingDefinition): ReadonlyMap<QueueName, Duration> {
  const levels = new Map<QueueName, Duration>();
  for (const tier of ['e', '1', '2', '3'] as const) {
    const minutes = Math.min(
      ...Object.values(definition.serviceLevels[tier]).map((level) => level.firstResponseMinutes),
    );
    levels.set(`tier-${tier}`, Duration.minutes(minutes));
  }
  return levels;
}
