import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../store/db.js';
import type { Entity } from '../store/keys.js';
import { reportDayRange, reportDimensionOfKey, reportKey, reportPartition } from '../store/keys.js';
import { TABLE_KEYS } from '../store/table-definition.js';
import type { Contribution } from './derive.js';
import type { Counters, Dimension } from './metrics.js';

/** What one UpdateItem adds to one day's aggregate of one dimension. */
export interface AggregateDelta {
  readonly day: string;
  readonly dimension: Dimension;
  readonly counters: Counters;
}

/**
 * The contributions of a batch of changes, added up per day and dimension: one delta (one UpdateItem)
 * per aggregate item the batch touches, however many changes it holds. Counters that cancel out are
 * dropped, and so are deltas left with none.
 */
export function addUp(contributions: readonly Contribution[]): AggregateDelta[] {
  const deltas = new Map<string, { day: string; dimension: Dimension; counters: Counters }>();
  for (const contribution of contributions) {
    for (const dimension of contribution.dimensions) {
      const key = `${contribution.day}#${dimension}`;
      const delta = deltas.get(key) ?? { day: contribution.day, dimension, counters: {} };
      for (const [name, value] of Object.entries(contribution.counters)) {
        delta.counters[name] = (delta.counters[name] ?? 0) + value;
      }
      deltas.set(key, delta);
    }
  }
  return [...deltas.values()]
    .map((delta) => ({
      ...delta,
      counters: Object.fromEntries(Object.entries(delta.counters).filter(([, value]) => value !== 0)),
    }))
    .filter((delta) => Object.keys(delta.counters).length > 0);
}

/** UpdateItems in flight at once: a batch spanning many days (a replay) does not burst the partition. */
const CONCURRENT_UPDATES = 8;

/**
 * Access pattern "add to the report aggregates": one UpdateItem per delta, `ADD` of each counter (the
 * item is created by its first update), so concurrent consumers never lose a count. Every delta is
 * tried; the first failure is thrown after all have settled.
 */
export async function applyAggregates(db: Db, deltas: readonly AggregateDelta[]): Promise<void> {
  let failure: unknown;
  for (let start = 0; start < deltas.length; start += CONCURRENT_UPDATES) {
    const results = await Promise.allSettled(
      deltas.slice(start, start + CONCURRENT_UPDATES).map((delta) => db.doc.send(updateOf(db, delta))),
    );
    for (const result of results) if (result.status === 'rejected') failure ??= result.reason;
  }
  if (failure !== undefined) throw failure;
}

function updateOf(db: Db, delta: AggregateDelta): UpdateCommand {
  const names: Record<string, string> = { '#entity': TABLE_KEYS.entityAttribute };
  const values: Record<string, unknown> = { ':entity': 'report' satisfies Entity };
  const additions = Object.entries(delta.counters).map(([name, value], index) => {
    names[`#c${index}`] = name;
    values[`:c${index}`] = value;
    return `#c${index} :c${index}`;
  });
  return new UpdateCommand({
    TableName: db.tableName,
    Key: reportKey(delta.day, delta.dimension),
    UpdateExpression: `SET #entity = :entity ADD ${additions.join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  });
}

/** One day's aggregate of one dimension, as stored. */
export interface StoredAggregate {
  readonly day: string;
  readonly dimension: string;
  readonly counters: Counters;
}

/**
 * Pages of one month's Query: at most 9 items a day (all, 4 channels, 4 tiers) of a few hundred bytes
 * each (more with many distinct tags), so one page in practice; beyond this the report says `complete: false`.
 */
const MAX_PAGES_PER_MONTH = 4;

/**
 * Access pattern "report aggregates of the days `from` to `to`" (inclusive, `yyyy-mm-dd`): one Query per
 * month the range touches (`pk = REPORT#<yyyy-mm>`, `sk BETWEEN <from># AND <to>#~`), so a report of 90
 * days is at most four Queries whatever the traffic was. Returns the aggregates, the read units spent, and
 * whether every page was read.
 */
export async function readAggregates(
  db: Db,
  from: string,
  to: string,
): Promise<{ aggregates: StoredAggregate[]; readUnits: number; complete: boolean }> {
  const aggregates: StoredAggregate[] = [];
  let readUnits = 0;
  let complete = true;
  for (const month of monthsBetween(from, to)) {
    // Day strings sort like dates, so the month's own bounds clip the range.
    const range = reportDayRange(maxOf(from, `${month}-01`), minOf(to, `${month}-31`));
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < MAX_PAGES_PER_MONTH; page++) {
      const output = await db.doc.send(
        new QueryCommand({
          TableName: db.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': reportPartition(month), ':from': range.from, ':to': range.to },
          ReturnConsumedCapacity: 'TOTAL',
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      readUnits += output.ConsumedCapacity?.CapacityUnits ?? 0;
      for (const item of output.Items ?? []) aggregates.push(aggregateOf(item));
      startKey = output.LastEvaluatedKey;
      if (!startKey) break;
    }
    if (startKey) complete = false;
  }
  return { aggregates, readUnits, complete };
}

function aggregateOf(item: Record<string, unknown>): StoredAggregate {
  const { day, dimension } = reportDimensionOfKey(String(item.sk));
  const counters: Counters = {};
  for (const [name, value] of Object.entries(item)) if (typeof value === 'number') counters[name] = value;
  return { day, dimension, counters };
}

function maxOf(a: string, b: string): string {
  return a > b ? a : b;
}

function minOf(a: string, b: string): string {
  return a < b ? a : b;
}

/** The months (`yyyy-mm`) from the month of `from` to that of `to`. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let year = Number(from.slice(0, 4));
  let month = Number(from.slice(5, 7));
  const last = to.slice(0, 7);
  for (;;) {
    const current = `${year}-${String(month).padStart(2, '0')}`;
    if (current > last) return months;
    months.push(current);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
}
