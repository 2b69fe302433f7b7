import { requireEnv } from '../../shared/config/env.js';
import { KbArticleListQuerySchema } from '../../shared/schemas/index.js';
import { createDb } from '../../shared/store/db.js';
import { listArticles } from '../../shared/store/kb-articles.js';
import { httpHandler, json, parseInput } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/** GET /v1/kb/articles?status= (admin): every knowledge-base article, or those of one status. */
export const handler = httpHandler(
  async (event) => {
    const { status } = parseInput(KbArticleListQuerySchema, event.queryStringParameters ?? {});
    return json(200, { articles: await listArticles(db, status) });
  },
  { roles: ['admin'] },
);
