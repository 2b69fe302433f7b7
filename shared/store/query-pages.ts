import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Db } from './db.js';
import type { Item } from './items.js';

/**
 * Every item of a Query, page after page, reading at most `maxPages` pages (1 MB each): for listings
 * whose size is bounded by design (agents, one work queue). `input` names the key condition and index.
 */
export async function queryPages(
  db: Db,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  maxPages: number,
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < maxPages; page++) {
    const output = await db.doc.send(
      new QueryCommand({
        ...input,
        TableName: db.tableName,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(output.Items ?? []));
    startKey = output.LastEvaluatedKey;
    if (!startKey) break;
  }
  return items;
}
