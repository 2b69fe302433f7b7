import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { systemClock } from '../../shared/clock.js';
import { optionalEnv, requireEnv } from '../../shared/config/env.js';
import { lazily } from '../../shared/config/secret.js';
import { loadIdentitySecret } from '../../shared/identity/site-signature.js';
import { mailVerificationLink } from '../../shared/identity/verification-mailer.js';
import { EmailVerificationRequestSchema } from '../../shared/identity/verification-request.js';
import { normalizeEmail } from '../../shared/ingest/identity.js';
import { createDb } from '../../shared/store/db.js';
import { injectLambdaContext, logger } from '../lib/logger.js';

const fromAddress = optionalEnv('SUPPORT_EMAIL_ADDRESS');
// A deployment that sends no email cannot verify addresses by link; requests are then dropped (logged).
const mailer =
  fromAddress === undefined
    ? undefined
    : {
        db: createDb(requireEnv('TABLE_NAME')),
        ses: new SESv2Client({}),
        clock: systemClock,
        from: { address: normalizeEmail(fromAddress), name: optionalEnv('SUPPORT_EMAIL_NAME') },
        verifyUrl: requireEnv('IDENTITY_VERIFY_URL'),
        identitySecret: lazily(loadIdentitySecret),
      };
const processor = new BatchProcessor(EventType.SQS);

async function mailRecord(record: SQSRecord): Promise<void> {
  const request = EmailVerificationRequestSchema.parse(JSON.parse(record.body));
  if (!mailer) {
    logger.warn('verification link not sent: the deployment sends no email');
    return;
  }
  const outcome = await mailVerificationLink(mailer, request, record.messageId);
  logger.info('verification link', { outcome });
}

/**
 * The SQS consumer of the identity-verification queue: mails a verification link to a claimed email
 * (shared/identity/verification-mailer.ts). A failing record (bad body, SES error) fails alone and is
 * retried, then dead-lettered.
 */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger))
  .handler(async (event, context) => processPartialResponse(event, mailRecord, processor, { context }));
