import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { createTable } from '../../local/create-table.js';
import { type DynamoEmulator, startDynamoEmulator } from '../../local/dynamodb-emulator.js';
import { createDb, type Db } from '../../shared/store/db.js';

/** A table handlers under test share, on an emulator of the test file. */
export interface HandlerTable {
  /** A Db over the same table, for preparing and checking what the handlers stored. */
  readonly db: Db;
}

/**
 * For handler tests against a real (emulated) DynamoDB: starts an emulator, creates `tableName` and
 * points the handlers' environment at it (TABLE_NAME, AWS_ENDPOINT_URL_DYNAMODB) before any test hook
 * registered after this call runs, so import handlers in a later `beforeAll`. The table is shared by
 * the file's tests: give each test its own ids.
 */
export function useHandlerTable(tableName = 'carebridge-test'): HandlerTable {
  let emulator: DynamoEmulator | undefined;
  let db: Db | undefined;
  const config = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

  beforeAll(async () => {
    emulator = await startDynamoEmulator();
    const client = new DynamoDBClient({ ...config, endpoint: emulator.endpoint });
    await createTable(client, tableName);
    client.destroy();
    Object.assign(process.env, { TABLE_NAME: tableName, AWS_ENDPOINT_URL_DYNAMODB: emulator.endpoint });
    db = createDb(tableName, { ...config, endpoint: emulator.endpoint });
  });

  afterAll(async () => {
    db?.doc.destroy();
    await emulator?.stop();
  });

  return {
    get db() {
      if (!db) throw new Error('useHandlerTable(): db is only available inside hooks and tests');
      return db;
    },
  };
}
