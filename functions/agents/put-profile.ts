import { AgentPathSchema, AgentProfileBodySchema } from '../../shared/agents/requests.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { ValidationError } from '../../shared/errors.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import { putAgentProfile } from '../../shared/store/agents.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * PUT /v1/agents/{id} (admin): creates or updates an agent's profile `{tier, skills, capacity, name?}`;
 * the skills must be the routing definition's. A new agent starts away.
 */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(AgentPathSchema, event.pathParameters ?? {});
    const body = parseInput(AgentProfileBodySchema, readJsonBody(event, 4 * 1024));
    const unknown = body.skills.filter((skill) => !ROUTING_DEFINITION.skills.includes(skill));
    if (unknown.length > 0) {
      throw new ValidationError('request failed validation', [
        {
          path: 'skills',
          message: `unknown skills ${unknown.join(', ')}; known: ${ROUTING_DEFINITION.skills.join(', ')}`,
        },
      ]);
    }
    return json(200, await putAgentProfile(db, { agentId: id, ...body }, systemClock.now()));
  },
  { roles: ['admin'] },
);
