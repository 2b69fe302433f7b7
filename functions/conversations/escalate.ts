import { EscalateBodySchema } from '../../shared/agents/requests.js';
import { escalate } from '../../shared/agents/workflow.js';
import { ConversationPathSchema } from '../../shared/channels/staff-queries.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import { createDb } from '../../shared/store/db.js';
import { actorOf } from '../lib/actor.js';
import { httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * POST /v1/conversations/{id}/escalate `{toTier, note}`: to a deeper human tier, leaving its agent;
 * by its agent or a supervisor.
 */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(ConversationPathSchema, event.pathParameters ?? {});
    const body = parseInput(EscalateBodySchema, readJsonBody(event, 8 * 1024));
    return json(200, await escalate(db, id, body, actorOf(event), ROUTING_DEFINITION, systemClock));
  },
  { roles: ['agent', 'supervisor'] },
);
