import { CampaignPathSchema, RecipientsQuerySchema } from '../../shared/campaigns/requests.js';
import { getCampaign, listRecipients } from '../../shared/campaigns/store.js';
import { requireEnv } from '../../shared/config/env.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json, parseInput } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/** GET /v1/campaigns/{id}/recipients?status=&cursor=&limit= (marketing, admin): recipients, page by page. */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(CampaignPathSchema, event.pathParameters ?? {});
    const query = parseInput(RecipientsQuerySchema, event.queryStringParameters ?? {});
    await getCampaign(db, id);
    const page = await listRecipients(db, id, {
      ...(query.status ? { status: query.status } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
      limit: Math.min(Math.max(query.limit ?? 50, 1), 100),
    });
    return json(200, page);
  },
  { roles: ['marketing', 'admin'] },
);
