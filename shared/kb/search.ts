import MiniSearch, { type SearchResult } from 'minisearch';
import type { Clock } from '../clock.js';
import type { KbArticle } from '../schemas/index.js';
import type { Db } from '../store/db.js';
import { listPublishedArticles } from '../store/kb-articles.js';
import { ENGLISH_STOP_WORDS } from './stop-words.js';

/** The best article for a message: MiniSearch's BM25 `score`, and the share of the message's words it matched. */
export interface KbMatch {
  readonly article: KbArticle;
  /** MiniSearch's score (BM25+ over the boosted fields, times the number of query terms matched). */
  readonly score: number;
  /** Share (0..1) of the message's distinct search terms (stop words left out) the article matched. */
  readonly coverage: number;
}

/** What a match must reach for the e-level to answer with its article. */
export interface KbThresholds {
  readonly minScore: number;
  readonly minCoverage: number;
}

/**
 * Defaults calibrated on the seeded articles (events/kb; test/shared/kb-search.test.ts):
 * - `minCoverage` 0.55: more than half of the message's search terms must be the article's. Every
 *   standard question there reaches 0.6 (most 1.0); concerns that only share a word or two with an
 *   article ("my invoice was charged twice" 0.33, "I was charged twice for my order, please refund" 0.5)
 *   stay at 0.5 or below.
 * - `minScore` 10: a title or keyword must match, not only words of a body. The weakest standard
 *   question ("Where is my order?") scores about 13; body-only matches that pass the coverage ("Do you
 *   sell gift cards?", "Please send me a copy of my invoice") score under 10.
 * Coverage does not depend on the size of the knowledge base; the score does (BM25 weighs a word by how
 * few articles have it), so recalibrate minScore when the knowledge base grows several times over.
 */
export const DEFAULT_KB_THRESHOLDS: KbThresholds = { minScore: 10, minCoverage: 0.55 };

/** A search index over a set of articles. */
export interface KbIndex {
  /** How many articles the index holds. */
  readonly size: number;
  /**
   * The best-scoring article for a customer's text, or undefined when the text is empty, a single word,
   * or only stop words, or when no article shares a search term with it. Compare the match
   * with thresholds (meetsThresholds) before answering with it.
   */
  best(text: string): KbMatch | undefined;
}

/** True when a match is good enough to answer with (both its score and its coverage reach the thresholds). */
export function meetsThresholds(
  match: KbMatch | undefined,
  thresholds: KbThresholds = DEFAULT_KB_THRESHOLDS,
): match is KbMatch {
  return (
    match !== undefined && match.score >= thresholds.minScore && match.coverage >= thresholds.minCoverage
  );
}

/** Most characters of a message that are searched: routing hands on the first 4,000 (shared/routing/content.ts). */
const MAX_QUERY_CHARS = 4000;
/** A single word ("password?", "refund") is not a question an article can safely answer. */
const MIN_WORDS = 2;
/** Field boosts: a title or keyword match says more about an article than a word of its body. */
const BOOST = { title: 3, keywords: 2, body: 1 };
/** Prefix matching only for terms this long: `reset` finds `resetting`, `pass` does not find `password`. */
const MIN_PREFIX_CHARS = 5;
const SPACE_OR_PUNCTUATION = /[\n\r\p{Z}\p{P}\p{S}]+/u;

/**
 * The search terms of a text, in order, repeats kept: split on spaces, punctuation and symbols; accents
 * and case folded; stop words, single letters and bare numbers (order numbers, dates) left out;
 * suffixes folded (see foldSuffixes).
 */
export function searchTerms(text: string): string[] {
  return tokens(text).flatMap((token) => {
    const term = normalizeTerm(token);
    return term === undefined ? [] : [term];
  });
}

/** The words of a text, `e-mail` kept whole as `email`. */
function tokens(text: string): string[] {
  return text
    .replace(/\be-mail/giu, 'email')
    .split(SPACE_OR_PUNCTUATION)
    .filter((token) => token !== '');
}

function normalizeTerm(token: string): string | undefined {
  const folded = token.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  if (folded.length < 2 || /^\d+$/.test(folded) || ENGLISH_STOP_WORDS.has(folded)) return undefined;
  const term = foldSuffixes(folded);
  return ENGLISH_STOP_WORDS.has(term) ? undefined : term;
}

/**
 * A light, conservative English suffix folding, the same for articles and messages (not a full
 * stemmer): plurals (`deliveries` → `delivery`, `addresses` → `address`, `orders` → `order`), then
 * `-ing` and `-ed` (`resetting` → `reset`, `shipped` → `ship`), then a final `e` (`change`, `changed`
 * and `changing` → `chang`). Words in `ss`, `us` or `is` keep their `s`, and nothing is cut below three
 * letters (`need`, `thing`, `use` stay whole).
 */
