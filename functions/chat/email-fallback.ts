import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ChatEmailFallbackSchema, deliverEmailFallback } from '../../shared/channels/chat/email-fallback.js';
import { emailSenderFromEnv } from '../../shared/channels/email/ses-sender-from-env.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import type { ChannelSender } from '../../shared/outbound/sender.js';
import { createDb } from '../../shared/store/db.js';
import { injectLambdaContext, logger } from '../lib/logger.js';
import { countMessageOut } from '../lib/metrics.js';

const db = createDb(requireEnv('TABLE_NAME'));
const processor = new BatchProcessor(EventType.SQS);

/**
 * The SQS consumer of the chat-fallback queue, over the deployment's email sender: each record is an
 * agent reply an offline chat visitor may have to get by email; it is sent only if still undelivered.
 * A failing record (bad body, email provider error) fails alone and is retried, then dead-lettered.
 */
export function emailFallbackHandler(emailSender: ChannelSender) {
  async function fallbackRecord(record: SQSRecord): Promise<void> {
    const request = ChatEmailFallbackSchema.parse(JSON.parse(record.body));
    const result = await deliverEmailFallback(db, emailSender, request, systemClock);
    if (result.outcome === 'sent') countMessageOut('email');
    logger.info('chat email fallback', { outcome: result.outcome, interactionId: request.interactionId });
  }
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger))
    .handler(async (event, context) => processPartialResponse(event, fallbackRecord, processor, { context }));
}

/** The deployed consumer, sending through SES (SUPPORT_EMAIL_ADDRESS and friends, see emailSenderFromEnv). */
export const handler = emailFallbackHandler(
  emailSenderFromEnv(db, systemClock, (error) =>
    logger.warn('email thread reference not recorded', { error }),
  ),
);
