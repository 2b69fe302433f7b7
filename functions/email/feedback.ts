import middy from '@middy/core';
import {
  applySesFeedback,
  parseSesNotification,
  parseSnsEvent,
} from '../../shared/channels/email/feedback.js';
import { requireEnv } from '../../shared/config/env.js';
import { createDb } from '../../shared/store/db.js';
import { injectLambdaContext, logger } from '../lib/logger.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * SES bounce and complaint notifications through SNS: a permanent bounce or a complaint marks the
 * address undeliverable. Throws on a malformed event or notification, so Lambda retries it and then
 * hands it to the on-failure destination.
 */
export const handler = middy<unknown, void>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    for (const record of parseSnsEvent(event).Records) {
      const feedback = parseSesNotification(record.Sns.Message);
      const marked = await applySesFeedback(db, feedback);
      logger.info('email feedback', {
        snsMessageId: record.Sns.MessageId,
        kind: feedback.kind,
        ...(feedback.kind === 'ignored' ? { type: feedback.type } : { reason: feedback.reason, marked }),
      });
    }
  });
