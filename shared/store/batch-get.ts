import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from './db.js';
import type { Item } from './items.js';
import type { PrimaryKey } from './keys.js';

const MAX_ROUNDS = 8;

/**
 * Reads up to 100 items by key in one BatchGetItem, asking again (with back-off) for keys DynamoDB
 * left unprocessed under throttling. Missing items are simply absent from the result.
 */
export async function batchGetItems(
  db: Db,
  keys: readonly PrimaryKey[],
  consistent: boolean,
): Promise<Item[]> {
  let pending: Record<string, unknown>[] = keys.map((key) => ({ ...key }));
  const found: Item[] = [];
  for (let round = 0; pending.length > 0; round++) {
    if (round === MAX_ROUNDS) throw new Error(`${pending.length} keys stayed unprocessed`);
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
    const output = await db.doc.send(
      new BatchGetCommand({
        RequestItems: { [db.tableName]: { Keys: pending, ConsistentRead: consistent } },
      }),
    );
    found.push(...(output.Responses?.[db.tableName] ?? []));
    pending = output.UnprocessedKeys?.[db.tableName]?.Keys ?? [];
  }
  return found;
}
