import { ConversationPathSchema } from '../../shared/channels/staff-queries.js';
import { requireEnv } from '../../shared/config/env.js';
import { getConversation } from '../../shared/store/conversations.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json, parseInput } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/** GET /v1/conversations/{id}: status, tier, priority and SLA due times of one conversation. */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(ConversationPathSchema, event.pathParameters ?? {});
    return json(200, await getConversation(db, id));
  },
  { roles: ['agent', 'supervisor', 'admin'] },
);
