import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { ValidationError } from '../errors.js';
import type { Db } from '../store/db.js';
import { activityBeforeDay, activityPartition } from '../store/keys.js';
import type { IndexName } from '../store/table-definition.js';
import type { Segment } from './segment.js';

/** The index that holds customers by last-interaction date (one partition per month). */
export const SEGMENT_INDEX = 'gsi3' satisfies IndexName;

/** How many months back the index is read when the oldest plausible month is not given. */
export const DEFAULT_HORIZON_MONTHS = 120;

/** Read units of an eventually consistent read of up to 4 KB; a Query costs at least this. */
export const EVENTUAL_READ_UNITS_PER_4KB = 0.5;

/** Size of one gsi3 entry (keys only: pk, sk, gsi3pk, gsi3sk with their names), for cost estimates. */
const ACTIVITY_ENTRY_BYTES = 125;

/** One Query of the plan: a month's gsi3 partition, up to an exclusive sort-key bound. */
export interface ActivityMonthQuery {
  readonly indexName: typeof SEGMENT_INDEX;
  /** `yyyy-mm` */
  readonly month: string;
  /** gsi3pk, `ACTIVITY#<yyyy-mm>` */
  readonly partition: string;
  /** gsi3sk must sort below this; absent when the whole month is old enough. */
  readonly sortKeyBefore?: string;
}

/** A condition checked on each candidate customer rather than by an index. */
export type SegmentFilter =
  | 'lastInteractionOlderThanDays'
  | 'noOpenConversation'
  | 'channels'
  | 'tags'
  | 'lifetimeValueAtLeast'
  | 'lastSatisfactionAtMost';

/** What reading a segment costs, in DynamoDB read units (eventually consistent reads throughout). */
export interface SegmentCost {
  /** The month Queries alone, when every month is empty (each Query costs at least 0.5). */
  readonly indexReadUnitsAtLeast: number;
  /**
   * Per customer the index yields: its share of the index pages (about 0.016) and its profile read by
   * BatchGetItem (0.5 per started 4 KB; a profile is usually under 4 KB). A scan reads the profiles itself.
   */
  readonly readUnitsPerCandidate: number;
  /** Per address checked for deliverability (channels), on customers that pass every other condition. */
  readonly readUnitsPerAddress: number;
  /** The table size the scan estimate is based on, when known. */
  readonly tableBytes?: number;
  /** A scan's read units: the table size / 4 KB, halved for eventually consistent reads. */
  readonly scanReadUnits?: number;
}

/** How a segment is read, for a preview to show and for readSegment to follow. */
export interface SegmentPlan {
  /** True when no indexed condition narrows the segment, so reading it scans the whole table. */
  readonly needsScan: boolean;
  /** Why a scan is needed (with its cost when the table size is known); absent otherwise. */
  readonly reason?: string;
  /** Members' last-interaction day is before this day (`yyyy-mm-dd`); absent without that condition. */
  readonly cutoffDay?: string;
  /** The gsi3 month partitions read, oldest first; empty when the plan scans. */
  readonly queries: readonly ActivityMonthQuery[];
  /** Conditions checked on each candidate's profile. */
  readonly filters: readonly SegmentFilter[];
  /** True when identity items are read, to check an address is not marked undeliverable. */
  readonly readsIdentities: boolean;
  readonly cost: SegmentCost;
}

/** Where the plan starts and what the table weighs. */
export interface SegmentPlanOptions {
  /**
   * The oldest month (`yyyy-mm`) a customer's last interaction can fall in, e.g. the month the table was
   * created (describeSegmentTable); DEFAULT_HORIZON_MONTHS before the cutoff when omitted. A month
   * without customers still costs its Query (0.5 read units).
   */
  readonly earliestMonth?: string;
  /** The table's size in bytes (DescribeTable's TableSizeBytes), for the cost of a scan. */
  readonly tableBytes?: number;
}

/**
 * Plans the reads of a segment at `now`: with `lastInteractionOlderThanDays`, one Query of gsi3 per
 * month from the oldest plausible month up to the month of the day before the cutoff (that month bounded
 * by the cutoff day), every other condition checked on the candidates' profiles, so the cost grows with
 * the customers the index yields, not with the table. Without it nothing narrows the read: `needsScan`,
 * with the reason and, given the table size, the scan's cost.
 */
