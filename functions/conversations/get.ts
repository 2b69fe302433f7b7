import { ConversationPathSchema } from '../../shared/channels/staff-queries.js';
import { requireEnv } from '../../shared/config/env.js';
import { previewReply } from '../../shared/outbound/reply-preview.js';
import { getConversation } from '../../shared/store/conversations.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json, parseInput } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * GET /v1/conversations/{id}: status, tier, priority and SLA due times of one conversation, and
 * `replyTo`: per channel, the address a reply would go to with its trust (`verified` or `claimed`), or
 * why there is none.
 */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(ConversationPathSchema, event.pathParameters ?? {});
    const conversation = await getConversation(db, id);
    return json(200, { ...conversation, replyTo: await previewReply(db, conversation) });
  },
  { roles: ['agent', 'supervisor', 'admin'] },
);
