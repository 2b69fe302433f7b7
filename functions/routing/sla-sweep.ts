import middy from '@middy/core';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import { sweepBreaches } from '../../shared/routing/sla-sweep.js';
import { createDb } from '../../shared/store/db.js';
import { injectLambdaContext, logger } from '../lib/logger.js';
import { countSlaBreaches } from '../lib/metrics.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * Scheduled every minute (EventBridge): escalates every conversation past its due time
 * (shared/routing/sla-sweep.ts). The event carries nothing it needs; a failure throws, so the invocation
 * is retried and finally kept in the function's failure queue.
 */
export const handler = middy<unknown, { breaches: number }>()
  .use(injectLambdaContext(logger))
  .handler(async () => {
    const breaches = await sweepBreaches(db, ROUTING_DEFINITION, systemClock);
    countSlaBreaches(breaches.map((breach) => breach.fromTier));
    if (breaches.length > 0) {
      logger.info('service levels breached', {
        breaches: breaches.length,
        firstResponse: breaches.filter((breach) => breach.kind === 'first-response-breach').length,
      });
    }
    return { breaches: breaches.length };
  });
