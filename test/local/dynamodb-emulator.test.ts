import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  IdempotentParameterMismatchException,
  PutItemCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, ScanCommand, TransactGetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createTable } from '../../local/create-table.js';
import { type IndexDefinition, TABLE_INDEXES } from '../../shared/store/table-definition.js';
import { useDynamoTable } from '../support/dynamodb.js';

const dynamo = useDynamoTable();

const s = (value: string): AttributeValue => ({ S: value });
const n = (value: number): AttributeValue => ({ N: String(value) });

async function putItems(...items: Record<string, unknown>[]): Promise<void> {
  for (const item of items) {
    await dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName, Item: item }));
  }
}

async function getItem(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await dynamo.doc.send(
    new GetCommand({ TableName: dynamo.tableName, Key: { pk, sk }, ConsistentRead: true }),
  );
  return Item;
}

async function queryGsi1(gsi1pk: string): Promise<Record<string, unknown>[]> {
  const { Items } = await dynamo.doc.send(
    new QueryCommand({
      TableName: dynamo.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': gsi1pk },
    }),
  );
  return Items ?? [];
}

async function scanAll(): Promise<Record<string, unknown>[]> {
  const { Items } = await dynamo.doc.send(
    new ScanCommand({ TableName: dynamo.tableName, ConsistentRead: true }),
  );
  return Items ?? [];
}

function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the request to be rejected');
    },
    (error: unknown) => error,
  );
}

