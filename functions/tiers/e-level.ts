import { SQSClient } from '@aws-sdk/client-sqs';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { unlessErased } from '../../shared/data-rights/tombstones.js';
import { cachedKnowledgeBase } from '../../shared/kb/search.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import { type ELevelDeps, runELevel } from '../../shared/routing/e-level.js';
import { sendToTier } from '../../shared/routing/tier-queues.js';
import { createDb } from '../../shared/store/db.js';
import { logger } from '../lib/logger.js';
import { countMessageOut } from '../lib/metrics.js';
import { sendersFromEnv } from '../lib/senders.js';
import { tierConsumer } from '../lib/tier-consumer.js';

const db = createDb(requireEnv('TABLE_NAME'));
const sqs = new SQSClient({});
// The e-level hands concerns to tier 1 only.
const tierQueues = { '1': requireEnv('TIER_1_QUEUE_URL') };
/** Published articles, read again at most once a minute by a warm function. */
const KB_MAX_AGE_MS = 60_000;
const deps: ELevelDeps = {
  db,
  senders: sendersFromEnv(db),
  knowledgeBase: cachedKnowledgeBase(db, systemClock, KB_MAX_AGE_MS),
  handOff: (request) => sendToTier(sqs, tierQueues, request),
  definition: ROUTING_DEFINITION,
  clock: systemClock,
};

/** Consumer of the e-level's FIFO queue: answers from the knowledge base or hands the concern to tier 1. */
export const handler = tierConsumer(async (request) => {
  // A concern whose customer was erased while it waited is done (docs/data-rights.md).
  const outcome = await unlessErased(db, request.customerId, () => runELevel(deps, request));
  if (outcome === undefined || outcome.kind === 'skipped') return;
  if (outcome.kind === 'answered') countMessageOut(request.channel);
  logger.info('e-level', {
    outcome: outcome.kind,
    ...(outcome.kind === 'handed-off' ? { reason: outcome.reason } : {}),
    score: outcome.conversation.eLevel?.score,
  });
});
