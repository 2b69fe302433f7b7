import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { type EmailReceiver, receiveEmail } from '../../shared/channels/email/receive-email.js';
import { parseSesLambdaEvent } from '../../shared/channels/email/ses-event.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { droppedIfErased } from '../../shared/data-rights/tombstones.js';
import { queueHandoff } from '../../shared/routing/handoff.js';
import { createDb } from '../../shared/store/db.js';
import { injectLambdaContext, logger } from '../lib/logger.js';

const receiver: EmailReceiver = {
  db: createDb(requireEnv('TABLE_NAME')),
  s3: new S3Client({}),
  bucket: requireEnv('INBOUND_EMAIL_BUCKET'),
  prefix: requireEnv('INBOUND_EMAIL_PREFIX'),
  handoff: queueHandoff(new SQSClient({}), requireEnv('ROUTING_QUEUE_URL')),
  clock: systemClock,
};

/**
 * SES receipt rule, Lambda action (invocation type Event), after the S3 action stored the raw message.
 * Throws on a malformed event or a missing object: Lambda retries the event and then hands it to the
 * function's on-failure destination. A message the parser refuses is quarantined, not thrown: a retry
 * would refuse it again.
 */
export const handler = middy<unknown, void>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    for (const record of parseSesLambdaEvent(event).Records) {
      const received = await receiveEmail(receiver, record.ses).catch(droppedIfErased);
      if (received === undefined) {
        logger.info('email dropped: its sender was erased after it was received');
        continue;
      }
      if (received.outcome === 'quarantined') {
        logger.info('email quarantined', { reasons: received.reasons, duplicate: received.duplicate });
        continue;
      }
      logger.setCorrelationId(received.result.conversationId);
      logger.info('email recorded', {
        outcome: received.outcome,
        routing: received.routing,
        threaded: received.threaded,
        oversized: received.oversized,
        customerCreated: received.result.customerCreated,
        conversationOpened: received.result.conversationOpened,
      });
    }
  });
