import { changeCampaignState } from '../../shared/campaigns/orchestration.js';
import { CampaignPathSchema } from '../../shared/campaigns/requests.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json, parseInput } from '../lib/http.js';
import { orchestratorFromEnv } from './orchestrator-from-env.js';

const db = createDb(requireEnv('TABLE_NAME'));
const orchestrator = orchestratorFromEnv();

/**
 * POST /v1/campaigns/{id}/pause, /resume, /cancel (marketing, admin): the action is the route's last
 * segment; 409 when the campaign is not in a state it applies to.
 */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(CampaignPathSchema, event.pathParameters ?? {});
    const action = event.routeKey.split('/').at(-1);
    if (action !== 'pause' && action !== 'resume' && action !== 'cancel') {
      throw new Error(`route ${event.routeKey} is not a campaign action`);
    }
    return json(200, await changeCampaignState(db, orchestrator, id, action, systemClock));
  },
  { roles: ['marketing', 'admin'] },
);
