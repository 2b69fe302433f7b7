import { CustomerPathSchema } from '../../shared/channels/staff-queries.js';
import { requireEnv } from '../../shared/config/env.js';
import { getCustomer } from '../../shared/store/customers.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json, parseInput } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/** GET /v1/customers/{id}: the profile with identities and consent (a merged id gives the survivor). */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(CustomerPathSchema, event.pathParameters ?? {});
    return json(200, await getCustomer(db, id));
  },
  { roles: ['agent', 'supervisor', 'admin'] },
);
