import { randomUUID } from 'node:crypto';
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { FilterCriteria, FilterRule } from 'aws-cdk-lib/aws-lambda';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTable } from '../../local/create-table.js';
import { type DynamoEmulator, startDynamoEmulator } from '../../local/dynamodb-emulator.js';
import {
  checkpointOf,
  type DynamoStreamSource,
  PartialBatchFailureError,
  type StreamBatchFailure,
  startDynamoStreamSource,
  streamFailureRecord,
} from '../../local/dynamodb-stream.js';
import { createLambdaContext } from '../../local/lambda-context.js';

const context = (): Context =>
  createLambdaContext({
    functionName: 'carebridge-domain-events',
    region: 'us-east-1',
    accountId: '000000000000',
    timeoutMs: 5_000,
    memoryLimitInMB: 256,
  });

let emulator: DynamoEmulator;
let client: DynamoDBClient;
let tableName: string;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  emulator = await startDynamoEmulator();
  client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  client.destroy();
  await emulator.stop();
});

beforeEach(async () => {
  tableName = `stream-${randomUUID().slice(0, 8)}`;
  await createTable(client, tableName);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Subscribes to the test's table; the records land in the returned array. */
function recordStream(): DynamoDBRecord[] {
  const records: DynamoDBRecord[] = [];
  cleanups.push(emulator.subscribeStream((record) => records.push(record), { tableName }));
  return records;
}

function key(pk: string, sk = 'A') {
  return { pk: { S: pk }, sk: { S: sk } };
}

function addOne(pk: string) {
  return new UpdateItemCommand({
    TableName: tableName,
    Key: key(pk),
    UpdateExpression: 'ADD n :one',
    ExpressionAttributeValues: { ':one': { N: '1' } },
  });
}

const sequenceOf = (record: DynamoDBRecord): bigint => BigInt(record.dynamodb?.SequenceNumber ?? '0');

describe('the emulator stream', () => {
  it('records an insert, a change and a removal with the shape Lambda delivers', async () => {
    // Prepare
    const records = recordStream();

    // Act
    await client.send(
      new PutItemCommand({ TableName: tableName, Item: { ...key('CONV#1'), status: { S: 'open' } } }),
    );
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key('CONV#1'),
        UpdateExpression: 'SET #status = :status',
        ConditionExpression: 'attribute_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': { S: 'assigned' } },
      }),
    );
    await client.send(new DeleteItemCommand({ TableName: tableName, Key: key('CONV#1') }));

    // Assess
    expect(records.map((record) => record.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    const [inserted, modified, removed] = records;
    expect(inserted).toEqual({
      eventID: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: key('CONV#1'),
        NewImage: { ...key('CONV#1'), status: { S: 'open' } },
        SequenceNumber: expect.stringMatching(/^\d{21,40}$/),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: expect.stringMatching(
        new RegExp(
          `^arn:aws:dynamodb:us-east-1:\\d{12}:table/${tableName}/stream/\\d{4}-\\d\\d-\\d\\dT[\\d:.]+$`,
        ),
      ),
    });
    expect(modified?.dynamodb?.OldImage).toEqual({ ...key('CONV#1'), status: { S: 'open' } });
    expect(modified?.dynamodb?.NewImage).toEqual({ ...key('CONV#1'), status: { S: 'assigned' } });
    expect(removed?.dynamodb?.OldImage).toEqual({ ...key('CONV#1'), status: { S: 'assigned' } });
    expect(removed?.dynamodb).not.toHaveProperty('NewImage');
    expect(records.map(sequenceOf)).toEqual(records.map(sequenceOf).sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(records.map((record) => record.eventSourceARN)).size).toBe(1);
  });

  it('gives each of many concurrent updates of one item its own exact images, in write order', async () => {
    // Prepare
    const records = recordStream();

    // Act
    await Promise.all(Array.from({ length: 25 }, () => client.send(addOne('COUNTER#1'))));

    // Assess
    expect(records).toHaveLength(25);
    expect(records[0]?.eventName).toBe('INSERT');
    records.forEach((record, index) => {
      expect(record.dynamodb?.NewImage?.n).toEqual({ N: String(index + 1) });
      expect(record.dynamodb?.OldImage?.n).toEqual(index === 0 ? undefined : { N: String(index) });
    });
    expect(records.map(sequenceOf)).toEqual(records.map(sequenceOf).sort((a, b) => (a < b ? -1 : 1)));
  });

  it('records each item a transaction writes, with exact images, even among concurrent updates', async () => {
    // Prepare
    await client.send(
      new PutItemCommand({ TableName: tableName, Item: { ...key('CONV#2'), n: { N: '0' } } }),
    );
    await client.send(
      new PutItemCommand({ TableName: tableName, Item: { ...key('CONV#3'), status: { S: 'open' } } }),
    );
    await client.send(
      new PutItemCommand({ TableName: tableName, Item: { ...key('CUSTOMER#1'), vip: { BOOL: true } } }),
    );
    const records = recordStream();
    const transaction = new TransactWriteItemsCommand({
      TransactItems: [
        { Put: { TableName: tableName, Item: { ...key('CONV#4'), status: { S: 'open' } } } },
        {
          Update: {
            TableName: tableName,
            Key: key('CONV#2'),
            UpdateExpression: 'ADD n :ten',
            ExpressionAttributeValues: { ':ten': { N: '10' } },
          },
        },
        { Delete: { TableName: tableName, Key: key('CONV#3') } },
        {
          ConditionCheck: {
            TableName: tableName,
            Key: key('CUSTOMER#1'),
            ConditionExpression: 'vip = :yes',
            ExpressionAttributeValues: { ':yes': { BOOL: true } },
          },
        },
      ],
    });

    // Act
    await Promise.all([
      ...Array.from({ length: 5 }, () => client.send(addOne('CONV#2'))),
      client.send(transaction),
      ...Array.from({ length: 5 }, () => client.send(addOne('CONV#2'))),
    ]);

    // Assess
    const byKey = (pk: string) => records.filter((record) => record.dynamodb?.Keys?.pk?.S === pk);
    expect(byKey('CONV#4').map((record) => record.eventName)).toEqual(['INSERT']);
    expect(byKey('CONV#3').map((record) => [record.eventName, record.dynamodb?.OldImage?.status])).toEqual([
      ['REMOVE', { S: 'open' }],
    ]);
    expect(byKey('CUSTOMER#1')).toEqual([]);
    const counter = byKey('CONV#2');
    expect(counter).toHaveLength(11);
    let previous = 0;
    for (const record of counter) {
      expect(record.eventName).toBe('MODIFY');
      expect(record.dynamodb?.OldImage?.n).toEqual({ N: String(previous) });
      previous = Number(record.dynamodb?.NewImage?.n?.N);
    }
    expect(previous).toBe(20);
  });

  it('records every item of a BatchWriteItem', async () => {
    // Prepare
    await client.send(
      new PutItemCommand({ TableName: tableName, Item: { ...key('CONV#5'), n: { N: '1' } } }),
    );
    const records = recordStream();

    // Act
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [tableName]: [
            { PutRequest: { Item: { ...key('CONV#6'), n: { N: '1' } } } },
            { DeleteRequest: { Key: key('CONV#5') } },
          ],
        },
      }),
    );

    // Assess
    expect(records.map((record) => [record.eventName, record.dynamodb?.Keys?.pk?.S]).sort()).toEqual([
      ['INSERT', 'CONV#6'],
      ['REMOVE', 'CONV#5'],
    ]);
  });

  it('records nothing for a failed condition, a cancelled transaction or a write that changes nothing', async () => {
    // Prepare
    const item = { ...key('CONV#7'), status: { S: 'open' } };
    await client.send(new PutItemCommand({ TableName: tableName, Item: item }));
    const records = recordStream();

    // Act
    const conditionFailed = await client
      .send(
        new PutItemCommand({
          TableName: tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      )
      .catch((error: unknown) => error);
    const cancelled = await client
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: tableName, Item: { ...key('CONV#8'), status: { S: 'open' } } } },
            { Put: { TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }),
      )
      .catch((error: unknown) => error);
    await client.send(new PutItemCommand({ TableName: tableName, Item: item }));
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key('CONV#7'),
        UpdateExpression: 'SET #status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': { S: 'open' } },
      }),
    );
    await client.send(new DeleteItemCommand({ TableName: tableName, Key: key('CONV#missing') }));

    // Assess
    expect(conditionFailed).toBeInstanceOf(ConditionalCheckFailedException);
    expect(cancelled).toBeInstanceOf(TransactionCanceledException);
    expect(records).toEqual([]);
  });

  it('records nothing before a listener subscribes or after it unsubscribes, and only its table', async () => {
    // Prepare
    const records: DynamoDBRecord[] = [];
    const otherTable = `other-${randomUUID().slice(0, 8)}`;
    await createTable(client, otherTable);
    await client.send(new PutItemCommand({ TableName: tableName, Item: key('CONV#9') }));
    const unsubscribe = emulator.subscribeStream((record) => records.push(record), { tableName });

    // Act
    await client.send(new PutItemCommand({ TableName: otherTable, Item: key('CONV#10') }));
    await client.send(new PutItemCommand({ TableName: tableName, Item: key('CONV#11') }));
    unsubscribe();
    await client.send(new PutItemCommand({ TableName: tableName, Item: key('CONV#12') }));

    // Assess
    expect(records.map((record) => record.dynamodb?.Keys?.pk?.S)).toEqual(['CONV#11']);
  });
});

