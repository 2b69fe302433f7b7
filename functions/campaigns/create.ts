import { CampaignDraftSchema } from '../../shared/campaigns/definition.js';
import { CAMPAIGN_BODY_MAX_BYTES } from '../../shared/campaigns/requests.js';
import { createCampaign } from '../../shared/campaigns/store.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { createDb } from '../../shared/store/db.js';
import { callerSubject, httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * POST /v1/campaigns (marketing, admin): saves a draft after validating it whole: the segment, every
 * step, every template and its placeholders; 400 names each failing field.
 */
export const handler = httpHandler(
  async (event) => {
    const draft = parseInput(CampaignDraftSchema, readJsonBody(event, CAMPAIGN_BODY_MAX_BYTES));
    return json(201, await createCampaign(db, draft, callerSubject(event), systemClock));
  },
  { roles: ['marketing', 'admin'] },
);
