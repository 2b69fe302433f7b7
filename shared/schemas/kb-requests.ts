import * as z from 'zod/mini';
import { singleLineField } from '../text/fields.js';
import { messageBody, noLoneSurrogates } from '../text/sanitize.js';
import { IsoTimestampSchema } from './common.js';
import {
  KB_BODY_MAX_CHARS,
  KB_KEYWORD_MAX_CHARS,
  KB_MAX_KEYWORDS,
  KB_TITLE_MAX_CHARS,
  KbArticleStatusSchema,
} from './kb.js';
import { SkillSchema } from './skill.js';

// The request bodies of the article routes, apart from the article itself (./kb.ts): only the functions
// that create or update articles build them at cold start, not every reader of articles (the e-level).

/** Largest request body of the article routes, in bytes (4,000 characters of up to 4 bytes, and the rest). */
export const KB_ARTICLE_BODY_MAX_BYTES = 24 * 1024;

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
