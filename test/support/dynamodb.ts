import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createTable } from '../../local/create-table.js';
import { type DynamoEmulator, startDynamoEmulator } from '../../local/dynamodb-emulator.js';

/** What a test sees of its emulator: SDK clients and the fresh table created for it. */
export interface DynamoTableContext {
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  /** A table of its own for the running test, created from shared/store/table-definition.ts. */
  readonly tableName: string;
  readonly endpoint: string;
}

/**
 * Call at the top of a test file or describe block: starts one in-memory DynamoDB emulator for the file
 * (stopped after the last test) and creates a fresh table before each test. Read the returned getters
 * inside hooks and tests only.
 */
export function useDynamoTable(): DynamoTableContext {
  let emulator: DynamoEmulator | undefined;
  let client: DynamoDBClient | undefined;
  let doc: DynamoDBDocumentClient | undefined;
  let tableName: string | undefined;
  let tablesCreated = 0;

  beforeAll(async () => {
    emulator = await startDynamoEmulator();
    client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    // The marshalling options of shared/store/db.ts, so store functions behave as they do in production.
    doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  });

  afterAll(async () => {
    client?.destroy();
    await emulator?.stop();
  });

  beforeEach(async () => {
    tablesCreated += 1;
    tableName = `test-${tablesCreated}-${randomUUID().slice(0, 8)}`;
    await createTable(available(client, 'client'), tableName);
  });

  return {
    get client() {
      return available(client, 'client');
    },
    get doc() {
      return available(doc, 'doc');
    },
    get tableName() {
      return available(tableName, 'tableName');
    },
    get endpoint() {
      return available(emulator, 'endpoint').endpoint;
    },
  };
}

function available<T>(value: T | undefined, name: string): T {
  if (value === undefined) {
    throw new Error(`useDynamoTable(): ${name} is only available inside hooks and tests`);
  }
  return value;
}
