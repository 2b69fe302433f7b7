import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { unlessErased } from '../../shared/data-rights/tombstones.js';
import { pushToAgent } from '../../shared/routing/push-assignment.js';
import { createDb } from '../../shared/store/db.js';
import { logger } from '../lib/logger.js';
import { tierConsumer } from '../lib/tier-consumer.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * Consumer of a human tier's FIFO queue (tiers 1-3, one function each): offers the waiting concern to
 * an available agent (push assignment, when the routing definition says so).
 */
export const handler = tierConsumer(async (request) => {
  // A concern whose customer was erased while it waited is done (docs/data-rights.md).
  const claimed = await unlessErased(db, request.customerId, () => pushToAgent(db, request, systemClock));
  if (claimed) logger.info('pushed to an agent', { tier: claimed.tier, skill: claimed.skill });
});
