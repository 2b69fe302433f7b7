import { requireEnv } from '../../shared/config/env.js';
import { KbArticlePathSchema } from '../../shared/schemas/index.js';
import { createDb } from '../../shared/store/db.js';
import { getArticle } from '../../shared/store/kb-articles.js';
import { httpHandler, json, parseInput } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/** GET /v1/kb/articles/{id} (admin): one knowledge-base article; 404 when there is none. */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(KbArticlePathSchema, event.pathParameters ?? {});
    return json(200, await getArticle(db, id));
  },
  { roles: ['admin'] },
);
