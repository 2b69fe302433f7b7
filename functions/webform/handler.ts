import { SQSClient } from '@aws-sdk/client-sqs';
import {
  isBotSubmission,
  WEBFORM_BODY_MAX_BYTES,
  webFormSubmissionSchema,
  webFormToInbound,
} from '../../shared/channels/webform.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { readPhoneRegion } from '../../shared/config/phone-region.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { queueHandoff } from '../../shared/routing/handoff.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';
import { logger } from '../lib/logger.js';

const db = createDb(requireEnv('TABLE_NAME'));
const handoff = queueHandoff(new SQSClient({}), requireEnv('ROUTING_QUEUE_URL'));
const submissionSchema = webFormSubmissionSchema(readPhoneRegion());

/** POST /v1/channels/webform: a public contact form submission. */
export const handler = httpHandler(async (event) => {
  const submission = parseInput(submissionSchema, readJsonBody(event, WEBFORM_BODY_MAX_BYTES));
  const receivedAt = new Date(event.requestContext.timeEpoch).toISOString();
  if (isBotSubmission(submission)) {
    // Answer like a success so the bot learns nothing; nothing is stored.
    logger.info('webform honeypot filled');
    const decoy = {
      customerId: systemClock.newId(),
      conversationId: systemClock.newId(),
      interactionId: systemClock.newId(),
    };
    return json(202, decoy);
  }
  const result = await ingestInbound(db, webFormToInbound(submission, receivedAt, systemClock), systemClock);
  await handoff(result);
  logger.debug('webform recorded', {
    outcome: result.outcome,
    customerCreated: result.customerCreated,
    conversationOpened: result.conversationOpened,
    merged: result.mergedCustomerIds.length,
  });
  const { customerId, conversationId, interactionId } = result;
  return json(result.outcome === 'duplicate' ? 200 : 202, { customerId, conversationId, interactionId });
});
