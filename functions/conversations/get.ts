import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { ConversationPathSchema } from '../../shared/channels/staff-queries.js';
import { requireEnv } from '../../shared/config/env.js';
import { getConversation } from '../../shared/store/conversations.js';
import { createDb } from '../../shared/store/db.js';
import {
  errorResponses,
  type HttpEvent,
  type HttpResult,
  json,
  parseInput,
  requireRole,
} from '../lib/http.js';
import { logger } from '../lib/logger.js';

const db = createDb(requireEnv('TABLE_NAME'));

/** GET /v1/conversations/{id}: status, tier, priority and SLA due times of one conversation. */
export const handler = middy<HttpEvent, HttpResult>()
  .use(injectLambdaContext(logger))
  .use(errorResponses())
  .use(requireRole('agent', 'supervisor', 'admin'))
  .handler(async (event) => {
    const { id } = parseInput(ConversationPathSchema, event.pathParameters ?? {});
    return json(200, await getConversation(db, id));
  });
