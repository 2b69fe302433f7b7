import { TransferBodySchema } from '../../shared/agents/requests.js';
import { transfer } from '../../shared/agents/workflow.js';
import { ConversationPathSchema } from '../../shared/channels/staff-queries.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import { createDb } from '../../shared/store/db.js';
import { actorOf } from '../lib/actor.js';
import { httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/** POST /v1/conversations/{id}/transfer `{skill, note}`: to another skill's queue, leaving its agent. */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(ConversationPathSchema, event.pathParameters ?? {});
    const body = parseInput(TransferBodySchema, readJsonBody(event, 8 * 1024));
    return json(200, await transfer(db, id, body, actorOf(event), ROUTING_DEFINITION, systemClock));
  },
  { roles: ['agent', 'supervisor'] },
);
