import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { singleLine } from '../shared/text/sanitize.js';

/** What the seed reads of a fixture (the API validates the whole body). */
const FixtureSchema = z.looseObject({ title: z.string().min(1) });

/** What the article routes answer, as far as the seed needs it. */
const ArticleAnswerSchema = z.looseObject({ articleId: z.string().min(1), title: z.string() });
const ArticleListSchema = z.looseObject({ articles: z.array(ArticleAnswerSchema) });

/** One fixture of the knowledge base and what seeding did with it. */
export interface SeededArticle {
  readonly fixture: string;
  readonly articleId: string;
  readonly title: string;
  /** False when an article of that title was there already (a restart on the same data). */
  readonly created: boolean;
}

/**
 * Seeds the knowledge base the way an administrator keeps it, over the running gateway: every `*.json`
 * under `fixturesDir` (a `POST /v1/kb/articles` body, in name order) is posted with the admin token,
 * unless an article of the same title exists (`GET /v1/kb/articles`), so seeding again after a restart
 * on the same data creates nothing twice.
 */
export async function seedKnowledgeBase(
  apiUrl: string,
  adminToken: string,
  fixturesDir: string,
): Promise<SeededArticle[]> {
  const existing = ArticleListSchema.parse(await call(`${apiUrl}/v1/kb/articles`, adminToken, 'GET', 200));
  const byTitle = new Map(existing.articles.map((article) => [article.title, article.articleId]));
  const fixtures = (await readdir(fixturesDir)).filter((name) => name.endsWith('.json')).sort();
  const seeded: SeededArticle[] = [];
  for (const fixture of fixtures) {
    const body: unknown = JSON.parse(await readFile(join(fixturesDir, fixture), 'utf8'));
    // The API stores titles as single lines; compare them the same way.
    const title = singleLine(FixtureSchema.parse(body).title);
    const articleId = byTitle.get(title);
    if (articleId !== undefined) {
      seeded.push({ fixture, articleId, title, created: false });
      continue;
    }
    const created = ArticleAnswerSchema.parse(
      await call(`${apiUrl}/v1/kb/articles`, adminToken, 'POST', 201, body),
    );
    byTitle.set(title, created.articleId);
    seeded.push({ fixture, articleId: created.articleId, title, created: true });
  }
  return seeded;
}

async function call(
  url: string,
  bearer: string,
  method: 'GET' | 'POST',
  expectedStatus: number,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status !== expectedStatus)
    throw new Error(`seeding the knowledge base: ${method} ${url} answered ${response.status} ${text}`);
  return JSON.parse(text);
}
