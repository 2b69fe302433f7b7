import { conversationView } from '../../shared/agents/conversation-view.js';
import { ConversationPathSchema } from '../../shared/channels/staff-queries.js';
import { requireEnv } from '../../shared/config/env.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json, parseInput } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * GET /v1/conversations/{id}: the conversation with the whole context an agent needs: its routing
 * decisions and escalations, the customer's timeline across channels, the notes, and `replyTo` (per
 * channel, the address a reply would use with its trust, or why there is none).
 */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(ConversationPathSchema, event.pathParameters ?? {});
    return json(200, await conversationView(db, id));
  },
  { roles: ['agent', 'supervisor', 'admin'] },
);
