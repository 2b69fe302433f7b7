import type { InboundMessage, Priority, Tier } from '../schemas/index.js';
import { ROUTING_DEFINITION } from './definition.js';

/** Where a new conversation starts: its tier and priority. */
export interface Assignment {
  readonly tier: Tier;
  readonly priority: Priority;
}

/**
 * The tier and priority a conversation opens with, until routing places it a moment later: the routing
 * definition's default assignment. With the definition in force that is the e-level, which no agent can
 * claim, so a concern is never taken before routing decided where it goes.
 */
export function openingAssignment(_message: InboundMessage): Assignment {
  const { tier, priority } = ROUTING_DEFINITION.defaultAssignment;
  return { tier, priority };
}
