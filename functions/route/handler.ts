import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import { RoutingRequestSchema } from '../../shared/routing/handoff.js';
import { recordInboundActivity, ruleRouter } from '../../shared/routing/record-activity.js';
import { createDb } from '../../shared/store/db.js';
import { injectLambdaContext, logger } from '../lib/logger.js';

const db = createDb(requireEnv('TABLE_NAME'));
const router = ruleRouter(ROUTING_DEFINITION);
const processor = new BatchProcessor(EventType.SQS);

/** One routing request; throwing fails only this record, which SQS retries and finally dead-letters. */
async function routeRecord(record: SQSRecord): Promise<void> {
  const request = RoutingRequestSchema.parse(JSON.parse(record.body));
  await recordInboundActivity(db, request, router, systemClock);
}

/** SQS consumer of the routing queue, with partial batch responses. */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger))
  .handler(async (event, context) => processPartialResponse(event, routeRecord, processor, { context }));
