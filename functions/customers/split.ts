import { CustomerPathSchema } from '../../shared/channels/staff-queries.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { SPLIT_BODY_MAX_BYTES, SplitBodySchema } from '../../shared/data-rights/requests.js';
import { splitCustomer } from '../../shared/data-rights/split.js';
import { createDb } from '../../shared/store/db.js';
import { callerSubject, httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';
import { logger } from '../lib/logger.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * POST /v1/customers/{id}/split `{identities}` (admin): restores the customers a merge brought those
 * identities in with, each with its own interactions (docs/data-rights.md). Audited; 404 for an unknown
 * id, 400 naming an identity no merge brought.
 */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(CustomerPathSchema, event.pathParameters ?? {});
    const body = parseInput(SplitBodySchema, readJsonBody(event, SPLIT_BODY_MAX_BYTES));
    const result = await splitCustomer(db, id, body.identities, callerSubject(event), systemClock);
    logger.info('customers split', { restored: result.restored.length });
    return json(200, result);
  },
  { roles: ['admin'] },
);
