import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { sendWave, WaveInputSchema } from '../../shared/campaigns/orchestration.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { createDb } from '../../shared/store/db.js';
import { injectLambdaContext, logger } from '../lib/logger.js';

const db = createDb(requireEnv('TABLE_NAME'));
const sqs = new SQSClient({});
const queueUrl = requireEnv('CAMPAIGN_SEND_QUEUE_URL');

/** Task of the campaign state machine: queues the due recipients for the send workers. */
export const handler = middy<unknown, Awaited<ReturnType<typeof sendWave>>>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => sendWave(db, sqs, queueUrl, WaveInputSchema.parse(event), systemClock));
