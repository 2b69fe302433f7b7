import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { ConflictError, NotFoundError } from '../../shared/errors.js';
import { cachedKnowledgeBase } from '../../shared/kb/search.js';
import type { KbArticleCreate } from '../../shared/schemas/index.js';
import type { Db } from '../../shared/store/db.js';
import {
  deleteArticle,
  getArticle,
  listArticles,
  listPublishedArticles,
  putArticle,
  updateArticle,
} from '../../shared/store/kb-articles.js';
import { fixedClock } from '../support/chat.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { testDb } from '../support/inbound.js';

const table = useDynamoTable();

const PASSWORD: KbArticleCreate = {
  title: 'Resetting your password',
  body: 'Choose "Forgot password?" on the sign-in page and follow the link we email you.',
  keywords: ['reset password', 'forgot password'],
  skill: 'technical',
  status: 'published',
};
const HOURS: KbArticleCreate = {
  title: 'Opening hours',
  body: 'We are there Monday to Friday from 8:00 to 20:00.',
  status: 'published',
};
const DRAFT: KbArticleCreate = {
  title: 'Our new loyalty programme',
  body: 'Coming soon: points on every order.',
  status: 'draft',
};

/** Counts the Queries a Db sends from now on. */
function countQueries(db: Db) {
  const send = vi.spyOn(db.doc, 'send');
  return () => send.mock.calls.filter(([command]) => command instanceof QueryCommand).length;
}

describe('knowledge-base articles', () => {
  it('creates an article with an id and timestamps from the clock, readable by id', async () => {
    // Prepare
    const db = testDb(table);
    const clock = fixedClock('2026-11-26T09:00:00.000Z');

    // Act
    const created = await putArticle(db, PASSWORD, clock);
    const read = await getArticle(db, created.articleId, true);

    // Assess
    expect(created.articleId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(created).toMatchObject({
      ...PASSWORD,
      createdAt: '2026-11-26T09:00:00.000Z',
      updatedAt: '2026-11-26T09:00:00.000Z',
    });
    expect(read).toEqual(created);
  });

  it('lists the published articles with one Query, leaving drafts out', async () => {
    // Prepare
    const db = testDb(table);
    const clock = fixedClock('2026-11-26T09:00:00.000Z');
    const password = await putArticle(db, PASSWORD, clock);
    const hours = await putArticle(db, HOURS, clock);
    await putArticle(db, DRAFT, clock);
    const queries = countQueries(db);

    // Act
    const published = await listPublishedArticles(db);

    // Assess
    expect(published.map((article) => article.title)).toEqual([password.title, hours.title]);
    expect(queries()).toBe(1);
  });

  it('lists every article, or those of one status', async () => {
    // Prepare
    const db = testDb(table);
    const clock = fixedClock('2026-11-26T09:00:00.000Z');
    await putArticle(db, PASSWORD, clock);
    const draft = await putArticle(db, DRAFT, clock);

    // Act
    const all = await listArticles(db);
    const drafts = await listArticles(db, 'draft');

    // Assess
    expect(all.map((article) => article.status).sort()).toEqual(['draft', 'published']);
    expect(drafts).toEqual([draft]);
  });

  it('replaces the content, keeping the id and creation time, and publishes a draft', async () => {
    // Prepare
    const db = testDb(table);
    const clock = fixedClock('2026-11-26T09:00:00.000Z');
    const draft = await putArticle(db, { ...DRAFT, keywords: ['loyalty'], skill: 'sales' }, clock);

    // Act
    const updated = await updateArticle(
      db,
      draft.articleId,
      { title: 'Loyalty points', body: 'You earn one point per euro.', status: 'published' },
      '2026-11-26T10:00:00.000Z',
    );

    // Assess
    expect(updated).toEqual({
      articleId: draft.articleId,
      title: 'Loyalty points',
      body: 'You earn one point per euro.',
      status: 'published',
      createdAt: draft.createdAt,
      updatedAt: '2026-11-26T10:00:00.000Z',
    });
    expect(await getArticle(db, draft.articleId, true)).toEqual(updated);
    expect((await listPublishedArticles(db)).map((article) => article.articleId)).toEqual([draft.articleId]);
    expect(await listArticles(db, 'draft')).toEqual([]);
  });

  it('refuses an update made on an older version with a conflict, and leaves the article as it was', async () => {
    // Prepare
    const db = testDb(table);
    const created = await putArticle(db, HOURS, fixedClock('2026-11-26T09:00:00.000Z'));
    const first = await updateArticle(
      db,
      created.articleId,
      {
        ...HOURS,
        body: 'We are there Monday to Saturday.',
        status: 'published',
        expectedUpdatedAt: created.updatedAt,
      },
      '2026-11-26T10:00:00.000Z',
    );

    // Act
    const stale = updateArticle(
      db,
      created.articleId,
      { ...HOURS, body: 'We are closed.', status: 'published', expectedUpdatedAt: created.updatedAt },
      '2026-11-26T10:05:00.000Z',
    );

    // Assess
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    expect(await getArticle(db, created.articleId, true)).toEqual(first);
  });

  it('refuses the second of two edits of one version even when both come within the same millisecond', async () => {
    // Prepare
    const db = testDb(table);
    const created = await putArticle(db, HOURS, fixedClock('2026-11-26T09:00:00.000Z'));
    const edit = (body: string) =>
      updateArticle(
        db,
        created.articleId,
        { ...HOURS, body, status: 'published', expectedUpdatedAt: created.updatedAt },
        created.updatedAt,
      );

    // Act
    const first = await edit('First edit.');
    const second = await edit('Second edit.').catch((error: unknown) => error);

    // Assess
    expect(first.updatedAt > created.updatedAt).toBe(true);
    expect(second).toBeInstanceOf(ConflictError);
    expect((await getArticle(db, created.articleId, true)).body).toBe('First edit.');
  });

  it('deletes an article, which then is neither readable nor listed', async () => {
    // Prepare
    const db = testDb(table);
    const created = await putArticle(db, PASSWORD, fixedClock('2026-11-26T09:00:00.000Z'));

    // Act
    await deleteArticle(db, created.articleId);

    // Assess
    await expect(getArticle(db, created.articleId, true)).rejects.toBeInstanceOf(NotFoundError);
    expect(await listPublishedArticles(db)).toEqual([]);
  });

  it('answers NotFoundError for an unknown article on read, update and delete', async () => {
    // Prepare
    const db = testDb(table);
    const unknown = '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q';

    // Act
    const outcomes = await Promise.allSettled([
      getArticle(db, unknown),
      updateArticle(db, unknown, { ...HOURS, status: 'published' }, '2026-11-26T10:00:00.000Z'),
      updateArticle(
        db,
        unknown,
        { ...HOURS, status: 'published', expectedUpdatedAt: '2026-11-26T09:00:00.000Z' },
        '2026-11-26T10:00:00.000Z',
      ),
      deleteArticle(db, unknown),
    ]);

    // Assess
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(NotFoundError);
    }
    expect(await listArticles(db)).toEqual([]);
  });
});

