import { SQSClient } from '@aws-sdk/client-sqs';
import {
  receiveWebForm,
  WEBFORM_BODY_MAX_BYTES,
  webFormSubmissionSchema,
} from '../../shared/channels/webform.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { readPhoneRegion } from '../../shared/config/phone-region.js';
import { lazily } from '../../shared/config/secret.js';
import { loadIdentitySecret } from '../../shared/identity/site-signature.js';
import { queueVerificationRequester } from '../../shared/identity/verification-request.js';
import { queueHandoff } from '../../shared/routing/handoff.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';

const sqs = new SQSClient({});
const receiver = {
  db: createDb(requireEnv('TABLE_NAME')),
  handoff: queueHandoff(sqs, requireEnv('ROUTING_QUEUE_URL')),
  clock: systemClock,
  identitySecret: lazily(loadIdentitySecret),
  requestVerification: queueVerificationRequester(sqs, requireEnv('IDENTITY_VERIFICATION_QUEUE_URL')),
};
const submissionSchema = webFormSubmissionSchema(readPhoneRegion());

/**
 * POST /v1/channels/webform: a public contact form submission. Answers `202 {interactionId}` for a new
 * submission, its retry and a bot alike: never a customer's or conversation's id.
 */
export const handler = httpHandler(async (event) => {
  const submission = parseInput(submissionSchema, readJsonBody(event, WEBFORM_BODY_MAX_BYTES));
  const receivedAt = new Date(event.requestContext.timeEpoch).toISOString();
  return json(202, await receiveWebForm(receiver, submission, receivedAt));
});
