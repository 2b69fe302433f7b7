import { launchCampaign } from '../../shared/campaigns/orchestration.js';
import { CampaignPathSchema } from '../../shared/campaigns/requests.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json, parseInput } from '../lib/http.js';
import { orchestratorFromEnv } from './orchestrator-from-env.js';

const db = createDb(requireEnv('TABLE_NAME'));
const orchestrator = orchestratorFromEnv();

/** POST /v1/campaigns/{id}/launch (marketing, admin): starts a draft; 409 when it is not a draft. */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(CampaignPathSchema, event.pathParameters ?? {});
    return json(200, await launchCampaign(db, orchestrator, id, systemClock));
  },
  { roles: ['marketing', 'admin'] },
);
