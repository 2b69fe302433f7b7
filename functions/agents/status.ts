import { AgentStatusBodySchema } from '../../shared/agents/requests.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { setAgentStatus } from '../../shared/store/agents.js';
import { createDb } from '../../shared/store/db.js';
import { callerSubject, httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/** PUT /v1/agents/me/status `{status: available|away}`: 404 when the caller has no agent profile. */
export const handler = httpHandler(
  async (event) => {
    const { status } = parseInput(AgentStatusBodySchema, readJsonBody(event, 1024));
    return json(200, await setAgentStatus(db, callerSubject(event), status, systemClock.now()));
  },
  { roles: ['agent', 'supervisor'] },
);
