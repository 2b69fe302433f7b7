import { setTags, TagsBodySchema } from '../../shared/agents/tags.js';
import { ConversationPathSchema } from '../../shared/channels/staff-queries.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/** POST /v1/conversations/{id}/tags `{tags}`: the conversation's tags from now on; 200 with it. */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(ConversationPathSchema, event.pathParameters ?? {});
    const { tags } = parseInput(TagsBodySchema, readJsonBody(event, 2 * 1024));
    return json(200, await setTags(db, id, tags, systemClock));
  },
  { roles: ['agent', 'supervisor'] },
);
