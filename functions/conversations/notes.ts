import { NoteBodySchema } from '../../shared/agents/requests.js';
import { addNote } from '../../shared/agents/workflow.js';
import { ConversationPathSchema } from '../../shared/channels/staff-queries.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { createDb } from '../../shared/store/db.js';
import { callerSubject, httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/** POST /v1/conversations/{id}/notes `{text}`: an internal note for staff; 201 with it. */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(ConversationPathSchema, event.pathParameters ?? {});
    const { text } = parseInput(NoteBodySchema, readJsonBody(event, 8 * 1024));
    return json(201, await addNote(db, id, callerSubject(event), text, systemClock));
  },
  { roles: ['agent', 'supervisor'] },
);
