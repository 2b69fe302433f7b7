import middy from '@middy/core';
import { startRecurrences } from '../../shared/campaigns/orchestration.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { createDb } from '../../shared/store/db.js';
import { injectLambdaContext, logger } from '../lib/logger.js';
import { orchestratorFromEnv } from './orchestrator-from-env.js';

const db = createDb(requireEnv('TABLE_NAME'));
const orchestrator = orchestratorFromEnv();

/** Scheduled (hourly): starts the next enrolment of every recurring retention campaign that is due. */
export const handler = middy<unknown, void>()
  .use(injectLambdaContext(logger))
  .handler(async () => {
    const started = await startRecurrences(db, orchestrator, systemClock);
    if (started.length > 0) logger.info('campaign recurrences started', { count: started.length });
  });
