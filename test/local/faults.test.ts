import { randomUUID } from 'node:crypto';
import {
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createTable } from '../../local/create-table.js';
import { type DynamoEmulator, startDynamoEmulator } from '../../local/dynamodb-emulator.js';
import {
  armable,
  createFaultInjector,
  echoFaults,
  type FaultInjector,
  FaultSpecError,
  faultsFromEnvironment,
  mulberry32,
  parseFaultSpec,
} from '../../local/faults.js';
import { createLambdaContext } from '../../local/lambda-context.js';
import { LambdaCrashError, withCrashFault } from '../../local/lambda-crash.js';

const ISSUE_SPEC = 'dynamodb.conflict=0.05,dynamodb.throttle=0.02,sqs.duplicate=0.05,lambda.crash=0.02';

describe('parseFaultSpec', () => {
  it('reads each fault`s share and the seed', () => {
    // Act
    const faults = parseFaultSpec(`${ISSUE_SPEC},seed=42`);

    // Assess
    expect(faults).toEqual({
      rates: {
        'dynamodb.conflict': 0.05,
        'dynamodb.throttle': 0.02,
        'sqs.duplicate': 0.05,
        'lambda.crash': 0.02,
      },
      seed: 42,
    });
  });

  it('takes the seed from CAREBRIDGE_FAULTS_SEED when the spec names none, and echoes a replayable spec', () => {
    // Act
    const faults = parseFaultSpec(' lambda.crash = 0.5 ,', '7');

    // Assess
    expect(faults.seed).toBe(7);
    expect(echoFaults(faults).spec).toBe('lambda.crash=0.5,seed=7');
    expect(parseFaultSpec(echoFaults(faults).spec)).toEqual(faults);
  });

  it.each([
    ['dynamodb.conflit=0.1', 'fault spec part "dynamodb.conflit=0.1": unknown fault'],
    ['sqs.duplicate', 'fault spec part "sqs.duplicate": expected name=value'],
    ['lambda.crash=2', 'fault spec part "lambda.crash=2": the share must be a number from 0 to 1'],
    ['lambda.crash=lots', 'fault spec part "lambda.crash=lots": the share must be a number from 0 to 1'],
    ['seed=-1', 'fault spec part "seed=-1": the seed must be an integer'],
  ])('refuses %s, naming the part', (spec, message) => {
    // Act
    const act = () => parseFaultSpec(spec);

    // Assess
    expect(act).toThrow(FaultSpecError);
    expect(act).toThrow(message);
  });
});

describe('faultsFromEnvironment', () => {
  it('is off when CAREBRIDGE_FAULTS is unset, empty or all zero', () => {
    // Act & Assess
    expect(faultsFromEnvironment({})).toBeUndefined();
    expect(faultsFromEnvironment({ CAREBRIDGE_FAULTS: ' ' })).toBeUndefined();
    expect(faultsFromEnvironment({ CAREBRIDGE_FAULTS: 'lambda.crash=0' })).toBeUndefined();
  });

  it('reads CAREBRIDGE_FAULTS and CAREBRIDGE_FAULTS_SEED', () => {
    // Act
    const faults = faultsFromEnvironment({ CAREBRIDGE_FAULTS: ISSUE_SPEC, CAREBRIDGE_FAULTS_SEED: '9' });

    // Assess
    expect(faults?.seed).toBe(9);
    expect(faults?.rates['sqs.duplicate']).toBe(0.05);
  });
});

describe('createFaultInjector', () => {
  it('hits about the given share, the same operations for the same seed, each fault on its own stream', () => {
    // Prepare
    const faults = parseFaultSpec('dynamodb.conflict=0.05,lambda.crash=0.5,seed=1234');
    const decide = (injector: FaultInjector) =>
      Array.from({ length: 20_000 }, () => injector.hits('dynamodb.conflict'));

    // Act
    const first = decide(createFaultInjector(faults));
    const replay = createFaultInjector(faults);
    for (let index = 0; index < 100; index++) replay.hits('lambda.crash');
    const second = decide(replay);

    // Assess
    const share = first.filter(Boolean).length / first.length;
    expect(share).toBeGreaterThan(0.04);
    expect(share).toBeLessThan(0.06);
    expect(second).toEqual(first);
  });

  it('never hits a fault whose share is 0', () => {
    // Prepare
    const injector = createFaultInjector(parseFaultSpec('lambda.crash=1,seed=1'));

    // Act
    const hits = Array.from({ length: 1_000 }, () => injector.hits('dynamodb.throttle'));

    // Assess
    expect(hits.some(Boolean)).toBe(false);
    expect(injector.hits('lambda.crash')).toBe(true);
  });

  it('draws from mulberry32, whose sequence is fixed by its seed', () => {
    // Act
    const a = mulberry32(42);
    const b = mulberry32(42);
    const values = Array.from({ length: 5 }, () => a());

    // Assess
    expect(values).toEqual(Array.from({ length: 5 }, () => b()));
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(new Set(values).size).toBe(5);
  });
});

