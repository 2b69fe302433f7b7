import { CustomerPathSchema } from '../../shared/channels/staff-queries.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { exportCustomer } from '../../shared/data-rights/export.js';
import { ConflictError } from '../../shared/errors.js';
import { createDb } from '../../shared/store/db.js';
import { callerSubject, httpHandler, json, parseInput } from '../lib/http.js';
import { logger } from '../lib/logger.js';

const db = createDb(requireEnv('TABLE_NAME'));
/** Lambda answers at most 6 MB; the rest of the response needs some room. */
const MAX_EXPORT_BYTES = 5.5 * 1024 * 1024;

/**
 * GET /v1/customers/{id}/export (admin): everything held about the customer, both sides of its merges,
 * as one JSON document (docs/data-rights.md). Audited; 404 for an unknown id.
 */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(CustomerPathSchema, event.pathParameters ?? {});
    const exported = await exportCustomer(db, id, callerSubject(event), systemClock);
    const response = json(200, exported);
    if (Buffer.byteLength(response.body ?? '') > MAX_EXPORT_BYTES) {
      throw new ConflictError('the export is larger than one response carries (5.5 MB)');
    }
    logger.info('customer exported', { customers: exported.customerIds.length, counts: exported.counts });
    return response;
  },
  { roles: ['admin'] },
);
