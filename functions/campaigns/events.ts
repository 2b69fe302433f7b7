import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { recordSlaBreach } from '../../shared/campaigns/ledger-store.js';
import { enrolResolved, ResolvedEventSchema } from '../../shared/campaigns/orchestration.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { IdSchema } from '../../shared/schemas/index.js';
import { createDb } from '../../shared/store/db.js';
import { injectLambdaContext, logger } from '../lib/logger.js';

const db = createDb(requireEnv('TABLE_NAME'));
const BreachSchema = z.object({ customerId: IdSchema, occurredAt: z.string() });

/**
 * Domain events campaigns act on (EventBridge rule, asynchronous invocation: retries, then the failure
 * queue): `conversation.resolved` enrols the conversation in the running follow-up campaigns;
 * `sla.breached` marks the customer, so retention holds back for the suppression period.
 */
export const handler = middy<EventBridgeEvent<string, unknown>, void>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    if (event['detail-type'] === 'conversation.resolved') {
      const resolved = ResolvedEventSchema.parse(event.detail);
      logger.setCorrelationId(resolved.conversationId);
      const enrolled = await enrolResolved(db, resolved, systemClock);
      if (enrolled > 0) logger.info('follow-up enrolments', { enrolled });
      return;
    }
    if (event['detail-type'] === 'sla.breached') {
      const breach = BreachSchema.parse(event.detail);
      await recordSlaBreach(db, breach.customerId, breach.occurredAt, systemClock);
    }
  });
