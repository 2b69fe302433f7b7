import middy from '@middy/core';
import { EnrolInputSchema, enrolPage } from '../../shared/campaigns/orchestration.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { createDb } from '../../shared/store/db.js';
import { injectLambdaContext, logger } from '../lib/logger.js';

const db = createDb(requireEnv('TABLE_NAME'));

/** Task of the campaign state machine: enrols one page of the segment; `done` once it is read. */
export const handler = middy<unknown, Awaited<ReturnType<typeof enrolPage>>>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => enrolPage(db, EnrolInputSchema.parse(event), systemClock));
