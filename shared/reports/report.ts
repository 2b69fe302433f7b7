import * as z from 'zod/mini';
import { ChannelSchema, TierSchema } from '../schemas/index.js';
import type { StoredAggregate } from './aggregates.js';
import {
  COUNTER,
  COUNTER_FAMILY,
  type Counters,
  DURATION_BUCKET_MINUTES,
  DURATION_BUCKETS,
  firstResponseBucketCounter,
  resolutionBucketCounter,
  satisfactionCounter,
} from './metrics.js';

/** The longest range a report covers, in days (a leap year). */
export const MAX_REPORT_DAYS = 366;

const DaySchema = z.iso.date();

/** What a report is broken down by. */
export const ReportGroupBySchema = z.enum(['channel', 'tier', 'day']);
export type ReportGroupBy = z.infer<typeof ReportGroupBySchema>;

/**
 * `GET /v1/reports/summary?from=&to=&groupBy=&format=`: days `from` to `to` (UTC, inclusive), at most
 * MAX_REPORT_DAYS; an inverted or longer range is refused naming `to`.
 */
export const ReportQuerySchema = z
  .strictObject({
    from: DaySchema,
    to: DaySchema,
    /** `day` when omitted. */
    groupBy: z.optional(ReportGroupBySchema),
    /** `json` when omitted; `csv` answers the same as text/csv. */
    format: z.optional(z.enum(['json', 'csv'])),
  })
  .check(
    z.superRefine((query, context) => {
      // A day that failed its own check is named there already.
      if (!DaySchema.safeParse(query.from).success || !DaySchema.safeParse(query.to).success) return;
      const days = daysBetween(query.from, query.to) + 1;
      if (days < 1) {
        context.addIssue({
          code: 'custom',
          path: ['to'],
          message: 'must not be before from',
          input: query.to,
        });
      } else if (days > MAX_REPORT_DAYS) {
        context.addIssue({
          code: 'custom',
          path: ['to'],
          message: `must be at most ${MAX_REPORT_DAYS} days from from (inclusive)`,
          input: query.to,
        });
      }
    }),
  );
export type ReportQuery = z.infer<typeof ReportQuerySchema>;

const CountSchema = z.number();
const CountsSchema = z.record(z.string().check(z.maxLength(60)), CountSchema);

/** Times from (re)opening to the first response or to resolution: a fixed-bucket histogram. */
export const TimingSchema = z.strictObject({
  count: CountSchema,
  averageMinutes: z.nullable(z.number()),
  /**
   * The upper bound of the bucket the median (90th percentile) falls in: "at most this many minutes".
   * Null without any, or when it lies beyond the last bound (2,880 minutes, two days).
   */
  p50Minutes: z.nullable(z.number()),
  p90Minutes: z.nullable(z.number()),
  /** Buckets in order; the last one (`upToMinutes: null`) holds everything beyond two days. */
  histogram: z
    .array(z.strictObject({ upToMinutes: z.nullable(z.number()), count: CountSchema }))
    .check(z.maxLength(DURATION_BUCKETS)),
});
export type Timing = z.infer<typeof TimingSchema>;

/** What a report says about one group (or all of the range). */
export const ReportSummarySchema = z.strictObject({
  /** Messages recorded; not by tier (a message has a channel, not a tier). */
  messages: z.optional(z.strictObject({ inbound: CountSchema, outbound: CountSchema })),
  conversations: z.strictObject({
    /** Not by tier: a conversation's tier at its opening is routing's starting point. */
    opened: z.optional(CountSchema),
    reopened: CountSchema,
    resolved: CountSchema,
  }),
  firstResponse: TimingSchema,
  resolution: TimingSchema,
  sla: z.strictObject({
    firstResponsesWithinSla: CountSchema,
    resolvedWithinSla: CountSchema,
    /** Shares (0-1) of first responses and of resolutions within their service level; null without any. */
    firstResponseAttainment: z.nullable(z.number()),
    resolutionAttainment: z.nullable(z.number()),
    firstResponseBreaches: CountSchema,
    resolutionBreaches: CountSchema,
  }),
  /** Moves by reason: `escalated`, `transferred`, `first-response-breach`, `e-level-handoff`, … */
  escalations: CountsSchema,
  eLevel: z.strictObject({ answered: CountSchema, handedOff: CountSchema, resolved: CountSchema }),
  satisfaction: z.strictObject({
    responses: CountSchema,
    average: z.nullable(z.number()),
    distribution: z.strictObject({
      '1': CountSchema,
      '2': CountSchema,
      '3': CountSchema,
      '4': CountSchema,
      '5': CountSchema,
    }),
  }),
  /** Campaign recipients done, by outcome; in the totals and per day only. */
  campaigns: z.optional(CountsSchema),
  /** Conversations opened in the range, by the tags they carry; not by tier. */
  tags: z.optional(CountsSchema),
});
export type ReportSummary = z.infer<typeof ReportSummarySchema>;

