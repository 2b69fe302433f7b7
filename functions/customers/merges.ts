import { CustomerPathSchema } from '../../shared/channels/staff-queries.js';
import { requireEnv } from '../../shared/config/env.js';
import { listMerges } from '../../shared/data-rights/merges.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json, parseInput } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * GET /v1/customers/{id}/merges (admin): the merges that made the customer: which identities each side
 * held, why, when, by which rule or whom, and the splits since. 404 for an unknown id.
 */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(CustomerPathSchema, event.pathParameters ?? {});
    return json(200, await listMerges(db, id));
  },
  { roles: ['admin'] },
);
