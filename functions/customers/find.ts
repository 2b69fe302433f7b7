import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { customerLookupQuerySchema } from '../../shared/channels/staff-queries.js';
import { requireEnv } from '../../shared/config/env.js';
import { readPhoneRegion } from '../../shared/config/phone-region.js';
import { findCustomerByIdentity } from '../../shared/store/customers.js';
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
const querySchema = customerLookupQuerySchema(readPhoneRegion());

/** GET /v1/customers?email=… | ?phone=…: the customer owning that identity, 404 if none. */
export const handler = middy<HttpEvent, HttpResult>()
  .use(injectLambdaContext(logger))
  .use(errorResponses())
  .use(requireRole('agent', 'supervisor', 'admin'))
  .handler(async (event) => {
    const identity = parseInput(querySchema, event.queryStringParameters ?? {});
    return json(200, await findCustomerByIdentity(db, identity));
  });
