import { previewCampaign } from '../../shared/campaigns/preview.js';
import { CampaignPathSchema } from '../../shared/campaigns/requests.js';
import { getCampaign } from '../../shared/campaigns/store.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json, parseInput } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * POST /v1/campaigns/{id}/preview (marketing, admin): the segment's size and a sample of rendered
 * messages; a segment that would need a scan says so with its reason. Nothing is sent or written.
 */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(CampaignPathSchema, event.pathParameters ?? {});
    return json(200, await previewCampaign(db, await getCampaign(db, id), systemClock));
  },
  { roles: ['marketing', 'admin'] },
);
