import { queueOverview } from '../../shared/agents/queues.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * GET /v1/queues (supervisor, admin): per tier and skill, the waiting count, the oldest wait, how many are
 * at risk of missing their service level, and the agents available.
 */
export const handler = httpHandler(
  async () => json(200, { queues: await queueOverview(db, ROUTING_DEFINITION, systemClock) }),
  { roles: ['supervisor', 'admin'] },
);