export const ReportGroupSchema = z.extend(ReportSummarySchema, {
  /** The channel, the tier, or the day (`yyyy-mm-dd`). */
  group: z.string().check(z.maxLength(20)),
});
export type ReportGroup = z.infer<typeof ReportGroupSchema>;

/** `GET /v1/reports/summary`: totals of the range and one entry per group. */
export const ReportSchema = z.strictObject({
  from: DaySchema,
  to: DaySchema,
  groupBy: ReportGroupBySchema,
  totals: ReportSummarySchema,
  groups: z.array(ReportGroupSchema).check(z.maxLength(MAX_REPORT_DAYS)),
  /** Read units the report cost (bounded by the range, not by the traffic). */
  readUnits: z.number(),
  /** False when an aggregate page limit was reached (docs/reporting.md). */
  complete: z.boolean(),
});
export type Report = z.infer<typeof ReportSchema>;

/** What each kind of aggregate counts (docs/reporting.md). */
type DimensionKind = 'all' | 'channel' | 'tier';

/**
 * The report of the range from the aggregates read for it: totals from the `all` aggregates, and one
 * group per channel, tier or day of the range (all of them, zero where nothing happened), in order.
 */
export function buildReport(
  query: { readonly from: string; readonly to: string; readonly groupBy: ReportGroupBy },
  read: {
    readonly aggregates: readonly StoredAggregate[];
    readonly readUnits: number;
    readonly complete: boolean;
  },
): Report {
  const sums = new Map<string, Counters>();
  for (const aggregate of read.aggregates) {
    if (aggregate.day < query.from || aggregate.day > query.to) continue;
    const key =
      query.groupBy === 'day' && aggregate.dimension === 'all' ? `day#${aggregate.day}` : aggregate.dimension;
    addInto(sums, key, aggregate.counters);
    if (aggregate.dimension === 'all' && query.groupBy === 'day') addInto(sums, 'all', aggregate.counters);
  }
  const groups: ReportGroup[] =
    query.groupBy === 'day'
      ? daysOf(query.from, query.to).map((day) => ({
          group: day,
          ...summaryOf(sums.get(`day#${day}`) ?? {}, 'all'),
        }))
      : (query.groupBy === 'channel' ? ChannelSchema.options : TierSchema.options).map((value) => ({
          group: value,
          ...summaryOf(sums.get(`${query.groupBy}#${value}`) ?? {}, query.groupBy as DimensionKind),
        }));
  return {
    from: query.from,
    to: query.to,
    groupBy: query.groupBy,
    totals: summaryOf(sums.get('all') ?? {}, 'all'),
    groups,
    readUnits: read.readUnits,
    complete: read.complete,
  };
}

function addInto(sums: Map<string, Counters>, key: string, counters: Counters): void {
  const sum = sums.get(key) ?? {};
  for (const [name, value] of Object.entries(counters)) sum[name] = (sum[name] ?? 0) + value;
  sums.set(key, sum);
}

