import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../functions/lib/http.js';
import { getArticle } from '../../shared/store/kb-articles.js';
import { type StaffRequest, staffRequestEvent } from '../support/events.js';
import { useHandlerTable } from '../support/handler-table.js';
import { lambdaContext, setHandlerEnv } from '../support/lambda.js';

/** The knowledge-base admin API, its handlers against an emulated table. */

type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

const table = useHandlerTable('carebridge-kb-test');
let createArticle: Handler;
let listArticles: Handler;
let getArticleById: Handler;
let updateArticle: Handler;
let deleteArticle: Handler;

beforeAll(async () => {
  setHandlerEnv({
    TABLE_NAME: 'carebridge-kb-test',
    AWS_ENDPOINT_URL_DYNAMODB: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? '',
  });
  ({ handler: createArticle } = await import('../../functions/kb/create.js'));
  ({ handler: listArticles } = await import('../../functions/kb/list.js'));
  ({ handler: getArticleById } = await import('../../functions/kb/get.js'));
  ({ handler: updateArticle } = await import('../../functions/kb/update.js'));
  ({ handler: deleteArticle } = await import('../../functions/kb/delete.js'));
});

const UNKNOWN_ID = '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q';

async function call(handler: Handler, request: StaffRequest) {
  const result = await handler(staffRequestEvent(request), lambdaContext('kb-articles'));
  return { status: result.statusCode, body: result.body ? JSON.parse(result.body) : undefined };
}

const ARTICLE = {
  title: 'Resetting your password',
  body: 'Choose "Forgot password?" on the sign-in page.',
  keywords: ['reset password'],
  skill: 'technical',
  status: 'published',
};

async function created(body: unknown = ARTICLE): Promise<{ articleId: string; updatedAt: string }> {
  const { status, body: article } = await call(createArticle, { body });
  expect(status).toBe(201);
  return article;
}

describe('who may use the knowledge-base API', () => {
  const routes = [
    ['POST /v1/kb/articles', () => createArticle, { body: ARTICLE }],
    ['GET /v1/kb/articles', () => listArticles, {}],
    ['GET /v1/kb/articles/{id}', () => getArticleById, { id: UNKNOWN_ID }],
    ['PUT /v1/kb/articles/{id}', () => updateArticle, { id: UNKNOWN_ID, body: ARTICLE }],
    ['DELETE /v1/kb/articles/{id}', () => deleteArticle, { id: UNKNOWN_ID }],
  ] as const;

  it.each(routes)(
    '%s refuses agents, supervisors and marketing with 403',
    async (_route, handler, request) => {
      // Act
      const statuses = await Promise.all(
        ['[agent]', '[supervisor]', '[marketing]'].map(
          async (groups) => (await call(handler(), { ...request, groups })).status,
        ),
      );

      // Assess
      expect(statuses).toEqual([403, 403, 403]);
    },
  );

  it.each(routes)(
    '%s refuses a request without a verified caller with 401',
    async (_route, handler, request) => {
      // Act
      const { status } = await call(handler(), { ...request, groups: null });

      // Assess
      expect(status).toBe(401);
    },
  );
});

describe('POST /v1/kb/articles', () => {
  it('creates an article and answers 201 with it, readable afterwards', async () => {
    // Act
    const { status, body } = await call(createArticle, { body: ARTICLE });

    // Assess
    expect(status).toBe(201);
    expect(body).toMatchObject({ ...ARTICLE, articleId: expect.stringMatching(/^[0-9A-Z]{26}$/) });
    expect(body.createdAt).toBe(body.updatedAt);
    expect(await getArticle(table.db, body.articleId, true)).toEqual(body);
  });

  it('makes a draft unless told to publish, and stores the title as a clean single line', async () => {
    // Act
    const { status, body } = await call(createArticle, {
      body: { title: '  Opening\thours\u202e  ', body: 'Monday to Friday.\r\n8:00 to 20:00.' },
    });

    // Assess
    expect(status).toBe(201);
    expect(body).toMatchObject({
      title: 'Opening hours',
      body: 'Monday to Friday.\n8:00 to 20:00.',
      status: 'draft',
    });
  });

  it('refuses bad input with 400 naming each failing field', async () => {
    // Act
    const { status, body } = await call(createArticle, {
      body: {
        title: ' ',
        body: 'x'.repeat(4001),
        keywords: Array.from({ length: 21 }, (_, n) => `keyword ${n}`),
        status: 'live',
        author: 'someone',
      },
    });

    // Assess
    expect(status).toBe(400);
    const fields = body.issues.map((issue: { field: string }) => issue.field);
    expect(fields).toEqual(expect.arrayContaining(['title', 'body', 'keywords', 'status', '(root)']));
  });

  it('refuses a skill the routing definition does not have with 400 naming skill', async () => {
    // Act
    const { status, body } = await call(createArticle, { body: { ...ARTICLE, skill: 'astrology' } });

    // Assess
    expect(status).toBe(400);
    expect(body.issues).toEqual([
      { field: 'skill', message: expect.stringContaining('unknown skill astrology') },
    ]);
  });
});