describe('the cached knowledge base of a warm Lambda', () => {
  it('reads the published articles once per period, then picks up what changed', async () => {
    // Prepare
    const db = testDb(table);
    const clock = fixedClock('2026-11-26T09:00:00.000Z');
    await putArticle(db, PASSWORD, clock);
    const knowledgeBase = cachedKnowledgeBase(db, clock, 60_000);
    const queries = countQueries(db);

    // Act
    const [first, concurrent] = await Promise.all([knowledgeBase(), knowledgeBase()]);
    await putArticle(db, HOURS, clock);
    clock.advance(30_000);
    const stillCached = await knowledgeBase();
    clock.advance(30_000);
    const reloaded = await knowledgeBase();

    // Assess
    expect(concurrent).toBe(first);
    expect(stillCached).toBe(first);
    expect(first.size).toBe(1);
    expect(first.best('What are your opening hours?')).toBeUndefined();
    expect(reloaded.size).toBe(2);
    expect(reloaded.best('What are your opening hours?')?.article.title).toBe('Opening hours');
    expect(queries()).toBe(2);
  });

  it('tries again on the next call when a load failed', async () => {
    // Prepare
    const db = testDb(table);
    const clock = fixedClock('2026-11-26T09:00:00.000Z');
    await putArticle(db, PASSWORD, clock);
    const knowledgeBase = cachedKnowledgeBase(db, clock, 60_000);
    vi.spyOn(db.doc, 'send').mockRejectedValueOnce(new Error('throttled'));

    // Act
    const failed = await knowledgeBase().catch((error: unknown) => error);
    const retried = await knowledgeBase();

    // Assess
    expect(failed).toBeInstanceOf(Error);
    expect(retried.size).toBe(1);
  });
});