export function planSegment(segment: Segment, now: string, options: SegmentPlanOptions = {}): SegmentPlan {
  const filters = profileFilters(segment);
  const readsIdentities = segment.channels !== undefined;
  const perAddress = EVENTUAL_READ_UNITS_PER_4KB;
  const days = segment.lastInteractionOlderThanDays;
  if (days === undefined) {
    const tableBytes = options.tableBytes;
    const scanReadUnits = tableBytes === undefined ? undefined : scanCost(tableBytes);
    return {
      needsScan: true,
      reason: scanReason(filters, tableBytes, scanReadUnits),
      queries: [],
      filters,
      readsIdentities,
      cost: {
        indexReadUnitsAtLeast: 0,
        readUnitsPerCandidate: 0,
        readUnitsPerAddress: perAddress,
        ...(tableBytes === undefined ? {} : { tableBytes, scanReadUnits }),
      },
    };
  }
  const cutoffDay = segmentCutoffDay(now, days);
  const queries = activityQueries(cutoffDay, options.earliestMonth);
  return {
    needsScan: false,
    cutoffDay,
    queries,
    filters: ['lastInteractionOlderThanDays', ...filters],
    readsIdentities,
    cost: {
      indexReadUnitsAtLeast: queries.length * EVENTUAL_READ_UNITS_PER_4KB,
      readUnitsPerCandidate: round((ACTIVITY_ENTRY_BYTES / 4096) * EVENTUAL_READ_UNITS_PER_4KB + 0.5, 4),
      readUnitsPerAddress: perAddress,
    },
  };
}

/** The first day too recent for the segment: `now`'s UTC day minus `days`. */
export function segmentCutoffDay(now: string, days: number): string {
  const at = Date.parse(now);
  if (Number.isNaN(at)) {
    throw new ValidationError('segment read failed validation', [
      { path: 'now', message: 'must be an ISO-8601 timestamp' },
    ]);
  }
  const today = Date.parse(`${new Date(at).toISOString().slice(0, 10)}T00:00:00.000Z`);
  return new Date(today - days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The month Queries of the customers whose last-interaction day is before `cutoffDay`, oldest first,
 * from `fromMonth` (default: DEFAULT_HORIZON_MONTHS back).
 */
export function activityQueries(cutoffDay: string, fromMonth?: string): ActivityMonthQuery[] {
  const lastDay = new Date(Date.parse(`${cutoffDay}T00:00:00.000Z`) - 86_400_000).toISOString();
  const lastMonth = lastDay.slice(0, 7);
  const first = fromMonth ?? addMonths(lastMonth, 1 - DEFAULT_HORIZON_MONTHS);
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(first)) {
    throw new ValidationError('segment read failed validation', [
      { path: 'earliestMonth', message: 'must be a month as yyyy-mm' },
    ]);
  }
  const queries: ActivityMonthQuery[] = [];
  for (let month = first; month <= lastMonth; month = addMonths(month, 1)) {
    // Only the cutoff's own month holds days too recent; earlier months are read whole.
    const bounded = month === cutoffDay.slice(0, 7);
    queries.push({
      indexName: SEGMENT_INDEX,
      month,
      partition: activityPartition(month),
      ...(bounded ? { sortKeyBefore: activityBeforeDay(cutoffDay) } : {}),
    });
  }
  return queries;
}

/** `month` (`yyyy-mm`) moved by `count` months. */
export function addMonths(month: string, count: number): string {
  const year = Number(month.slice(0, 4));
  const index = year * 12 + Number(month.slice(5, 7)) - 1 + count;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The table's size (refreshed by DynamoDB about every six hours) and the month it was created. */
export interface SegmentTableFacts {
  readonly tableBytes: number;
  /** `yyyy-mm`: no customer of this table can have a last interaction before it, unless imported. */
  readonly createdMonth: string;
}

/** One DescribeTable: what a preview needs for a scan's cost and the plan's earliest month. */
export async function describeSegmentTable(db: Db): Promise<SegmentTableFacts> {
  const { Table } = await db.doc.send(new DescribeTableCommand({ TableName: db.tableName }));
  const created = Table?.CreationDateTime ?? new Date();
  return {
    tableBytes: Table?.TableSizeBytes ?? 0,
    createdMonth: new Date(created).toISOString().slice(0, 7),
  };
}

function profileFilters(segment: Segment): SegmentFilter[] {
  const filters: SegmentFilter[] = [];
  if (segment.noOpenConversation === true) filters.push('noOpenConversation');
  if (segment.tags !== undefined) filters.push('tags');
  if (segment.lifetimeValueAtLeast !== undefined) filters.push('lifetimeValueAtLeast');
  if (segment.lastSatisfactionAtMost !== undefined) filters.push('lastSatisfactionAtMost');
  if (segment.channels !== undefined) filters.push('channels');
  return filters;
}

function scanCost(tableBytes: number): number {
  return Math.ceil(Math.max(tableBytes, 1) / 4096) * EVENTUAL_READ_UNITS_PER_4KB;
}

function scanReason(
  filters: readonly SegmentFilter[],
  tableBytes: number | undefined,
  scanReadUnits: number | undefined,
): string {
  const unindexed = filters.join(', ');
  const cost =
    tableBytes === undefined || scanReadUnits === undefined
      ? 'its cost grows with the table (read units = table size / 4 KB, halved for eventually consistent reads)'
      : `about ${scanReadUnits} read units (${tableBytes} bytes / 4 KB, halved for eventually consistent reads)`;
  return `no condition narrows the segment through an index (only lastInteractionOlderThanDays does, on ${SEGMENT_INDEX}); ${unindexed} are checked on every customer, so reading it scans the whole table: ${cost}`;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
