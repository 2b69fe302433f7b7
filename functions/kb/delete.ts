import { requireEnv } from '../../shared/config/env.js';
import { KbArticlePathSchema } from '../../shared/schemas/index.js';
import { createDb } from '../../shared/store/db.js';
import { deleteArticle } from '../../shared/store/kb-articles.js';
import { httpHandler, parseInput } from '../lib/http.js';

const db = createDb(requireEnv('TABLE_NAME'));

/** DELETE /v1/kb/articles/{id} (admin): deletes an article; 204, or 404 when there is none. */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(KbArticlePathSchema, event.pathParameters ?? {});
    await deleteArticle(db, id);
    return { statusCode: 204 };
  },
  { roles: ['admin'] },
);
