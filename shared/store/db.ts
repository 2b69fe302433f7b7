import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The table every store function works on. Built once per process (module scope in handlers). */
export interface Db {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
}

/**
 * The SDK's standard retry mode (exponential backoff with full jitter, a retry quota) with five attempts
 * instead of three: throttling and 5xx answers are retried inside the request, so a burst of throttling
 * seldom surfaces as a failed message (which would cost a whole Lambda or SQS retry). Adaptive mode's
 * client-side rate limiter learns too slowly to help a short-lived Lambda instance.
 */
export const DYNAMODB_RETRY: Pick<DynamoDBClientConfig, 'retryMode' | 'maxAttempts'> = {
  retryMode: 'standard',
  maxAttempts: 5,
};

/**
 * Creates the document client over a DynamoDB client. The endpoint comes from the SDK's standard
 * configuration (AWS_ENDPOINT_URL_DYNAMODB on the local stack), never from code.
 */
export function createDb(tableName: string, config: DynamoDBClientConfig = {}): Db {
  const client = new DynamoDBClient({ ...DYNAMODB_RETRY, ...config });
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { doc, tableName };
}
