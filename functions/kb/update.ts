import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { requireKnownSkill } from '../../shared/kb/known-skill.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import {
  KB_ARTICLE_BODY_MAX_BYTES,
  KbArticlePathSchema,
  KbArticleUpdateSchema,
} from '../../shared/schemas/index.js';
import { createDb } from '../../shared/store/db.js';
import { updateArticle } from '../../shared/store/kb-articles.js';
import { httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * PUT /v1/kb/articles/{id} (admin): replaces an article's content; 200 with it, 404 when there is none,
 * 409 when `expectedUpdatedAt` is given and someone changed the article since.
 */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(KbArticlePathSchema, event.pathParameters ?? {});
    const update = parseInput(KbArticleUpdateSchema, readJsonBody(event, KB_ARTICLE_BODY_MAX_BYTES));
    requireKnownSkill(update.skill, ROUTING_DEFINITION.skills);
    return json(200, await updateArticle(db, id, update, systemClock.now()));
  },
  { roles: ['admin'] },
);
