import { CustomerPathSchema } from '../../shared/channels/staff-queries.js';
import { MERGE_BODY_MAX_BYTES, MergeBodySchema } from '../../shared/channels/staff-requests.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { confirmMerge } from '../../shared/identity/confirm-merge.js';
import { createDb } from '../../shared/store/db.js';
import { callerSubject, httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';
import { logger } from '../lib/logger.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * POST /v1/customers/{id}/merge `{customerIds}` (supervisor, admin): confirms that these customers are
 * one person and merges them; answers `200 {survivorId, mergedCustomerIds}`. Audited.
 */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(CustomerPathSchema, event.pathParameters ?? {});
    const body = parseInput(MergeBodySchema, readJsonBody(event, MERGE_BODY_MAX_BYTES));
    const result = await confirmMerge(db, [id, ...body.customerIds], callerSubject(event), systemClock);
    logger.info('customers merged by staff', { merged: result.mergedCustomerIds.length });
    return json(200, result);
  },
  { roles: ['supervisor', 'admin'] },
);
