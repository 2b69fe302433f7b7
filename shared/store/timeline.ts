import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { ValidationError } from '../errors.js';
import type { Customer, Interaction } from '../schemas/index.js';
import type { Db } from './db.js';
import { interactionFromItem } from './items.js';
import { TIMELINE_END, TIMELINE_PREFIX, timelinePartition } from './keys.js';

export interface TimelinePage {
  readonly items: Interaction[];
  /** Opaque; pass back to read the next (older) page. Absent on the last page. */
  readonly nextCursor?: string;
}

const CursorSchema = z.strictObject({
  before: z.string().check(z.startsWith(TIMELINE_PREFIX), z.maxLength(200)),
});

/**
 * Access pattern "timeline, newest first, paginated": interactions of every channel, in and out.
 * Reads the customer's timeline partition on gsi1 and those of customers merged into it, so a merge
 * never hides an interaction. The cursor is the sort key of the last item returned.
 */
export async function getTimeline(
  db: Db,
  customer: Customer,
  page: { limit: number; cursor?: string | undefined },
): Promise<TimelinePage> {
  const before = page.cursor === undefined ? TIMELINE_END : decodeCursor(page.cursor);
  const partitions = [customer.customerId, ...customer.mergedFrom].map(timelinePartition);
  const results = await Promise.all(
    partitions.map((partition) =>
      db.doc.send(
        new QueryCommand({
          TableName: db.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :partition AND gsi1sk BETWEEN :start AND :before',
          ExpressionAttributeValues: {
            ':partition': partition,
            ':start': TIMELINE_PREFIX,
            ':before': before,
          },
          ScanIndexForward: false,
          // BETWEEN includes the cursor item itself; one more beyond the page tells whether another follows.
          Limit: page.limit + 2,
        }),
      ),
    ),
  );
  const sorted = results
    .flatMap((result) => result.Items ?? [])
    .map((item) => ({ sortKey: String(item.gsi1sk), item }))
    .filter(({ sortKey }) => sortKey < before)
    .sort((a, b) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0));
  const taken = sorted.slice(0, page.limit);
  const last = taken.at(-1);
  return {
    items: taken.map(({ item }) => interactionFromItem(item)),
    ...(sorted.length > page.limit && last ? { nextCursor: encodeCursor(last.sortKey) } : {}),
  };
}

function encodeCursor(before: string): string {
  return Buffer.from(JSON.stringify({ before })).toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    return CursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))).before;
  } catch (error) {
    throw new ValidationError(
      'invalid cursor',
      [{ path: 'cursor', message: 'not a cursor this API issued' }],
      {
        cause: error,
      },
    );
  }
}
