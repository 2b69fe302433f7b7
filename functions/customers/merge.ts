import * as z from 'zod/mini';
import { CustomerPathSchema } from '../../shared/channels/staff-queries.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { confirmMerge } from '../../shared/identity/confirm-merge.js';
import { IdSchema } from '../../shared/schemas/index.js';
import { createDb } from '../../shared/store/db.js';
import { callerSubject, httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';
import { logger } from '../lib/logger.js';

const db = createDb(requireEnv('TABLE_NAME'));

const MergeBodySchema = z.strictObject({
  /** The customers to merge with the one in the path, e.g. a possible match shown on an interaction. */
  customerIds: z.array(IdSchema).check(z.minLength(1), z.maxLength(4)),
});

/**
 * POST /v1/customers/{id}/merge `{customerIds}` (supervisor, admin): confirms that these customers are
 * one person and merges them; answers `200 {survivorId, mergedCustomerIds}`. Audited.
 */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(CustomerPathSchema, event.pathParameters ?? {});
    const body = parseInput(MergeBodySchema, readJsonBody(event, 4 * 1024));
    const result = await confirmMerge(db, [id, ...body.customerIds], callerSubject(event), systemClock);
    logger.info('customers merged by staff', { merged: result.mergedCustomerIds.length });
    return json(200, result);
  },
  { roles: ['supervisor', 'admin'] },
);
