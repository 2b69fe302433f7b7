import { QueryCommand, type QueryCommandOutput, ScanCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { ConflictError, ValidationError } from '../errors.js';
import type { Customer } from '../schemas/index.js';
import { batchGetItems } from '../store/batch-get.js';
import type { Db } from '../store/db.js';
import { customerFromItem } from '../store/items.js';
import { customerIdOfActivityKey, customerKey } from '../store/keys.js';
import { TABLE_KEYS } from '../store/table-definition.js';
import { type Segment, segmentFingerprint } from './segment.js';
import { decodeSegmentCursor, encodeSegmentCursor, type SegmentStartKey } from './segment-cursor.js';
import { matchesProfile, withDeliverableAddress } from './segment-filter.js';
import {
  type ActivityMonthQuery,
  activityQueries,
  EVENTUAL_READ_UNITS_PER_4KB,
  planSegment,
  SEGMENT_INDEX,
} from './segment-plan.js';
import { batchGetReadUnits, requestReadUnits } from './segment-read-units.js';

/** gsi3 entries per Query: one BatchGetItem of their profiles. */
const INDEX_CHUNK = 100;
/** Items per Scan request: what a page that fills midway reads again on the next call is at most this. */
const SCAN_CHUNK = 500;
/** Profiles are read at least this many at a time, even when the page needs fewer members. */
const MIN_PROFILE_BATCH = 25;
export const MAX_SEGMENT_PAGE_SIZE = 1000;
const DEFAULT_MAX_EXAMINED = 5000;

/** A segment that only a scan of the whole table can read, asked for without `allowScan`. */
export class SegmentNeedsScanError extends ConflictError {
  override name = 'SegmentNeedsScanError';
}

/** One wave of a segment read. */
export interface SegmentReadOptions {
  /** The time "older than N days" is counted from; a cursor keeps the cutoff of the read's first page. */
  readonly now: string;
  /** Members per page at most, 1 to MAX_SEGMENT_PAGE_SIZE. */
  readonly pageSize: number;
  /** The cursor of the previous page, to continue after it. */
  readonly cursor?: string;
  /** The oldest month a last interaction can fall in (see SegmentPlanOptions). */
  readonly earliestMonth?: string;
  /** Read a segment that needs a scan (its preview showed the cost); SegmentNeedsScanError otherwise. */
  readonly allowScan?: boolean;
  /** Index entries (or scanned items) one call reads at most before it returns a cursor. Default 5000. */
  readonly maxExamined?: number;
}

/** A page of a segment. */
export interface SegmentPage {
  /** Members, in index order (last-interaction date, oldest first) or, scanning, in table order. */
  readonly customers: readonly Customer[];
  /** Present while the segment may hold more members; absent once the read is complete. */
  readonly cursor?: string;
  /** Read units this call consumed (eventually consistent reads). */
  readonly readUnits: number;
  /** Index entries, or scanned items, this call read. */
  readonly examined: number;
}

/**
 * Reads one page of a segment's members (access pattern "customers of a segment"). With
 * `lastInteractionOlderThanDays`, Queries gsi3 month by month (planSegment), reads the candidates'
 * profiles with BatchGetItem and keeps those meeting every condition; identity items are read only for
 * `channels`, only for customers that pass the rest. Resumable: the cursor names the last entry looked
 * at, so following cursors yields every member once (a customer whose last interaction moves during the
 * read is judged on the profile as it then is). A page holds at most `pageSize` members; it may hold
 * fewer, with a cursor, when `maxExamined` stopped the call.
 */
export async function readSegment(
  db: Db,
  segment: Segment,
  options: SegmentReadOptions,
): Promise<SegmentPage> {
  const pageSize = boundedInteger(options.pageSize, 1, MAX_SEGMENT_PAGE_SIZE, 'pageSize');
  const maxExamined = boundedInteger(options.maxExamined ?? DEFAULT_MAX_EXAMINED, 1, 100_000, 'maxExamined');
  const fingerprint = segmentFingerprint(segment);
  const position =
    options.cursor === undefined ? undefined : decodeSegmentCursor(options.cursor, fingerprint);
  const limits = { pageSize, maxExamined, fingerprint };
  if (position?.read === 'index') {
    return readIndex(db, segment, position.cutoffDay, activityQueries(position.cutoffDay, position.month), {
      ...limits,
      after: position.after,
    });
  }
  if (position?.read === 'scan') return readScan(db, segment, { ...limits, after: position.after });
  const plan = planSegment(segment, options.now, {
    ...(options.earliestMonth === undefined ? {} : { earliestMonth: options.earliestMonth }),
  });
  if (plan.needsScan || plan.cutoffDay === undefined) {
    if (options.allowScan !== true)
      throw new SegmentNeedsScanError(plan.reason ?? 'the segment needs a scan');
    return readScan(db, segment, { ...limits, after: undefined });
  }
  return readIndex(db, segment, plan.cutoffDay, plan.queries, { ...limits, after: undefined });
}

/** How far a preview counts. */
export interface SegmentCountOptions {
  readonly now: string;
  /** Count up to this many members, 1 to 1,000,000. */
  readonly limit: number;
  readonly earliestMonth?: string;
  readonly allowScan?: boolean;
  /** Stop (incomplete) once this many read units are spent. */
  readonly maxReadUnits?: number;
}

/** A preview's count: `complete` false when the segment holds more than `limit` or a bound stopped it. */
export interface SegmentCount {
  readonly count: number;
  readonly complete: boolean;
  readonly readUnits: number;
}

/**
 * Counts a segment's members for a preview, up to `limit` (it reads one member more to tell "exactly
 * limit" from "more than limit"). A segment of `lastInteractionOlderThanDays` alone is counted on the
 * index itself (Select COUNT, about 0.016 read units a member); any other condition reads the profiles as
 * readSegment does.
 */
export async function countSegment(
  db: Db,
  segment: Segment,
  options: SegmentCountOptions,
): Promise<SegmentCount> {
  const limit = boundedInteger(options.limit, 1, 1_000_000, 'limit');
  const budget = options.maxReadUnits ?? Number.POSITIVE_INFINITY;
  const plan = planSegment(segment, options.now, {
    ...(options.earliestMonth === undefined ? {} : { earliestMonth: options.earliestMonth }),
  });
  if (!plan.needsScan && plan.filters.length === 1) return countIndexEntries(db, plan.queries, limit, budget);
  let found = 0;
  let readUnits = 0;
  let cursor: string | undefined;
  do {
    const page = await readSegment(db, segment, {
      now: options.now,
      pageSize: Math.min(MAX_SEGMENT_PAGE_SIZE, limit + 1 - found),
      // Each candidate costs at least half a unit: a call stays near what is left of the budget.
      maxExamined: Math.min(
        DEFAULT_MAX_EXAMINED,
        Math.max(1, Math.floor((budget - readUnits) / EVENTUAL_READ_UNITS_PER_4KB)),
      ),
      ...(cursor === undefined ? {} : { cursor }),
      ...(options.earliestMonth === undefined ? {} : { earliestMonth: options.earliestMonth }),
      ...(options.allowScan === undefined ? {} : { allowScan: options.allowScan }),
    });
    found += page.customers.length;
    readUnits += page.readUnits;
    cursor = page.cursor;
    if (found > limit) return { count: limit, complete: false, readUnits };
    if (cursor !== undefined && readUnits >= budget) return { count: found, complete: false, readUnits };
  } while (cursor !== undefined);
  return { count: found, complete: true, readUnits };
}

interface ReadLimits {
  readonly pageSize: number;
  readonly maxExamined: number;
  readonly fingerprint: string;
  readonly after: SegmentStartKey | undefined;
}

async function readIndex(
  db: Db,
  segment: Segment,
  cutoffDay: string,
  queries: readonly ActivityMonthQuery[],
  limits: ReadLimits,
): Promise<SegmentPage> {
  const customers: Customer[] = [];
  let readUnits = 0;
  let examined = 0;
  let after = limits.after;
  let monthIndex = 0;
  for (
    let query = queries[monthIndex];
    query !== undefined && customers.length < limits.pageSize && examined < limits.maxExamined;
    query = queries[monthIndex]
  ) {
    const output = await queryMonth(db, query, after, {
      Limit: Math.min(INDEX_CHUNK, limits.maxExamined - examined),
    });
    readUnits += requestReadUnits(output.ConsumedCapacity?.CapacityUnits);
    const entries = (output.Items ?? []).map((item) => IndexEntrySchema.parse(item));
    const taken = await takeMembers(entries, limits.pageSize - customers.length, async (slice) => {
      const ids = slice.map((entry) => customerIdOfActivityKey(entry.gsi3sk));
      const items = await batchGetItems(db, ids.map(customerKey), false);
      const admitted = await admit(
        db,
        segment,
        cutoffDay,
        items.map((item) => customerFromItem(item).customer),
      );
      return {
        members: ids.map((id) => admitted.get(id)),
        readUnits: batchGetReadUnits(ids.length, items) + admitted.readUnits,
      };
    });
    customers.push(...taken.members);
    readUnits += taken.readUnits;
    examined += taken.consumed;
    const last = entries[taken.consumed - 1];
    if (taken.consumed < entries.length && last !== undefined) {
      after = last;
      break;
    }
    if (output.LastEvaluatedKey === undefined) {
      monthIndex += 1;
      after = undefined;
    } else {
      after = IndexEntrySchema.parse(output.LastEvaluatedKey);
    }
  }
  const next = queries[monthIndex];
  return {
    customers,
    readUnits,
    examined,
    ...(next === undefined
      ? {}
      : {
          cursor: encodeSegmentCursor({
            v: 1,
            read: 'index',
            segment: limits.fingerprint,
            cutoffDay,
            month: next.month,
            ...(after === undefined ? {} : { after }),
          }),
        }),
  };
}

/** One page of a month's gsi3 partition, up to the plan's sort-key bound. */
async function queryMonth(
  db: Db,
  query: ActivityMonthQuery,
  after: Record<string, unknown> | undefined,
  page: { readonly Limit: number; readonly Select?: 'COUNT' },
): Promise<QueryCommandOutput> {
  return db.doc.send(
    new QueryCommand({
      TableName: db.tableName,
      IndexName: SEGMENT_INDEX,
      KeyConditionExpression:
        query.sortKeyBefore === undefined
          ? 'gsi3pk = :partition'
          : 'gsi3pk = :partition AND gsi3sk < :before',
      ExpressionAttributeValues: {
        ':partition': query.partition,
        ...(query.sortKeyBefore === undefined ? {} : { ':before': query.sortKeyBefore }),
      },
      ...page,
      ReturnConsumedCapacity: 'TOTAL',
      ...(after === undefined ? {} : { ExclusiveStartKey: after }),
    }),
  );
}

async function readScan(db: Db, segment: Segment, limits: ReadLimits): Promise<SegmentPage> {
  const customers: Customer[] = [];
  let readUnits = 0;
  let examined = 0;
  let after = limits.after;
  let complete = false;
  while (customers.length < limits.pageSize && examined < limits.maxExamined) {
    const output = await db.doc.send(
      new ScanCommand({
        TableName: db.tableName,
        FilterExpression: '#entity = :customer AND attribute_not_exists(mergedInto)',
        ExpressionAttributeNames: { '#entity': TABLE_KEYS.entityAttribute },
        ExpressionAttributeValues: { ':customer': 'customer' },
        Limit: Math.min(SCAN_CHUNK, limits.maxExamined - examined),
        ReturnConsumedCapacity: 'TOTAL',
        ...(after === undefined ? {} : { ExclusiveStartKey: after }),
      }),
    );
    readUnits += requestReadUnits(output.ConsumedCapacity?.CapacityUnits);
    examined += output.ScannedCount ?? 0;
    const scanned = (output.Items ?? []).map((item) => ({
      key: tableKeyOf(item),
      customer: customerFromItem(item).customer,
    }));
    const taken = await takeMembers(scanned, limits.pageSize - customers.length, async (slice) => {
      const admitted = await admit(
        db,
        segment,
        undefined,
        slice.map((entry) => entry.customer),
      );
      return {
        members: slice.map((entry) => admitted.get(entry.customer.customerId)),
        readUnits: admitted.readUnits,
      };
    });
    customers.push(...taken.members);
    readUnits += taken.readUnits;
    const last = scanned[taken.consumed - 1];
    if (taken.consumed < scanned.length && last !== undefined) {
      after = last.key;
      break;
    }
    if (output.LastEvaluatedKey === undefined) {
      complete = true;
      break;
    }
    after = tableKeyOf(output.LastEvaluatedKey);
  }
  return {
    customers,
    readUnits,
    examined,
    ...(complete || after === undefined
      ? {}
      : { cursor: encodeSegmentCursor({ v: 1, read: 'scan', segment: limits.fingerprint, after }) }),
  };
}

/** The members among stored profiles, by id, with the read units of the identity reads for `channels`. */
async function admit(
  db: Db,
  segment: Segment,
  cutoffDay: string | undefined,
  stored: readonly Customer[],
): Promise<{ get(customerId: string): Customer | undefined; readUnits: number }> {
  const profiles = stored.filter((customer) => matchesProfile(customer, segment, cutoffDay));
  const { passed, readUnits } = await withDeliverableAddress(db, profiles, segment);
  const members = new Map(profiles.filter((c) => passed.has(c.customerId)).map((c) => [c.customerId, c]));
  return { get: (customerId) => members.get(customerId), readUnits };
}

/**
 * Members among `candidates` in their order, at most `room`, checked a slice at a time (the room left, at
 * least MIN_PROFILE_BATCH); `consumed` is how many candidates were looked at, up to the one that filled
 * the room, so a cursor after it misses and repeats nobody.
 */
async function takeMembers<C>(
  candidates: readonly C[],
  room: number,
  check: (slice: readonly C[]) => Promise<{ members: (Customer | undefined)[]; readUnits: number }>,
): Promise<{ members: Customer[]; consumed: number; readUnits: number }> {
  const members: Customer[] = [];
  let consumed = 0;
  let readUnits = 0;
  while (consumed < candidates.length && members.length < room) {
    const size = Math.min(INDEX_CHUNK, Math.max(room - members.length, MIN_PROFILE_BATCH));
    const slice = candidates.slice(consumed, consumed + size);
    const checked = await check(slice);
    readUnits += checked.readUnits;
    for (const [offset, member] of checked.members.entries()) {
      if (member === undefined) continue;
      members.push(member);
      if (members.length === room) return { members, consumed: consumed + offset + 1, readUnits };
    }
    consumed += slice.length;
  }
  return { members, consumed, readUnits };
}

const TableKeySchema = z.object({ pk: z.string(), sk: z.string() });

/** A gsi3 entry as the keys-only index returns it: the table key and the index key. */
const IndexEntrySchema = z.object({ pk: z.string(), sk: z.string(), gsi3pk: z.string(), gsi3sk: z.string() });

/** The base table's key of an item or of a Scan's LastEvaluatedKey (a Scan resumes on it alone). */
function tableKeyOf(item: Record<string, unknown>): SegmentStartKey {
  return TableKeySchema.parse(item);
}

async function countIndexEntries(
  db: Db,
  queries: readonly ActivityMonthQuery[],
  limit: number,
  budget: number,
): Promise<SegmentCount> {
  let found = 0;
  let readUnits = 0;
  for (const query of queries) {
    let after: Record<string, unknown> | undefined;
    do {
      if (readUnits >= budget) return { count: found, complete: false, readUnits };
      const output = await queryMonth(db, query, after, { Limit: limit + 1 - found, Select: 'COUNT' });
      readUnits += requestReadUnits(output.ConsumedCapacity?.CapacityUnits);
      found += output.Count ?? 0;
      if (found > limit) return { count: limit, complete: false, readUnits };
      after = output.LastEvaluatedKey;
    } while (after !== undefined);
  }
  return { count: found, complete: true, readUnits };
}

function boundedInteger(value: number, min: number, max: number, path: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError('segment read failed validation', [
      { path, message: `must be a whole number from ${min} to ${max}` },
    ]);
  }
  return value;
}
