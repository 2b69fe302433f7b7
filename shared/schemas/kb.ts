import * as z from 'zod/mini';
import { singleLineField } from '../text/fields.js';
import { messageBody, noLoneSurrogates } from '../text/sanitize.js';
import { SkillSchema } from './agent.js';
import { IdSchema, IsoTimestampSchema } from './common.js';

/** Only `published` articles answer customers; `draft` ones are kept for editing. */
export const KbArticleStatusSchema = z.enum(['draft', 'published']);
export type KbArticleStatus = z.infer<typeof KbArticleStatusSchema>;

/** Longest title, in characters. */
export const KB_TITLE_MAX_CHARS = 200;
/** Longest body (the answer sent to the customer), in characters. */
export const KB_BODY_MAX_CHARS = 4000;
/** Longest keyword, in characters. */
export const KB_KEYWORD_MAX_CHARS = 40;
/** Most keywords an article may have. */
export const KB_MAX_KEYWORDS = 20;

/**
 * A knowledge-base article: the e-level answers a standard concern with its `body` when a customer's
 * message matches it well enough (shared/kb/search.ts). `skill` names the routing skill it answers for.
 */
export const KbArticleSchema = z.strictObject({
  articleId: IdSchema,
  title: z.string().check(z.minLength(1), z.maxLength(KB_TITLE_MAX_CHARS)),
  body: z.string().check(z.minLength(1), z.maxLength(KB_BODY_MAX_CHARS)),
  keywords: z.optional(
    z
      .array(z.string().check(z.minLength(1), z.maxLength(KB_KEYWORD_MAX_CHARS)))
      .check(z.maxLength(KB_MAX_KEYWORDS)),
  ),
  skill: z.optional(SkillSchema),
  status: KbArticleStatusSchema,
  createdAt: IsoTimestampSchema,
  updatedAt: IsoTimestampSchema,
});
export type KbArticle = z.infer<typeof KbArticleSchema>;

/** A single-line field that is not empty once sanitized (control and bidi characters removed). */
function nonEmptyLine(maxChars: number) {
  return z.pipe(singleLineField(maxChars), z.string().check(z.minLength(1, 'must not be empty')));
}

/**
 * The answer text: at most `maxChars` characters as sent (a character limit, unlike a channel's byte
 * limit, because an editor counts characters); line breaks kept, other control and bidi characters
 * removed, trimmed, and not empty after that.
 */
function articleBodyField(maxChars: number) {
  return z.pipe(
    z.string().check(z.maxLength(maxChars), noLoneSurrogates()),
    z.pipe(
      z.transform((text: string) => messageBody(text).trim()),
      z.string().check(z.minLength(1, 'must not be empty')),
    ),
  );
}

/** The fields an editor writes, the same on create and update. */
const articleFields = {
  title: nonEmptyLine(KB_TITLE_MAX_CHARS),
  body: articleBodyField(KB_BODY_MAX_CHARS),
  /** Words and short phrases customers use for this concern, searched beside the title. */
  keywords: z.optional(z.array(nonEmptyLine(KB_KEYWORD_MAX_CHARS)).check(z.maxLength(KB_MAX_KEYWORDS))),
  /** A skill of the routing definition (checked against it by the handler). */
  skill: z.optional(SkillSchema),
};

/** `POST /v1/kb/articles`: a new article, a draft unless `status` says otherwise. */
export const KbArticleCreateSchema = z.strictObject({
  ...articleFields,
  status: z._default(KbArticleStatusSchema, 'draft'),
});
export type KbArticleCreate = z.infer<typeof KbArticleCreateSchema>;

/**
 * `PUT /v1/kb/articles/{id}`: the article's new content, replacing the old (omitted `keywords` or
 * `skill` are removed). With `expectedUpdatedAt` (the `updatedAt` the editor read) the update only
 * happens if nobody changed the article since; without it, the last write wins.
 */
export const KbArticleUpdateSchema = z.strictObject({
  ...articleFields,
  status: KbArticleStatusSchema,
  expectedUpdatedAt: z.optional(IsoTimestampSchema),
});
export type KbArticleUpdate = z.infer<typeof KbArticleUpdateSchema>;

/** Path parameters naming one article. */
export const KbArticlePathSchema = z.strictObject({ id: IdSchema });

/** `GET /v1/kb/articles?status=`: every article, or those of one status. */
export const KbArticleListQuerySchema = z.strictObject({ status: z.optional(KbArticleStatusSchema) });

/** Largest request body of the article routes, in bytes (4,000 characters of up to 4 bytes, and the rest). */
export const KB_ARTICLE_BODY_MAX_BYTES = 24 * 1024;

/** `200` of `GET /v1/kb/articles`: by status, then oldest first. */
export const KbArticleListSchema = z.strictObject({ articles: z.array(KbArticleSchema) });
export type KbArticleList = z.infer<typeof KbArticleListSchema>;
