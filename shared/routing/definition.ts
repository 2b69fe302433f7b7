import type { Priority, Tier } from '../schemas/index.js';
import inForce from './definition.json' with { type: 'json' };
import type { RoutingDefinition } from './definition-schema.js';

export type { RoutingDefinition, RoutingRule, RuleAction, RuleCondition } from './definition-schema.js';

/**
 * The definition in force. It is validated by `npm test` (test/shared/routing-definition.test.ts) and
 * so before any deployment, not at every cold start: parsing it built about a hundred schema objects in
 * every ingest and routing function, some 14% of their init (docs/performance.md).
 */
export const ROUTING_DEFINITION: RoutingDefinition = inForce as unknown as RoutingDefinition;

/** Tiers from shallow to deep. */
export const TIER_ORDER: readonly Tier[] = ['e', '1', '2', '3'];
/** Priorities from low to urgent. */
export const PRIORITY_ORDER: readonly Priority[] = ['low', 'normal', 'high', 'urgent'];