describe('TransactWriteItems', () => {
  it('applies every Put, Update, Delete and ConditionCheck when all conditions hold', async () => {
    // Prepare
    await putItems(
      { pk: 'CUSTOMER#1', sk: 'PROFILE', visits: 1 },
      { pk: 'CUSTOMER#1', sk: 'OLD' },
      { pk: 'CUSTOMER#1', sk: 'CONSENT', email: true },
    );

    // Act
    await dynamo.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
              TableName: dynamo.tableName,
              Item: { pk: s('CUSTOMER#1'), sk: s('IDENTITY#email') },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              TableName: dynamo.tableName,
              Key: { pk: s('CUSTOMER#1'), sk: s('PROFILE') },
              UpdateExpression: 'SET visits = visits + :one, #name = if_not_exists(#name, :name)',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeNames: { '#name': 'name' },
              ExpressionAttributeValues: { ':one': n(1), ':name': s('Ada') },
            },
          },
          { Delete: { TableName: dynamo.tableName, Key: { pk: s('CUSTOMER#1'), sk: s('OLD') } } },
          {
            ConditionCheck: {
              TableName: dynamo.tableName,
              Key: { pk: s('CUSTOMER#1'), sk: s('CONSENT') },
              ConditionExpression: 'email = :yes',
              ExpressionAttributeValues: { ':yes': { BOOL: true } },
            },
          },
        ],
      }),
    );

    // Assess
    expect(await getItem('CUSTOMER#1', 'IDENTITY#email')).toEqual({ pk: 'CUSTOMER#1', sk: 'IDENTITY#email' });
    expect(await getItem('CUSTOMER#1', 'PROFILE')).toEqual({
      pk: 'CUSTOMER#1',
      sk: 'PROFILE',
      visits: 2,
      name: 'Ada',
    });
    expect(await getItem('CUSTOMER#1', 'OLD')).toBeUndefined();
    expect(await getItem('CUSTOMER#1', 'CONSENT')).toEqual({ pk: 'CUSTOMER#1', sk: 'CONSENT', email: true });
  });

  it('writes nothing and gives one cancellation reason per item, in order, when one condition fails', async () => {
    // Prepare
    await putItems({ pk: 'CUSTOMER#1', sk: 'PROFILE', status: 'active' }, { pk: 'CUSTOMER#1', sk: 'OLD' });

    // Act
    const error = await rejectionOf(
      dynamo.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: dynamo.tableName, Item: { pk: s('CUSTOMER#2'), sk: s('PROFILE') } } },
            {
              Update: {
                TableName: dynamo.tableName,
                Key: { pk: s('CUSTOMER#1'), sk: s('PROFILE') },
                UpdateExpression: 'SET #status = :merged',
                ConditionExpression: '#status = :closed',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':merged': s('merged'), ':closed': s('closed') },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            { Delete: { TableName: dynamo.tableName, Key: { pk: s('CUSTOMER#1'), sk: s('OLD') } } },
            {
              ConditionCheck: {
                TableName: dynamo.tableName,
                Key: { pk: s('CUSTOMER#3'), sk: s('PROFILE') },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      ),
    );

    // Assess
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(error).toMatchObject({
      $metadata: { httpStatusCode: 400 },
      message:
        'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, None, None]',
    });
    expect(error instanceof TransactionCanceledException && error.CancellationReasons).toEqual([
      { Code: 'None' },
      {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        Item: { pk: s('CUSTOMER#1'), sk: s('PROFILE'), status: s('active') },
      },
      { Code: 'None' },
      { Code: 'None' },
    ]);
    expect(await scanAll()).toHaveLength(2);
    expect(await getItem('CUSTOMER#1', 'PROFILE')).toEqual({
      pk: 'CUSTOMER#1',
      sk: 'PROFILE',
      status: 'active',
    });
    expect(await getItem('CUSTOMER#1', 'OLD')).toBeDefined();
  });

  it('omits the old item from a failed condition unless ReturnValuesOnConditionCheckFailure is ALL_OLD', async () => {
    // Prepare
    await putItems({ pk: 'CUSTOMER#1', sk: 'PROFILE' });

    // Act
    const error = await rejectionOf(
      dynamo.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: dynamo.tableName,
                Item: { pk: s('CUSTOMER#1'), sk: s('PROFILE') },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      ),
    );

    // Assess
    expect(error instanceof TransactionCanceledException && error.CancellationReasons).toEqual([
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
    ]);
  });

  it('cancels and restores the items and indexes already written when an update fails on the stored data', async () => {
    // Prepare
    await putItems(
      { pk: 'CUSTOMER#1', sk: 'PROFILE', version: 1, gsi1pk: 'SEGMENT#old', gsi1sk: 'CUSTOMER#1' },
      { pk: 'CUSTOMER#1', sk: 'COUNTER', count: 'not a number' },
    );

    // Act
    const error = await rejectionOf(
      dynamo.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: dynamo.tableName,
                Item: {
                  pk: s('CUSTOMER#1'),
                  sk: s('PROFILE'),
                  version: n(2),
                  gsi1pk: s('SEGMENT#new'),
                  gsi1sk: s('CUSTOMER#1'),
                },
              },
            },
            { Put: { TableName: dynamo.tableName, Item: { pk: s('CUSTOMER#2'), sk: s('PROFILE') } } },
            {
              Update: {
                TableName: dynamo.tableName,
                Key: { pk: s('CUSTOMER#1'), sk: s('COUNTER') },
                UpdateExpression: 'SET #count = #count + :one',
                ExpressionAttributeNames: { '#count': 'count' },
                ExpressionAttributeValues: { ':one': n(1) },
              },
            },
          ],
        }),
      ),
    );

    // Assess
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(error instanceof TransactionCanceledException && error.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'None' },
      { Code: 'ValidationError', Message: 'An operand in the update expression has an incorrect data type' },
    ]);
    expect(await getItem('CUSTOMER#1', 'PROFILE')).toMatchObject({ version: 1, gsi1pk: 'SEGMENT#old' });
    expect(await getItem('CUSTOMER#2', 'PROFILE')).toBeUndefined();
    expect(await queryGsi1('SEGMENT#old')).toHaveLength(1);
    expect(await queryGsi1('SEGMENT#new')).toEqual([]);
  });

  it('maintains the global secondary indexes for a transactional put, update and delete', async () => {
    // Prepare
    const key = { pk: s('CONVERSATION#1'), sk: s('META') };

    // Act
    await dynamo.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
              TableName: dynamo.tableName,
              Item: { ...key, gsi1pk: s('CUSTOMER#1'), gsi1sk: s('CONVERSATION#1'), status: s('open') },
            },
          },
        ],
      }),
    );
    const afterPut = await queryGsi1('CUSTOMER#1');
    await dynamo.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: dynamo.tableName,
              Key: key,
              UpdateExpression: 'SET gsi1pk = :customer, #status = :merged',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':customer': s('CUSTOMER#2'), ':merged': s('merged') },
            },
          },
        ],
      }),
    );
    const oldPartitionAfterUpdate = await queryGsi1('CUSTOMER#1');
    const newPartitionAfterUpdate = await queryGsi1('CUSTOMER#2');
    await dynamo.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Delete: { TableName: dynamo.tableName, Key: key } }],
      }),
    );
    const afterDelete = await queryGsi1('CUSTOMER#2');

    // Assess
    expect(afterPut).toEqual([
      { pk: 'CONVERSATION#1', sk: 'META', gsi1pk: 'CUSTOMER#1', gsi1sk: 'CONVERSATION#1', status: 'open' },
    ]);
    expect(oldPartitionAfterUpdate).toEqual([]);
    expect(newPartitionAfterUpdate).toEqual([
      { pk: 'CONVERSATION#1', sk: 'META', gsi1pk: 'CUSTOMER#2', gsi1sk: 'CONVERSATION#1', status: 'merged' },
    ]);
    expect(afterDelete).toEqual([]);
  });

  it('lets exactly one of 20 concurrent transactions create the same item', async () => {
    // Prepare
    const attempts = Array.from({ length: 20 }, (_, attempt) =>
      dynamo.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: dynamo.tableName,
                Item: { pk: s('CUSTOMER#1'), sk: s('PROFILE'), createdBy: n(attempt) },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: dynamo.tableName,
                Item: { pk: s(`CLAIM#${attempt}`), sk: s('CLAIM'), attempt: n(attempt) },
              },
            },
          ],
        }),
      ),
    );

    // Act
    const outcomes = await Promise.allSettled(attempts);

    // Assess
    const winners = outcomes.flatMap((outcome, attempt) => (outcome.status === 'fulfilled' ? [attempt] : []));
    const losers = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(19);
    for (const loser of losers) expect(loser).toBeInstanceOf(TransactionCanceledException);
    const items = await scanAll();
    expect(items).toHaveLength(2);
    expect(await getItem('CUSTOMER#1', 'PROFILE')).toMatchObject({ createdBy: winners[0] });
    expect(await getItem(`CLAIM#${winners[0]}`, 'CLAIM')).toBeDefined();
  });

  it('never lets a concurrent query or TransactGetItems observe a half-applied transaction', async () => {
    // Prepare
    await putItems({ pk: 'LEDGER', sk: 'A', balance: 100 }, { pk: 'LEDGER', sk: 'B', balance: 0 });
    const transfer = () =>
      dynamo.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName: dynamo.tableName,
                Key: { pk: s('LEDGER'), sk: s('A') },
                UpdateExpression: 'SET balance = balance - :one',
                ConditionExpression: 'balance >= :one',
                ExpressionAttributeValues: { ':one': n(1) },
              },
            },
            {
              Update: {
                TableName: dynamo.tableName,
                Key: { pk: s('LEDGER'), sk: s('B') },
                UpdateExpression: 'SET balance = balance + :one',
                ExpressionAttributeValues: { ':one': n(1) },
              },
            },
          ],
        }),
      );
    const totalByQuery = async () => {
      const { Items = [] } = await dynamo.doc.send(
        new QueryCommand({
          TableName: dynamo.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'LEDGER' },
          ConsistentRead: true,
        }),
      );
      return Items.reduce((total, item) => total + Number(item.balance), 0);
    };
    const totalByTransactGet = async () => {
      const { Responses = [] } = await dynamo.doc.send(
        new TransactGetCommand({
          TransactItems: ['A', 'B'].map((sk) => ({
            Get: { TableName: dynamo.tableName, Key: { pk: 'LEDGER', sk } },
          })),
        }),
      );
      return Responses.reduce((total, response) => total + Number(response.Item?.balance), 0);
    };

    // Act
    const work = Array.from({ length: 25 }, () => [transfer(), totalByQuery(), totalByTransactGet()]).flat();
    const results = await Promise.all(work);

    // Assess
    const totals = results.filter((result) => typeof result === 'number');
    expect(totals).toHaveLength(50);
    expect(new Set(totals)).toEqual(new Set([100]));
    expect(await getItem('LEDGER', 'A')).toMatchObject({ balance: 75 });
    expect(await getItem('LEDGER', 'B')).toMatchObject({ balance: 25 });
  });

  it('rejects two operations on the same item with a ValidationException and writes nothing', async () => {
    // Prepare
    const key = { pk: s('CUSTOMER#1'), sk: s('PROFILE') };

    // Act
    const error = await rejectionOf(
      dynamo.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: dynamo.tableName, Item: { pk: s('CUSTOMER#2'), sk: s('PROFILE') } } },
            { Put: { TableName: dynamo.tableName, Item: key } },
            {
              ConditionCheck: {
                TableName: dynamo.tableName,
                Key: key,
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      ),
    );

    // Assess
    expect(error).toMatchObject({
      name: 'ValidationException',
      message: 'Transaction request cannot include multiple operations on one item',
      $metadata: { httpStatusCode: 400 },
    });
    expect(await scanAll()).toEqual([]);
  });

  it('rejects a transaction of more than 100 items with a ValidationException', async () => {
    // Prepare
    const puts = Array.from({ length: 101 }, (_, index) => ({
      Put: { TableName: dynamo.tableName, Item: { pk: s(`ITEM#${index}`), sk: s('META') } },
    }));

    // Act
    const error = await rejectionOf(
      dynamo.client.send(new TransactWriteItemsCommand({ TransactItems: puts })),
    );

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException' });
    expect(error instanceof Error && error.message).toContain("'transactItems'");
    expect(await scanAll()).toEqual([]);
  });

  it('does not apply a transaction again when it is retried with the same ClientRequestToken', async () => {
    // Prepare
    const command = new TransactWriteItemsCommand({
      ClientRequestToken: 'retry-token-1',
      TransactItems: [
        {
          Update: {
            TableName: dynamo.tableName,
            Key: { pk: s('CUSTOMER#1'), sk: s('PROFILE') },
            UpdateExpression: 'ADD visits :one',
            ExpressionAttributeValues: { ':one': n(1) },
          },
        },
      ],
    });

    // Act
    await dynamo.client.send(command);
    await dynamo.client.send(command);

    // Assess
    expect(await getItem('CUSTOMER#1', 'PROFILE')).toMatchObject({ visits: 1 });
  });

  it('rejects a ClientRequestToken reused with different items', async () => {
    // Prepare
    const putWithToken = (sk: string) =>
      new TransactWriteItemsCommand({
        ClientRequestToken: 'reused-token',
        TransactItems: [{ Put: { TableName: dynamo.tableName, Item: { pk: s('CUSTOMER#1'), sk: s(sk) } } }],
      });
    await dynamo.client.send(putWithToken('FIRST'));

    // Act
    const error = await rejectionOf(dynamo.client.send(putWithToken('SECOND')));

    // Assess
    expect(error).toBeInstanceOf(IdempotentParameterMismatchException);
    expect(await getItem('CUSTOMER#1', 'SECOND')).toBeUndefined();
  });

  it('charges no write to a KEYS_ONLY index when an update keeps the index keys', async () => {
    // Prepare
    await putItems({
      pk: 'CONVERSATION#1',
      sk: 'META',
      status: 'open',
      gsi1pk: 'CUSTOMER#1',
      gsi1sk: 'CONVERSATION#1',
      gsi2pk: 'QUEUE#tier1',
      gsi2sk: '2030-01-01T00:00:00Z',
    });
    const gsi2: IndexDefinition | undefined = TABLE_INDEXES.find((index) => index.indexName === 'gsi2');

    // Act
    const { ConsumedCapacity } = await dynamo.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: dynamo.tableName,
              Key: { pk: s('CONVERSATION#1'), sk: s('META') },
              UpdateExpression: 'SET #status = :pending',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':pending': s('pending') },
            },
          },
        ],
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );

    // Assess
    expect(gsi2?.projection).toBe('KEYS_ONLY');
    expect(ConsumedCapacity).toEqual([
      {
        TableName: dynamo.tableName,
        CapacityUnits: 3,
        WriteCapacityUnits: 3,
        Table: { CapacityUnits: 2, WriteCapacityUnits: 2 },
        GlobalSecondaryIndexes: { gsi1: { CapacityUnits: 1, WriteCapacityUnits: 1 } },
      },
    ]);
  });

  it('charges 2 WCU for a small transactional put and 1 WCU for its GSI entry', async () => {
    // Prepare
    const item = { pk: s('CUSTOMER#1'), sk: s('PROFILE'), gsi1pk: s('SEGMENT#1'), gsi1sk: s('CUSTOMER#1') };

    // Act
    const { ConsumedCapacity } = await dynamo.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName: dynamo.tableName, Item: item } }],
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );

    // Assess
    expect(ConsumedCapacity).toEqual([
      {
        TableName: dynamo.tableName,
        CapacityUnits: 3,
        WriteCapacityUnits: 3,
        Table: { CapacityUnits: 2, WriteCapacityUnits: 2 },
        GlobalSecondaryIndexes: { gsi1: { CapacityUnits: 1, WriteCapacityUnits: 1 } },
      },
    ]);
  });

  it('charges per started KB of each item, 2 WCU for a condition check and 2 GSI writes for a key move', async () => {
    // Prepare
    await putItems(
      { pk: 'CUSTOMER#1', sk: 'PROFILE', gsi1pk: 'SEGMENT#1', gsi1sk: 'CUSTOMER#1' },
      { pk: 'CUSTOMER#1', sk: 'CONSENT' },
    );
    const largeBody = 'x'.repeat(1500);

    // Act
    const { ConsumedCapacity } = await dynamo.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: dynamo.tableName,
              Key: { pk: s('CUSTOMER#1'), sk: s('PROFILE') },
              UpdateExpression: 'SET gsi1pk = :segment',
              ExpressionAttributeValues: { ':segment': s('SEGMENT#2') },
            },
          },
          {
            Put: {
              TableName: dynamo.tableName,
              Item: { pk: s('INTERACTION#1'), sk: s('META'), body: s(largeBody) },
            },
          },
          {
            ConditionCheck: {
              TableName: dynamo.tableName,
              Key: { pk: s('CUSTOMER#1'), sk: s('CONSENT') },
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
        ],
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );

    // Assess
    expect(ConsumedCapacity).toEqual([
      {
        TableName: dynamo.tableName,
        CapacityUnits: 10,
        WriteCapacityUnits: 10,
        Table: { CapacityUnits: 8, WriteCapacityUnits: 8 },
        GlobalSecondaryIndexes: { gsi1: { CapacityUnits: 2, WriteCapacityUnits: 2 } },
      },
    ]);
  });
});

