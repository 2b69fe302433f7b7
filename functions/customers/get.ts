import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { CustomerPathSchema } from '../../shared/channels/staff-queries.js';
import { requireEnv } from '../../shared/config/env.js';
import { getCustomer } from '../../shared/store/customers.js';
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

/** GET /v1/customers/{id}: the profile with identities and consent (a merged id gives the survivor). */
export const handler = middy<HttpEvent, HttpResult>()
  .use(injectLambdaContext(logger))
  .use(errorResponses())
  .use(requireRole('agent', 'supervisor', 'admin'))
  .handler(async (event) => {
    const { id } = parseInput(CustomerPathSchema, event.pathParameters ?? {});
    return json(200, await getCustomer(db, id));
  });
