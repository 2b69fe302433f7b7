import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type TierRequest, TierRequestSchema } from '../../shared/routing/tier-queues.js';
import { injectLambdaContext, logger } from './logger.js';

/**
 * A consumer of a tier's FIFO queue: each record's tier request goes to `work`, in the queue's order.
 * Partial batch responses with FIFO semantics (Powertools' FIFO processor, skipGroupOnError): a failed
 * message fails the later messages of its own conversation in the batch, so they come back after it, in
 * order, while other conversations go on; a message that keeps failing ends in the dead-letter queue.
 */
export function tierConsumer(work: (request: TierRequest) => Promise<void>) {
  const processor = new SqsFifoPartialProcessorAsync();
  const workRecord = async (record: SQSRecord) => {
    const request = TierRequestSchema.parse(JSON.parse(record.body));
    // Records run one at a time (FIFO), so the invocation's correlation id is this record's.
    logger.setCorrelationId(request.conversationId);
    return work(request);
  };
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger))
    .handler(async (event, context) =>
      processPartialResponse(event, workRecord, processor, { context, skipGroupOnError: true }),
    );
}