describe('the stream event source', () => {
  /** Starts a source on the test's table stream; stopped after the test. */
  function startSource(
    options: Omit<Parameters<typeof startDynamoStreamSource>[0], 'createContext' | 'functionName'>,
  ) {
    const source: DynamoStreamSource = startDynamoStreamSource({
      functionName: 'carebridge-domain-events',
      createContext: context,
      maxBatchingWindowMs: 20,
      retryDelayMs: 10,
      ...options,
    });
    const unsubscribe = emulator.subscribeStream(source.push, { tableName });
    cleanups.push(() => source.stop(), unsubscribe);
    return source;
  }

  it('invokes the function with the records the CDK filter lets through, in batches', async () => {
    // Prepare
    const events: DynamoDBStreamEvent[] = [];
    const source = startSource({
      batchSize: 2,
      filters: [FilterCriteria.filter({ dynamodb: { Keys: { pk: { S: FilterRule.beginsWith('CONV#') } } } })],
      handler: async (event) => {
        events.push(event);
      },
    });

    // Act
    for (const pk of ['CONV#1', 'CUSTOMER#1', 'CONV#2', 'CONV#3']) {
      await client.send(new PutItemCommand({ TableName: tableName, Item: key(pk) }));
    }
    await source.idle();

    // Assess
    expect(events.flatMap((event) => event.Records.map((record) => record.dynamodb?.Keys?.pk?.S))).toEqual([
      'CONV#1',
      'CONV#2',
      'CONV#3',
    ]);
    expect(events.every((event) => event.Records.length <= 2)).toBe(true);
  });

  it('retries a batch from the lowest sequence number the function reports failed', async () => {
    // Prepare
    const deliveries: string[][] = [];
    const errors: unknown[] = [];
    let failOnce = true;
    const source = startSource({
      batchSize: 10,
      onError: (_message, error) => errors.push(error),
      handler: async (event) => {
        const pks = event.Records.map((record) => record.dynamodb?.Keys?.pk?.S ?? '');
        deliveries.push(pks);
        if (!failOnce) return { batchItemFailures: [] };
        failOnce = false;
        const failed = event.Records.filter((record) =>
          ['CONV#2', 'CONV#3'].includes(record.dynamodb?.Keys?.pk?.S ?? ''),
        );
        return {
          batchItemFailures: failed.map((record) => ({ itemIdentifier: record.dynamodb?.SequenceNumber })),
        };
      },
    });

    // Act
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: ['CONV#1', 'CONV#2', 'CONV#3', 'CONV#4'].map((pk) => ({
          Put: { TableName: tableName, Item: key(pk) },
        })),
      }),
    );
    await source.idle();

    // Assess
    expect(deliveries).toEqual([
      ['CONV#1', 'CONV#2', 'CONV#3', 'CONV#4'],
      ['CONV#2', 'CONV#3', 'CONV#4'],
    ]);
    expect(errors).toEqual([expect.any(PartialBatchFailureError)]);
  });

  it('gives up the records from the checkpoint when the function keeps reporting them failed', async () => {
    // Prepare
    const failures: StreamBatchFailure[] = [];
    const source = startSource({
      batchSize: 10,
      maxRetryAttempts: 1,
      handler: async (event) => ({
        batchItemFailures: event.Records.filter((record) => record.dynamodb?.Keys?.pk?.S !== 'CONV#1').map(
          (record) => ({ itemIdentifier: record.dynamodb?.SequenceNumber }),
        ),
      }),
      onFailure: (failure) => {
        failures.push(failure);
      },
      onError: () => undefined,
    });

    // Act
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: ['CONV#1', 'CONV#2', 'CONV#3'].map((pk) => ({
          Put: { TableName: tableName, Item: key(pk) },
        })),
      }),
    );
    await source.idle();

    // Assess
    expect(failures).toHaveLength(1);
    expect(failures[0]?.error).toBeInstanceOf(PartialBatchFailureError);
    expect(failures[0]?.attempts).toBe(2);
    expect(failures[0]?.records.map((record) => record.dynamodb?.Keys?.pk?.S)).toEqual(['CONV#2', 'CONV#3']);
  });

  it('gives a batch up to the on-failure destination after its retries, then goes on in order', async () => {
    // Prepare
    const failures: StreamBatchFailure[] = [];
    const errors: string[] = [];
    const processed: string[] = [];
    const source = startSource({
      batchSize: 1,
      maxRetryAttempts: 2,
      handler: async (event) => {
        const pk = event.Records[0]?.dynamodb?.Keys?.pk?.S ?? '';
        if (pk === 'CONV#poison') throw new Error('cannot publish');
        processed.push(pk);
      },
      onFailure: (failure) => {
        failures.push(failure);
      },
      onError: (message) => errors.push(message),
    });

    // Act
    for (const pk of ['CONV#1', 'CONV#poison', 'CONV#2']) {
      await client.send(new PutItemCommand({ TableName: tableName, Item: key(pk) }));
    }
    await source.idle();

    // Assess
    expect(processed).toEqual(['CONV#1', 'CONV#2']);
    expect(errors).toHaveLength(2);
    expect(failures).toHaveLength(1);
    const [failure] = failures;
    if (failure === undefined) throw new Error('no failure was reported');
    expect(failure.attempts).toBe(3);
    expect(failure.error).toEqual(new Error('cannot publish'));
    expect(failure.records.map((record) => record.dynamodb?.Keys?.pk?.S)).toEqual(['CONV#poison']);
    const destinationRecord = streamFailureRecord(failure, {
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:carebridge-domain-events',
    });
    expect(destinationRecord).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      responseContext: { functionError: 'Unhandled' },
      DDBStreamBatchInfo: {
        batchSize: 1,
        startSequenceNumber: failure.records[0]?.dynamodb?.SequenceNumber,
        endSequenceNumber: failure.records[0]?.dynamodb?.SequenceNumber,
        streamArn: failure.records[0]?.eventSourceARN,
      },
    });
  });

  it('drains the records it holds when stopped, and refuses records after', async () => {
    // Prepare
    const processed: string[] = [];
    const errors: string[] = [];
    const source = startDynamoStreamSource({
      functionName: 'carebridge-domain-events',
      createContext: context,
      maxBatchingWindowMs: 60_000,
      handler: async (event) => {
        processed.push(...event.Records.map((record) => record.dynamodb?.Keys?.pk?.S ?? ''));
      },
      onError: (message) => errors.push(message),
    });
    const unsubscribe = emulator.subscribeStream(source.push, { tableName });
    cleanups.push(unsubscribe);
    await client.send(new PutItemCommand({ TableName: tableName, Item: key('CONV#1') }));

    // Act
    await source.stop();
    await client.send(new PutItemCommand({ TableName: tableName, Item: key('CONV#2') }));

    // Assess
    expect(processed).toEqual(['CONV#1']);
    expect(errors).toEqual([expect.stringContaining('is stopped')]);
  });
});

describe('checkpointOf', () => {
  const records: DynamoDBRecord[] = [
    '100000000000000000001',
    '100000000000000000002',
    '100000000000000000003',
  ].map((SequenceNumber) => ({ dynamodb: { SequenceNumber } }));
  const failing = (...identifiers: unknown[]) => ({
    batchItemFailures: identifiers.map((itemIdentifier) => ({ itemIdentifier })),
  });

  it('treats no failures as complete success', () => {
    expect(checkpointOf(records, undefined)).toBeUndefined();
    expect(checkpointOf(records, { batchItemFailures: [] })).toBeUndefined();
    expect(checkpointOf(records, { batchItemFailures: null })).toBeUndefined();
  });

  it('checkpoints at the lowest sequence number reported', () => {
    expect(checkpointOf(records, failing('100000000000000000003', '100000000000000000002'))).toBe(1);
  });

  it('fails the whole batch for a response naming no record of it', () => {
    expect(checkpointOf(records, failing('999'))).toBe(0);
    expect(checkpointOf(records, failing(''))).toBe(0);
    expect(checkpointOf(records, failing(undefined))).toBe(0);
    expect(checkpointOf(records, { batchItemFailures: 'all' })).toBe(0);
  });
});
