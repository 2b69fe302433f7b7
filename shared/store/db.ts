import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The table every store function works on. Built once per process (module scope in handlers). */
export interface Db {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
}

/**
 * Creates the document client over a DynamoDB client. The endpoint comes from the SDK's standard
 * configuration (AWS_ENDPOINT_URL_DYNAMODB on the local stack), never from code.
 */
export function createDb(tableName: string, config: DynamoDBClientConfig = {}): Db {
  const client = new DynamoDBClient(config);
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { doc, tableName };
}
