import { CustomerPathSchema } from '../../shared/channels/staff-queries.js';
import { TimelineQuerySchema } from '../../shared/channels/timeline-query.js';
import { requireEnv } from '../../shared/config/env.js';
import { getCustomer } from '../../shared/store/customers.js';
import { createDb } from '../../shared/store/db.js';
import { getTimeline } from '../../shared/store/timeline.js';
import { httpHandler, json, parseInput } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/** GET /v1/customers/{id}/timeline?limit=&cursor=: interactions of every channel, newest first. */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(CustomerPathSchema, event.pathParameters ?? {});
    const page = parseInput(TimelineQuerySchema, event.queryStringParameters ?? {});
    const customer = await getCustomer(db, id);
    return json(200, await getTimeline(db, customer, page));
  },
  { roles: ['agent', 'supervisor', 'admin'] },
);
