import type { Channel, Tier } from '../schemas/index.js';

/**
 * What a day's report aggregate counts (docs/reporting.md). Each counter is one number attribute of the
 * aggregate item, added to with `ADD`; names are short because every write unit counts the item's size.
 */

/**
 * The upper bounds, in minutes, of the response and resolution time histograms' buckets; a last bucket
 * holds everything longer. Percentiles are read from these bounds, so a p90 of 60 means "at most an hour".
 */
export const DURATION_BUCKET_MINUTES = [5, 15, 30, 60, 120, 240, 480, 1440, 2880] as const;

/** The number of histogram buckets: one per bound and one beyond the last. */
export const DURATION_BUCKETS = DURATION_BUCKET_MINUTES.length + 1;

/** The bucket a duration falls in: the first whose bound it does not pass. */
export function durationBucket(minutes: number): number {
  const index = DURATION_BUCKET_MINUTES.findIndex((bound) => minutes <= bound);
  return index === -1 ? DURATION_BUCKET_MINUTES.length : index;
}

/** Counters with a fixed name. */
export const COUNTER = {
  /** Messages recorded, by direction. */
  inbound: 'in',
  outbound: 'out',
  /** Conversations opened, reopened, resolved. */
  opened: 'opened',
  reopened: 'reopened',
  resolved: 'resolved',
  /** Resolved by the e-level's answer (resolution code `e-level-answer`). */
  resolvedByELevel: 'resolvedE',
  /** Resolved without a missed service level since the (re)opening, and by the resolution due time. */
  resolvedWithinSla: 'resolvedSla',
  /** Minutes from (re)opening to resolution, summed (for the average). */
  resolutionMinutes: 'resMin',
  /** First responses, those within the service level, and their minutes from (re)opening, summed. */
  responded: 'responded',
  respondedWithinSla: 'respondedSla',
  firstResponseMinutes: 'frtMin',
  /** Missed service levels (the sweep's escalations), by level. */
  firstResponseBreaches: 'breachFr',
  resolutionBreaches: 'breachRes',
  /** The e-level's attempts: answered from the knowledge base, or handed to tier 1. */
  eLevelAnswered: 'eAnswered',
  eLevelHandedOff: 'eHandedOff',
  /** Satisfaction scores received, summed (their count is the distribution's sum). */
  satisfactionSum: 'csatSum',
} as const;

/** A counter of the first-response time histogram's bucket. */
export function firstResponseBucketCounter(bucket: number): string {
  return `frt|${bucket}`;
}

/** A counter of the resolution time histogram's bucket. */
export function resolutionBucketCounter(bucket: number): string {
  return `res|${bucket}`;
}

/** Moves of a conversation, by reason (`escalated`, `transferred`, `e-level-handoff`, …). */
export function escalationCounter(reason: string): string {
  return `esc|${reason}`;
}

/** Satisfaction scores received, by score (1-5). */
export function satisfactionCounter(score: number): string {
  return `csat|${score}`;
}

/** Campaign recipients whose walk ended, by outcome (`replied`, `opted-out`, `surveyed`, …). */
export function campaignOutcomeCounter(outcome: string): string {
  return `campaign|${outcome}`;
}

/** Conversations carrying a tag, by the day they were opened. */
export function tagCounter(tag: string): string {
  return `tag|${tag}`;
}

/** The counter families with a variable part, by prefix. */
export const COUNTER_FAMILY = {
  firstResponseBucket: 'frt|',
  resolutionBucket: 'res|',
  escalation: 'esc|',
  satisfaction: 'csat|',
  campaignOutcome: 'campaign|',
  tag: 'tag|',
} as const;

/**
 * What an aggregate is about: every change of the day (`all`), the conversations and messages of one
 * channel (the channel the conversation was opened on), or the conversations at one tier.
 */
export type Dimension = 'all' | `channel#${Channel}` | `tier#${Tier}`;

export function channelDimension(channel: Channel): Dimension {
  return `channel#${channel}`;
}

export function tierDimension(tier: Tier): Dimension {
  return `tier#${tier}`;
}

/** Counter values by name. */
export type Counters = Record<string, number>;
