import { requireEnv } from '../../shared/config/env.js';
import type { TierQueueUrls } from '../../shared/routing/tier-queues.js';

/** The tier queues' URLs (`TIER_<E|1|2|3>_QUEUE_URL`), for a function that sends to every tier. */
export function tierQueueUrlsFromEnv(): TierQueueUrls {
  return {
    e: requireEnv('TIER_E_QUEUE_URL'),
    '1': requireEnv('TIER_1_QUEUE_URL'),
    '2': requireEnv('TIER_2_QUEUE_URL'),
    '3': requireEnv('TIER_3_QUEUE_URL'),
  };
}