describe('TransactGetItems', () => {
  it('returns the items in request order, with projections and an empty entry for a missing item', async () => {
    // Prepare
    await putItems(
      { pk: 'CUSTOMER#1', sk: 'PROFILE', name: 'Ada', email: 'ada@example.com' },
      { pk: 'CUSTOMER#2', sk: 'PROFILE', name: 'Grace' },
    );

    // Act
    const { Responses } = await dynamo.doc.send(
      new TransactGetCommand({
        TransactItems: [
          {
            Get: {
              TableName: dynamo.tableName,
              Key: { pk: 'CUSTOMER#1', sk: 'PROFILE' },
              ProjectionExpression: '#name',
              ExpressionAttributeNames: { '#name': 'name' },
            },
          },
          { Get: { TableName: dynamo.tableName, Key: { pk: 'CUSTOMER#9', sk: 'PROFILE' } } },
          { Get: { TableName: dynamo.tableName, Key: { pk: 'CUSTOMER#2', sk: 'PROFILE' } } },
        ],
      }),
    );

    // Assess
    expect(Responses).toEqual([
      { Item: { name: 'Ada' } },
      {},
      { Item: { pk: 'CUSTOMER#2', sk: 'PROFILE', name: 'Grace' } },
    ]);
  });

  it('charges 2 RCU per started 4 KB of each item read', async () => {
    // Prepare
    await putItems({ pk: 'CUSTOMER#1', sk: 'PROFILE', notes: 'x'.repeat(5000) });

    // Act
    const { ConsumedCapacity } = await dynamo.client.send(
      new TransactGetItemsCommand({
        TransactItems: [
          { Get: { TableName: dynamo.tableName, Key: { pk: s('CUSTOMER#1'), sk: s('PROFILE') } } },
          { Get: { TableName: dynamo.tableName, Key: { pk: s('CUSTOMER#9'), sk: s('PROFILE') } } },
        ],
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );

    // Assess
    expect(ConsumedCapacity).toEqual([
      { TableName: dynamo.tableName, CapacityUnits: 6, ReadCapacityUnits: 6 },
    ]);
  });
});

describe('single-item writes', () => {
  it('return the item a failed condition saw when ReturnValuesOnConditionCheckFailure is ALL_OLD', async () => {
    // Prepare
    await putItems({ pk: 'MESSAGE#twilio-1', sk: 'META', interactionId: 'I-1' });

    // Act
    const error = await rejectionOf(
      dynamo.client.send(
        new PutItemCommand({
          TableName: dynamo.tableName,
          Item: { pk: s('MESSAGE#twilio-1'), sk: s('META'), interactionId: s('I-2') },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );

    // Assess
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect(error instanceof ConditionalCheckFailedException && error.Item).toEqual({
      pk: s('MESSAGE#twilio-1'),
      sk: s('META'),
      interactionId: s('I-1'),
    });
  });
});

describe('createTable', () => {
  it('creates the shared single-table definition with its GSI projections, on-demand billing and TTL', async () => {
    // Prepare
    const indexes: readonly IndexDefinition[] = TABLE_INDEXES;

    // Act
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: dynamo.tableName }));
    const { TimeToLiveDescription } = await dynamo.client.send(
      new DescribeTimeToLiveCommand({ TableName: dynamo.tableName }),
    );

    // Assess
    expect(Table).toMatchObject({
      TableStatus: 'ACTIVE',
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    expect(
      Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.Projection?.ProjectionType]),
    ).toEqual(indexes.map((index) => [index.indexName, index.projection ?? 'ALL']));
    expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  it('accepts a table that already exists', async () => {
    // Act
    const secondCall = createTable(dynamo.client, dynamo.tableName);

    // Assess
    await expect(secondCall).resolves.toBeUndefined();
  });
});

describe('UpdateTimeToLive', () => {
  it('rejects enabling TTL that is already enabled', async () => {
    // Act
    const error = await rejectionOf(
      dynamo.client.send(
        new UpdateTimeToLiveCommand({
          TableName: dynamo.tableName,
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        }),
      ),
    );

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', message: 'TimeToLive is already enabled' });
  });

  it('disables TTL and reports it disabled', async () => {
    // Act
    const { TimeToLiveSpecification } = await dynamo.client.send(
      new UpdateTimeToLiveCommand({
        TableName: dynamo.tableName,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: false },
      }),
    );
    const { TimeToLiveDescription } = await dynamo.client.send(
      new DescribeTimeToLiveCommand({ TableName: dynamo.tableName }),
    );

    // Assess
    expect(TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: false });
    expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'DISABLED' });
  });
});
