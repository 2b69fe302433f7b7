import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock.js';
import { ConflictError, NotFoundError } from '../errors.js';
import {
  type KbArticle,
  type KbArticleCreate,
  KbArticleSchema,
  type KbArticleStatus,
  type KbArticleUpdate,
} from '../schemas/index.js';
import type { Db } from './db.js';
import type { Item } from './items.js';
import {
  type Entity,
  KB_ARTICLES_PARTITION,
  kbArticleIndexKeys,
  kbArticleKey,
  kbArticleStatusPrefix,
} from './keys.js';
import { queryPages } from './query-pages.js';
import { TABLE_KEYS } from './table-definition.js';
import { conditionFailedItem } from './write-errors.js';

/**
 * Most 1 MB pages a listing reads. An article is at most about 17 KB (4,000 characters of up to four
 * bytes, the title and keywords), so ten pages hold several hundred articles at the very least.
 */
const KB_MAX_PAGES = 10;

function kbArticleFromItem(item: Item): KbArticle {
  return KbArticleSchema.parse({
    articleId: item.articleId,
    title: item.title,
    body: item.body,
    keywords: item.keywords,
    skill: item.skill,
    status: item.status,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  });
}

function kbArticleItem(article: KbArticle): Item {
  return {
    ...kbArticleKey(article.articleId),
    [TABLE_KEYS.entityAttribute]: 'kb-article' satisfies Entity,
    ...kbArticleIndexKeys(article.status, article.articleId),
    ...article,
  };
}

/** Creates an article with a new id (a ULID of the clock); created and updated now. */
export async function putArticle(db: Db, input: KbArticleCreate, clock: Clock): Promise<KbArticle> {
  const now = clock.now();
  const article = KbArticleSchema.parse({
    ...input,
    articleId: clock.newId(),
    createdAt: now,
    updatedAt: now,
  });
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: kbArticleItem(article),
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return article;
}

/**
 * Replaces an article's content (title, body, status; keywords and skill are removed when omitted),
 * keeping its id and creation time. Optimistic when `expectedUpdatedAt` is given: the write only happens
 * if the article's `updatedAt` is still that (ConflictError otherwise), so two editors cannot overwrite
 * each other unknowingly; without it, the last write wins. NotFoundError when there is no such article.
 */
export async function updateArticle(
  db: Db,
  articleId: string,
  update: KbArticleUpdate,
  now: string,
): Promise<KbArticle> {
  const { gsi1sk } = kbArticleIndexKeys(update.status, articleId);
  const expected = update.expectedUpdatedAt;
  // An optimistic write always moves updatedAt on (even within one millisecond of the last), so an
  // editor still holding the old value is refused.
  const updatedAt =
    expected !== undefined && Date.parse(now) <= Date.parse(expected)
      ? new Date(Date.parse(expected) + 1).toISOString()
      : now;
  const set = [
    '#title = :title',
    '#body = :body',
    '#status = :status',
    'gsi1sk = :gsi1sk',
    'updatedAt = :updatedAt',
  ];
  const remove: string[] = [];
  if (update.keywords) set.push('#keywords = :keywords');
  else remove.push('#keywords');
  if (update.skill) set.push('#skill = :skill');
  else remove.push('#skill');
  try {
    const output = await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: kbArticleKey(articleId),
        UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
        ConditionExpression:
          expected === undefined ? 'attribute_exists(pk)' : 'attribute_exists(pk) AND updatedAt = :expected',
        ExpressionAttributeNames: {
          '#title': 'title',
          '#body': 'body',
          '#status': 'status',
          '#keywords': 'keywords',
          '#skill': 'skill',
        },
        ExpressionAttributeValues: {
          ':title': update.title,
          ':body': update.body,
          ':status': update.status,
          ':gsi1sk': gsi1sk,
          ':updatedAt': updatedAt,
          ...(update.keywords ? { ':keywords': [...update.keywords] } : {}),
          ...(update.skill ? { ':skill': update.skill } : {}),
          ...(expected === undefined ? {} : { ':expected': expected }),
        },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return kbArticleFromItem(output.Attributes ?? {});
  } catch (error) {
    const old = conditionFailedItem(error);
    if (old === null) throw error;
    if (old === undefined) throw new NotFoundError('no such article', { cause: error });
    throw new ConflictError(
      `the article was changed at ${String(old.updatedAt)}, after the version you edited`,
      { cause: error },
    );
  }
}

/** Deletes an article; NotFoundError when there is no such article. */
export async function deleteArticle(db: Db, articleId: string): Promise<void> {
  try {
    await db.doc.send(
      new DeleteCommand({
        TableName: db.tableName,
        Key: kbArticleKey(articleId),
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  } catch (error) {
    if (conditionFailedItem(error) === null) throw error;
    throw new NotFoundError('no such article', { cause: error });
  }
}

/** Access pattern "article by id": GetItem `KB#<id>` / `ARTICLE`; NotFoundError when there is none. */
export async function getArticle(db: Db, articleId: string, consistent = false): Promise<KbArticle> {
  const output = await db.doc.send(
    new GetCommand({ TableName: db.tableName, Key: kbArticleKey(articleId), ConsistentRead: consistent }),
  );
  if (!output.Item) throw new NotFoundError('no such article');
  return kbArticleFromItem(output.Item);
}

/**
 * Access pattern "articles, of one status or all": one Query of gsi1 `gsi1pk = KB` (with
 * `begins_with(gsi1sk, '<status>#')` for one status), at most ten 1 MB pages; by status, then oldest
 * first. Eventually consistent, like every index read.
 */
export async function listArticles(db: Db, status?: KbArticleStatus): Promise<KbArticle[]> {
  const items = await queryPages(
    db,
    {
      IndexName: 'gsi1',
      KeyConditionExpression:
        status === undefined ? 'gsi1pk = :kb' : 'gsi1pk = :kb AND begins_with(gsi1sk, :status)',
      ExpressionAttributeValues: {
        ':kb': KB_ARTICLES_PARTITION,
        ...(status === undefined ? {} : { ':status': kbArticleStatusPrefix(status) }),
      },
    },
    KB_MAX_PAGES,
  );
  return items.map(kbArticleFromItem);
}

/** The articles the e-level may answer with: the published ones (one Query, see listArticles). */
export function listPublishedArticles(db: Db): Promise<KbArticle[]> {
  return listArticles(db, 'published');
}
