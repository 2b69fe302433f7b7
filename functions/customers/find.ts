import { customerLookupQuerySchema } from '../../shared/channels/staff-queries.js';
import { requireEnv } from '../../shared/config/env.js';
import { readPhoneRegion } from '../../shared/config/phone-region.js';
import { findCustomerByIdentity } from '../../shared/store/customers.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json, parseInput } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));
const querySchema = customerLookupQuerySchema(readPhoneRegion());

/** GET /v1/customers?email=… | ?phone=…: the customer owning that identity, 404 if none. */
export const handler = httpHandler(
  async (event) => {
    const identity = parseInput(querySchema, event.queryStringParameters ?? {});
    return json(200, await findCustomerByIdentity(db, identity));
  },
  { roles: ['agent', 'supervisor', 'admin'] },
);
