import type { InboundMessage, Priority, Tier } from '../schemas/index.js';

/** Where a new conversation starts: its tier and priority. */
export interface Assignment {
  readonly tier: Tier;
  readonly priority: Priority;
}

/**
 * The tier and priority a conversation opens with. Every new concern starts at tier 1 with normal
 * priority; the routing step (shared/routing) may move it afterwards.
 */
export function openingAssignment(_message: InboundMessage): Assignment {
  return { tier: '1', priority: 'normal' };
}
