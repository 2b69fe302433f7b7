import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { unlessErased } from '../../shared/data-rights/tombstones.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import { RoutingRequestSchema } from '../../shared/routing/handoff.js';
import { recordInboundActivity, ruleRouter } from '../../shared/routing/record-activity.js';
import { type PendingTierRequest, sendToTiers, tierRequestFor } from '../../shared/routing/tier-queues.js';
import { createDb } from '../../shared/store/db.js';
import { injectLambdaContext, logger } from '../lib/logger.js';
import { countMessageIn, countRouted } from '../lib/metrics.js';
import { tierQueueUrlsFromEnv } from '../lib/tier-queues.js';

const db = createDb(requireEnv('TABLE_NAME'));
const sqs = new SQSClient({});
const tierQueues = tierQueueUrlsFromEnv();
const router = ruleRouter(ROUTING_DEFINITION);
const processor = new BatchProcessor(EventType.SQS);

/**
 * One routing request: classify and record, then note what the conversation's tier must do. Throwing
 * fails only this record, which SQS retries and finally dead-letters.
 */
function routeRecord(forwards: PendingTierRequest[]) {
  return async (record: SQSRecord): Promise<void> => {
    const request = RoutingRequestSchema.parse(JSON.parse(record.body));
    const conversation = await unlessErased(db, request.customerId, () =>
      recordInboundActivity(db, request, router, systemClock),
    );
    // Its customer was erased while the message waited: there is nothing left to route.
    if (conversation === undefined) return;
    countMessageIn(request.channel);
    countRouted(conversation.tier);
    const forward = tierRequestFor(request, conversation, ROUTING_DEFINITION);
    if (forward) forwards.push({ id: record.messageId, request: forward });
  };
}

/**
 * SQS consumer of the routing queue, with partial batch responses: routes the batch, then forwards to
 * the tier queues in one batch per tier. A record whose forward failed is retried whole (routing is
 * idempotent, and the tier queue drops a copy it already has).
 */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger))
  .handler(async (event, context) => {
    const forwards: PendingTierRequest[] = [];
    const routed = await processPartialResponse(event, routeRecord(forwards), processor, { context });
    const unsent = await sendToTiers(sqs, tierQueues, forwards, (error) =>
      logger.warn('a tier queue refused a batch', { error }),
    );
    if (unsent.length > 0)
      logger.warn('tier queues refused forwards; they are retried', { count: unsent.length });
    return {
      batchItemFailures: [
        ...routed.batchItemFailures,
        ...unsent.map((itemIdentifier) => ({ itemIdentifier })),
      ],
    };
  });
