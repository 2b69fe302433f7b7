import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Customer, Interaction } from '../schemas/index.js';
import { batchGetItems } from './batch-get.js';
import type { Db } from './db.js';
import { customerFromItem, interactionFromItem } from './items.js';
import { customerKey } from './keys.js';
import { TABLE_KEYS } from './table-definition.js';

/** What a bounded read of recent interactions found, and what it cost. */
export interface RecentInteractions {
  /** Oldest first. */
  readonly interactions: readonly Interaction[];
  /** False when the bounds stopped the read before the whole table was looked at. */
  readonly complete: boolean;
  /** Read capacity the scan consumed, as DynamoDB reported it. */
  readonly readUnits: number;
}

/**
 * Access pattern "interactions since a date", for the routing dry run only: a Scan filtered on the
 * entity and time, read eventually consistent, at most `maxPages` pages of 1 MB and `maxItems` items.
 * Its cost grows with the table, not with the window (no index serves "all messages by date", so every
 * message write stays cheap); a supervisor's occasional dry run pays it, and sees it in `readUnits`.
 */
export async function scanInteractionsSince(
  db: Db,
  since: string,
  bounds: { readonly maxItems: number; readonly maxPages: number },
): Promise<RecentInteractions> {
  const found: Interaction[] = [];
  let readUnits = 0;
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < bounds.maxPages; page++) {
    const output = await db.doc.send(
      new ScanCommand({
        TableName: db.tableName,
        FilterExpression: '#entity = :interaction AND occurredAt >= :since',
        ExpressionAttributeNames: { '#entity': TABLE_KEYS.entityAttribute },
        ExpressionAttributeValues: { ':interaction': 'interaction', ':since': since },
        ReturnConsumedCapacity: 'TOTAL',
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    readUnits += output.ConsumedCapacity?.CapacityUnits ?? 0;
    found.push(...(output.Items ?? []).map(interactionFromItem));
    startKey = output.LastEvaluatedKey;
    if (startKey === undefined || found.length >= bounds.maxItems) {
      const interactions = found
        .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt))
        .slice(-bounds.maxItems);
      return { interactions, complete: startKey === undefined && found.length <= bounds.maxItems, readUnits };
    }
  }
  return {
    interactions: found.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt)).slice(-bounds.maxItems),
    complete: false,
    readUnits,
  };
}

/** Stored profiles by id (as stored: a merged-away one is not followed), 100 per BatchGetItem. */
export async function getCustomerProfiles(
  db: Db,
  customerIds: readonly string[],
): Promise<Map<string, Customer>> {
  const profiles = new Map<string, Customer>();
  const ids = [...new Set(customerIds)];
  for (let start = 0; start < ids.length; start += 100) {
    const items = await batchGetItems(db, ids.slice(start, start + 100).map(customerKey), false);
    for (const item of items) {
      const { customer } = customerFromItem(item);
      profiles.set(customer.customerId, customer);
    }
  }
  return profiles;
}