function foldSuffixes(term: string): string {
  return withoutFinalE(withoutVerbEnding(singular(term)));
}

function singular(term: string): string {
  if (term.length <= 3) return term;
  if (/[^aeiou]ies$/.test(term)) return `${term.slice(0, -3)}y`;
  if (/(sses|xes|zes|ches|shes)$/.test(term)) return term.slice(0, -2);
  if (/(ss|us|is)$/.test(term)) return term;
  if (term.endsWith('s')) return term.slice(0, -1);
  return term;
}

function withoutVerbEnding(term: string): string {
  const ending = /ing$/.test(term) ? 3 : /ed$/.test(term) ? 2 : 0;
  const stem = term.slice(0, term.length - ending);
  if (ending === 0 || stem.length < 3 || !/[aeiouy]/.test(stem)) return term;
  // A doubled final consonant is the ending's (`shipp-ed`, `resett-ing`), except l, s and z (`fill`, `pass`).
  return stem.length >= 4 && /([^aeiouylsz])\1$/.test(stem) ? stem.slice(0, -1) : stem;
}

function withoutFinalE(term: string): string {
  return term.length >= 4 && term.endsWith('e') && !term.endsWith('ee') ? term.slice(0, -1) : term;
}

const asIs = (term: string) => term;
const splitSpaces = (text: string) => text.split(' ');

/**
 * Builds the search index of a set of articles (pure; the caller chooses them, e.g. the published ones):
 * MiniSearch (BM25+) over the title (boosted 3), the keywords (2) and the body (1), with stop words
 * removed, suffixes folded, prefix matching for terms of five letters or more at MiniSearch's reduced
 * prefix weight, and no fuzzy matching (a near miss of a word is more often another word than a typo).
 */
export function knowledgeBaseIndex(articles: readonly KbArticle[]): KbIndex {
  const byId = new Map(articles.map((article) => [article.articleId, article]));
  const search = new MiniSearch<KbArticle>({
    idField: 'articleId',
    fields: ['title', 'keywords', 'body'],
    extractField: articleField,
    tokenize: tokens,
    processTerm: (token) => normalizeTerm(token),
    searchOptions: {
      boost: BOOST,
      prefix: (term) => term.length >= MIN_PREFIX_CHARS,
      fuzzy: false,
      combineWith: 'OR',
      // The query arrives as terms already normalized by searchTerms.
      tokenize: splitSpaces,
      processTerm: asIs,
    },
  });
  search.addAll([...byId.values()]);

  return {
    size: byId.size,
    best(text) {
      const clipped = text.slice(0, MAX_QUERY_CHARS);
      const terms = [...new Set(searchTerms(clipped))];
      if (terms.length === 0 || tokens(clipped).length < MIN_WORDS || byId.size === 0) return undefined;
      const [top] = search.search(terms.join(' '));
      const article = top === undefined ? undefined : byId.get(top.id);
      if (!top || !article) return undefined;
      return { article, score: top.score, coverage: matchedShare(top, terms.length) };
    },
  };
}

/** What MiniSearch reads of an article: the id, and each searched field as text. */
function articleField(article: KbArticle, field: string): string {
  switch (field) {
    case 'title':
      return article.title;
    case 'body':
      return article.body;
    case 'keywords':
      return (article.keywords ?? []).join(' ');
    default:
      return article.articleId;
  }
}

function matchedShare(result: SearchResult, termCount: number): number {
  return new Set(result.queryTerms).size / termCount;
}

/**
 * The published articles' index for a warm Lambda: loaded on the first call, then reloaded (one Query)
 * at most every `maxAgeMs` by `clock`, so a consumer does not read the table for every message.
 * Concurrent calls share one load; a failed load is not kept (it rejects, and the next call tries again).
 */
export function cachedKnowledgeBase(db: Db, clock: Clock, maxAgeMs: number): () => Promise<KbIndex> {
  let cached: { readonly index: KbIndex; readonly loadedAtMs: number } | undefined;
  let loading: Promise<KbIndex> | undefined;
  return () => {
    const nowMs = Date.parse(clock.now());
    if (cached && nowMs - cached.loadedAtMs < maxAgeMs) return Promise.resolve(cached.index);
    loading ??= listPublishedArticles(db)
      .then((articles) => {
        const index = knowledgeBaseIndex(articles);
        cached = { index, loadedAtMs: nowMs };
        return index;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };
}