describe('DynamoDB emulator faults', () => {
  let emulator: DynamoEmulator | undefined;
  let client: DynamoDBClient | undefined;

  afterEach(async () => {
    client?.destroy();
    await emulator?.stop();
  });

  async function start(faults?: FaultInjector): Promise<{ client: DynamoDBClient; tableName: string }> {
    emulator = await startDynamoEmulator(faults ? { faults } : {});
    client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    const tableName = `faults-${randomUUID().slice(0, 8)}`;
    await createTable(client, tableName);
    return { client, tableName };
  }

  const only = (fault: 'dynamodb.conflict' | 'dynamodb.throttle'): FaultInjector => ({
    hits: (name) => name === fault,
    pick: (_, count) => count - 1,
    injected: () => ({
      'dynamodb.conflict': 0,
      'dynamodb.throttle': 0,
      'sqs.duplicate': 0,
      'lambda.crash': 0,
    }),
  });

  it('injects nothing by default', async () => {
    // Prepare
    const { client, tableName } = await start();

    // Act
    for (let index = 0; index < 20; index++) {
      await client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: tableName, Item: { pk: { S: `A#${index}` }, sk: { S: 'A' } } } },
          ],
        }),
      );
    }

    // Assess
    const { Item } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'A#19' }, sk: { S: 'A' } } }),
    );
    expect(Item).toBeDefined();
  });

  it('throttles data-plane requests as DynamoDB does, which the SDK classifies as throttling', async () => {
    // Prepare
    const { client, tableName } = await start(only('dynamodb.throttle'));

    // Act
    const error = await client
      .send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'T' }, sk: { S: 'T' } } }))
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(error).toMatchObject({ $retryable: undefined, $metadata: { httpStatusCode: 400 } });
  });

  it('cancels a transaction with a TransactionConflict reason and writes none of it', async () => {
    // Prepare
    const { client, tableName } = await start(only('dynamodb.conflict'));
    const item = (pk: string) => ({ Put: { TableName: tableName, Item: { pk: { S: pk }, sk: { S: 'C' } } } });

    // Act
    const error = await client
      .send(new TransactWriteItemsCommand({ TransactItems: [item('C#1'), item('C#2')] }))
      .catch((caught: unknown) => caught);

    // Assess
    if (!(error instanceof TransactionCanceledException)) throw new Error('expected a cancelled transaction');
    expect(error.CancellationReasons?.map((reason) => reason.Code)).toEqual(['None', 'TransactionConflict']);
    const { Item } = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'C#1' }, sk: { S: 'C' } } }),
    );
    expect(Item).toBeUndefined();
  });

  it('refuses a transaction over 4 MB with a ValidationException, as DynamoDB does', async () => {
    // Prepare
    const { client, tableName } = await start();
    const filler = 'x'.repeat(390 * 1024);
    const items = Array.from({ length: 11 }, (_, index) => ({
      Put: { TableName: tableName, Item: { pk: { S: `BIG#${index}` }, sk: { S: 'B' }, data: { S: filler } } },
    }));

    // Act
    const error = await client
      .send(new TransactWriteItemsCommand({ TransactItems: items }))
      .catch((caught: unknown) => caught);
    const ten = await client.send(new TransactWriteItemsCommand({ TransactItems: items.slice(0, 10) }));

    // Assess
    expect(error).toMatchObject({
      name: 'ValidationException',
      message: 'Transaction request cannot be larger than 4 MB',
    });
    expect(ten.$metadata.httpStatusCode).toBe(200);
  });
});

describe('withCrashFault', () => {
  let emulator: DynamoEmulator | undefined;
  let client: DynamoDBClient | undefined;

  afterEach(async () => {
    client?.destroy();
    await emulator?.stop();
  });

  const context = () =>
    createLambdaContext({
      functionName: 'carebridge-test',
      region: 'us-east-1',
      accountId: '000000000000',
      timeoutMs: 10_000,
      memoryLimitInMB: 128,
    });

  it('ends a chosen invocation right after its first AWS write; the write stays, nothing after it runs', async () => {
    // Prepare
    emulator = await startDynamoEmulator();
    const sdk = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    client = sdk;
    const tableName = `crash-${randomUUID().slice(0, 8)}`;
    await createTable(sdk, tableName);
    const reached: string[] = [];
    const handler = async (pk: string) => {
      await sdk.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk }, sk: { S: 'X' } } }));
      reached.push(`${pk}: read`);
      await sdk.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: pk }, sk: { S: 'X' } } }));
      reached.push(`${pk}: wrote once`);
      await sdk.send(
        new PutItemCommand({ TableName: tableName, Item: { pk: { S: `${pk}-2` }, sk: { S: 'X' } } }),
      );
      return 'done';
    };

    // Act
    const crashing = withCrashFault(handler, () => true);
    const healthy = withCrashFault(handler, () => false);
    const crashed = await crashing('crashed', context()).catch((caught: unknown) => caught);
    const completed = await healthy('healthy', context());
    await new Promise((resolve) => setTimeout(resolve, 50));

    // Assess
    expect(crashed).toBeInstanceOf(LambdaCrashError);
    expect(completed).toBe('done');
    expect(reached).toEqual(['crashed: read', 'healthy: read', 'healthy: wrote once']);
    const get = (pk: string) =>
      sdk.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk }, sk: { S: 'X' } } }));
    expect((await get('crashed')).Item).toBeDefined();
    expect((await get('crashed-2')).Item).toBeUndefined();
    expect((await get('healthy-2')).Item).toBeDefined();
  });
});

describe('armable', () => {
  it('hits nothing until armed, then as the wrapped injector does', () => {
    // Prepare
    const injector = armable(createFaultInjector(parseFaultSpec('lambda.crash=1,seed=3')));

    // Act
    const before = injector.hits('lambda.crash');
    injector.arm();
    const after = injector.hits('lambda.crash');

    // Assess
    expect([before, after]).toEqual([false, true]);
    expect(injector.injected()['lambda.crash']).toBe(1);
  });
});
