import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { requireKnownSkill } from '../../shared/kb/known-skill.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import { KB_ARTICLE_BODY_MAX_BYTES, KbArticleCreateSchema } from '../../shared/schemas/index.js';
import { createDb } from '../../shared/store/db.js';
import { putArticle } from '../../shared/store/kb-articles.js';
import { httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/**
 * POST /v1/kb/articles (admin): creates a knowledge-base article `{title, body, keywords?, skill?,
 * status?}` (a draft unless `status` is `published`); 201 with it.
 */
export const handler = httpHandler(
  async (event) => {
    const input = parseInput(KbArticleCreateSchema, readJsonBody(event, KB_ARTICLE_BODY_MAX_BYTES));
    requireKnownSkill(input.skill, ROUTING_DEFINITION.skills);
    return json(201, await putArticle(db, input, systemClock));
  },
  { roles: ['admin'] },
);
