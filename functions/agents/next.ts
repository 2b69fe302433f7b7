import { claimNext } from '../../shared/agents/workflow.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { createDb } from '../../shared/store/db.js';
import { callerSubject, httpHandler, json } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * POST /v1/agents/me/next: claims the next conversation the caller may work (skills, tier and below),
 * most urgent first, then earliest due; 200 with it, 204 when there is nothing to do, 409 when the
 * caller is away or at capacity, 404 without an agent profile.
 */
export const handler = httpHandler(
  async (event) => {
    const conversation = await claimNext(db, callerSubject(event), systemClock);
    return conversation ? json(200, conversation) : { statusCode: 204 };
  },
  { roles: ['agent', 'supervisor'] },
);
