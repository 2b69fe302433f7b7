import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type ChatConnection, ChatConnectionSchema } from '../schemas/index.js';
import type { Db } from './db.js';
import type { Item } from './items.js';
import {
  chatConnectionKey,
  type Entity,
  visitorConnectionIndexKeys,
  visitorConnectionsQuery,
} from './keys.js';
import { TABLE_KEYS } from './table-definition.js';

/** More live connections than this per visitor (many tabs) is not a chat, it is abuse: the rest are ignored. */
const MAX_CONNECTIONS_PER_VISITOR = 10;

function chatConnectionItem(connection: ChatConnection): Item {
  return {
    ...chatConnectionKey(connection.connectionId),
    [TABLE_KEYS.entityAttribute]: 'chat-connection' satisfies Entity,
    ...visitorConnectionIndexKeys(connection.visitorId, connection.connectedAt, connection.connectionId),
    ...connection,
    // The table's TTL attribute: DynamoDB deletes the item some time after this instant.
    [TABLE_KEYS.ttlAttribute]: connection.expiresAt,
  };
}

function chatConnectionFromItem(item: Item): ChatConnection {
  return ChatConnectionSchema.parse({
    connectionId: item.connectionId,
    visitorId: item.visitorId,
    email: item.email,
    emailTrust: item.emailTrust,
    name: item.name,
    connectedAt: item.connectedAt,
    expiresAt: item[TABLE_KEYS.ttlAttribute],
  });
}

/** True while a connection may still be used (TTL deletion lags, so an expired item can still be read). */
export function isLive(connection: ChatConnection, nowEpochSeconds: number): boolean {
  return connection.expiresAt > nowEpochSeconds;
}

/** Records a live connection (access pattern "connection by id" and "a visitor's connections"). */
export async function putChatConnection(db: Db, connection: ChatConnection): Promise<void> {
  await db.doc.send(new PutCommand({ TableName: db.tableName, Item: chatConnectionItem(connection) }));
}

/** Access pattern "connection by id": the stored connection, expired or not, or undefined. */
export async function getChatConnection(db: Db, connectionId: string): Promise<ChatConnection | undefined> {
  const output = await db.doc.send(
    new GetCommand({ TableName: db.tableName, Key: chatConnectionKey(connectionId) }),
  );
  return output.Item ? chatConnectionFromItem(output.Item) : undefined;
}

/** Forgets a connection; deleting one that is already gone is not an error. */
export async function deleteChatConnection(db: Db, connectionId: string): Promise<void> {
  await db.doc.send(new DeleteCommand({ TableName: db.tableName, Key: chatConnectionKey(connectionId) }));
}

/**
 * Access pattern "a visitor's live connections", newest first: Query gsi1 `VISITOR#<visitorId>` with
 * `begins_with(gsi1sk, 'CONNECTION#')`. Expired items that TTL has not removed yet are left out.
 */
export async function listVisitorConnections(
  db: Db,
  visitorId: string,
  nowEpochSeconds: number,
): Promise<ChatConnection[]> {
  const { gsi1pk, gsi1skPrefix } = visitorConnectionsQuery(visitorId);
  const output = await db.doc.send(
    new QueryCommand({
      TableName: db.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :partition AND begins_with(gsi1sk, :prefix)',
      ExpressionAttributeValues: { ':partition': gsi1pk, ':prefix': gsi1skPrefix },
      ScanIndexForward: false,
      Limit: MAX_CONNECTIONS_PER_VISITOR,
    }),
  );
  return (output.Items ?? [])
    .map(chatConnectionFromItem)
    .filter((connection) => isLive(connection, nowEpochSeconds));
}
