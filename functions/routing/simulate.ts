import { SIMULATE_BODY_MAX_BYTES, SimulateBodySchema } from '../../shared/channels/simulate-request.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import { simulateRouting } from '../../shared/routing/simulate.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * POST /v1/routing/simulate (supervisor, admin): replays the recorded messages of the last `days` days
 * through the definition in force and the candidate, writing nothing, and answers how the tier, skill
 * and priority mix, e-level answers and predicted first-response breaches would change.
 */
export const handler = httpHandler(
  async (event) => {
    const body = parseInput(SimulateBodySchema, readJsonBody(event, SIMULATE_BODY_MAX_BYTES));
    const report = await simulateRouting(
      db,
      ROUTING_DEFINITION,
      body.definition,
      { days: body.days, maxMessages: body.maxMessages },
      systemClock,
    );
    return json(200, report);
  },
  { roles: ['supervisor', 'admin'] },
);
