import { CampaignPathSchema } from '../../shared/campaigns/requests.js';
import { getCampaign, getCounts } from '../../shared/campaigns/store.js';
import { requireEnv } from '../../shared/config/env.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json, parseInput } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/** GET /v1/campaigns/{id} (marketing, admin): the campaign and its counters per step. */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(CampaignPathSchema, event.pathParameters ?? {});
    const [campaign, counters] = await Promise.all([getCampaign(db, id), getCounts(db, id)]);
    return json(200, { ...campaign, counters });
  },
  { roles: ['marketing', 'admin'] },
);