function summaryOf(counters: Counters, kind: DimensionKind): ReportSummary {
  const count = (name: string) => counters[name] ?? 0;
  const responded = count(COUNTER.responded);
  const resolved = count(COUNTER.resolved);
  const responses = [1, 2, 3, 4, 5].reduce((sum, score) => sum + count(satisfactionCounter(score)), 0);
  return {
    ...(kind === 'tier'
      ? {}
      : { messages: { inbound: count(COUNTER.inbound), outbound: count(COUNTER.outbound) } }),
    conversations: {
      ...(kind === 'tier' ? {} : { opened: count(COUNTER.opened) }),
      reopened: count(COUNTER.reopened),
      resolved,
    },
    firstResponse: timingOf(
      counters,
      firstResponseBucketCounter,
      responded,
      count(COUNTER.firstResponseMinutes),
    ),
    resolution: timingOf(counters, resolutionBucketCounter, resolved, count(COUNTER.resolutionMinutes)),
    sla: {
      firstResponsesWithinSla: count(COUNTER.respondedWithinSla),
      resolvedWithinSla: count(COUNTER.resolvedWithinSla),
      firstResponseAttainment: share(count(COUNTER.respondedWithinSla), responded),
      resolutionAttainment: share(count(COUNTER.resolvedWithinSla), resolved),
      firstResponseBreaches: count(COUNTER.firstResponseBreaches),
      resolutionBreaches: count(COUNTER.resolutionBreaches),
    },
    escalations: family(counters, COUNTER_FAMILY.escalation),
    eLevel: {
      answered: count(COUNTER.eLevelAnswered),
      handedOff: count(COUNTER.eLevelHandedOff),
      resolved: count(COUNTER.resolvedByELevel),
    },
    satisfaction: {
      responses,
      average: responses === 0 ? null : round(count(COUNTER.satisfactionSum) / responses, 2),
      distribution: {
        '1': count(satisfactionCounter(1)),
        '2': count(satisfactionCounter(2)),
        '3': count(satisfactionCounter(3)),
        '4': count(satisfactionCounter(4)),
        '5': count(satisfactionCounter(5)),
      },
    },
    ...(kind === 'all' ? { campaigns: family(counters, COUNTER_FAMILY.campaignOutcome) } : {}),
    ...(kind === 'tier' ? {} : { tags: family(counters, COUNTER_FAMILY.tag) }),
  };
}

function timingOf(
  counters: Counters,
  bucketCounter: (bucket: number) => string,
  total: number,
  minutes: number,
): Timing {
  const histogram = Array.from({ length: DURATION_BUCKETS }, (_, bucket) => ({
    upToMinutes: DURATION_BUCKET_MINUTES[bucket] ?? null,
    count: counters[bucketCounter(bucket)] ?? 0,
  }));
  return {
    count: total,
    averageMinutes: total === 0 ? null : round(minutes / total, 1),
    p50Minutes: percentileBound(histogram, 0.5),
    p90Minutes: percentileBound(histogram, 0.9),
    histogram,
  };
}

/** The upper bound of the bucket holding the `quantile`, or null (no data, or beyond the last bound). */
export function percentileBound(
  histogram: readonly { readonly upToMinutes: number | null; readonly count: number }[],
  quantile: number,
): number | null {
  const total = histogram.reduce((sum, bucket) => sum + bucket.count, 0);
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil(quantile * total));
  let seen = 0;
  for (const bucket of histogram) {
    seen += bucket.count;
    if (seen >= rank) return bucket.upToMinutes;
  }
  return null;
}

/** The counters of one family, by their variable part, the zeros left out. */
function family(counters: Counters, prefix: string): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counters)
      .filter(([name, value]) => name.startsWith(prefix) && value !== 0)
      .map(([name, value]) => [name.slice(prefix.length), value])
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
  );
}

function share(part: number, whole: number): number | null {
  return whole === 0 ? null : round(part / whole, 4);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Whole days from `from` to `to` (negative when inverted). */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Every day from `from` to `to`, inclusive. */
function daysOf(from: string, to: string): string[] {
  const days: string[] = [];
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= Date.parse(`${to}T00:00:00Z`); at += 86_400_000) {
    days.push(new Date(at).toISOString().slice(0, 10));
  }
  return days;
}
