/**
 * English words that say nothing about a customer's concern, left out of the knowledge-base index and of
 * queries: the usual function words (pronouns, articles, auxiliaries, prepositions, conjunctions), the
 * pieces the tokenizer leaves of contractions (`can't` → `can`, `t`), and the courtesies and fillers
 * of a support message (hi, thanks, please, help), which would otherwise match every article a little.
 */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all also am an and any are aren as at
  be because been before being below between both but by
  can cannot could couldn
  d did didn do does doesn doing don down during
  each either else even ever every
  few for from further
  get gets getting got had hadn has hasn have haven having he her here hers herself him himself his how
  i if in into is isn it its itself
  just
  let ll
  m may me might mightn more most much must mustn my myself
  need needn neither no nor not now
  o of off on once only or other ought our ours ourselves out over own
  re really receive received receiving
  s same shall shan she should shouldn so some still such
  t than that the their theirs them themselves then there these they this those through to too
  under until up upon us
  ve very
  want wants was wasn we were weren what when where whether which while who whom whose why will with
  won would wouldn
  y yet you your yours yourself yourselves
  anyone anything someone something somebody
  hi hello hey dear thanks thank thx please pls regards cheers kind best ok okay yes yeah
  help question questions wondering know tell like`
    .split(/\s+/)
    .filter((word) => word !== ''),
);