describe('GET /v1/kb/articles', () => {
  it('lists every article, or only those of the status asked for', async () => {
    // Prepare
    const published = await created();
    const draft = await created({ ...ARTICLE, title: 'Gift cards (coming soon)', status: 'draft' });

    // Act
    const all = await call(listArticles, {});
    const drafts = await call(listArticles, { query: { status: 'draft' } });

    // Assess
    expect(all.status).toBe(200);
    const allIds = all.body.articles.map((article: { articleId: string }) => article.articleId);
    expect(allIds).toEqual(expect.arrayContaining([published.articleId, draft.articleId]));
    expect(drafts.body.articles.map((article: { articleId: string }) => article.articleId)).toContain(
      draft.articleId,
    );
    expect(drafts.body.articles.every((article: { status: string }) => article.status === 'draft')).toBe(
      true,
    );
  });

  it('refuses an unknown status with 400 naming status', async () => {
    // Act
    const { status, body } = await call(listArticles, { query: { status: 'archived' } });

    // Assess
    expect(status).toBe(400);
    expect(body.issues[0].field).toBe('status');
  });
});

describe('GET /v1/kb/articles/{id}', () => {
  it('answers the article', async () => {
    // Prepare
    const article = await created();

    // Act
    const { status, body } = await call(getArticleById, { id: article.articleId });

    // Assess
    expect(status).toBe(200);
    expect(body).toEqual(article);
  });

  it('answers 404 for an unknown article and 400 for an id that is not one', async () => {
    // Act
    const unknown = await call(getArticleById, { id: UNKNOWN_ID });
    const malformed = await call(getArticleById, { id: 'password-reset' });

    // Assess
    expect(unknown.status).toBe(404);
    expect(malformed.status).toBe(400);
    expect(malformed.body.issues[0].field).toBe('id');
  });
});

describe('PUT /v1/kb/articles/{id}', () => {
  it('replaces the content and answers 200 with the article as it is now', async () => {
    // Prepare
    const article = await created();

    // Act
    const { status, body } = await call(updateArticle, {
      id: article.articleId,
      body: { title: 'Forgot your password?', body: 'Use the link on the sign-in page.', status: 'draft' },
    });

    // Assess
    expect(status).toBe(200);
    expect(body).toMatchObject({
      articleId: article.articleId,
      title: 'Forgot your password?',
      body: 'Use the link on the sign-in page.',
      status: 'draft',
    });
    expect(body).not.toHaveProperty('keywords');
    expect(await getArticle(table.db, article.articleId, true)).toEqual(body);
  });

  it('answers 409 when the article changed after the version the editor read', async () => {
    // Prepare
    const article = await created();
    const first = await call(updateArticle, {
      id: article.articleId,
      body: { ...ARTICLE, body: 'First edit.', expectedUpdatedAt: article.updatedAt },
    });

    // Act
    const second = await call(updateArticle, {
      id: article.articleId,
      // A second editor still holds the version the first one edited.
      body: { ...ARTICLE, body: 'Second edit.', expectedUpdatedAt: article.updatedAt },
    });

    // Assess
    expect(first.status).toBe(200);
    expect(second.status).toBe(409);
    expect((await getArticle(table.db, article.articleId, true)).body).toBe('First edit.');
  });

  it('answers 404 for an unknown article and 400 for a body without a status', async () => {
    // Prepare
    const article = await created();

    // Act
    const unknown = await call(updateArticle, { id: UNKNOWN_ID, body: ARTICLE });
    const incomplete = await call(updateArticle, {
      id: article.articleId,
      body: { title: ARTICLE.title, body: ARTICLE.body },
    });

    // Assess
    expect(unknown.status).toBe(404);
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.issues.map((issue: { field: string }) => issue.field)).toEqual(['status']);
  });
});

describe('DELETE /v1/kb/articles/{id}', () => {
  it('deletes the article: 204, then 404 for it', async () => {
    // Prepare
    const article = await created();

    // Act
    const deleted = await call(deleteArticle, { id: article.articleId });
    const again = await call(deleteArticle, { id: article.articleId });
    const read = await call(getArticleById, { id: article.articleId });

    // Assess
    expect(deleted).toEqual({ status: 204, body: undefined });
    expect(again.status).toBe(404);
    expect(read.status).toBe(404);
  });
});
