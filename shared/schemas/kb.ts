import * as z from 'zod/mini';
import { IdSchema, IsoTimestampSchema } from './common.js';
import { SkillSchema } from './skill.js';

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

/** Path parameters naming one article. */
export const KbArticlePathSchema = z.strictObject({ id: IdSchema });

/** `GET /v1/kb/articles?status=`: every article, or those of one status. */
export const KbArticleListQuerySchema = z.strictObject({ status: z.optional(KbArticleStatusSchema) });

/** `200` of `GET /v1/kb/articles`: by status, then oldest first. */
export const KbArticleListSchema = z.strictObject({ articles: z.array(KbArticleSchema) });
export type KbArticleList = z.infer<typeof KbArticleListSchema>;
