import { ResolveBodySchema } from '../../shared/agents/requests.js';
import { resolve } from '../../shared/agents/workflow.js';
import { ConversationPathSchema } from '../../shared/channels/staff-queries.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { createDb } from '../../shared/store/db.js';
import { actorOf } from '../lib/actor.js';
import { httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/** POST /v1/conversations/{id}/resolve `{resolutionCode}`: done; its agent gets the slot back. */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(ConversationPathSchema, event.pathParameters ?? {});
    const body = parseInput(ResolveBodySchema, readJsonBody(event, 1024));
    return json(200, await resolve(db, id, body, actorOf(event), systemClock));
  },
  { roles: ['agent', 'supervisor'] },
);
