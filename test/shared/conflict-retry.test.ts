import { randomUUID } from 'node:crypto';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable } from '../../local/create-table.js';
import { type DynamoEmulator, startDynamoEmulator } from '../../local/dynamodb-emulator.js';
import type { FaultInjector } from '../../local/faults.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { mergeCustomers } from '../../shared/ingest/merge-customers.js';
import { findCustomerByIdentity, getCustomer } from '../../shared/store/customers.js';
import { createDb, type Db } from '../../shared/store/db.js';
import { fullJitterDelay, transactWrite } from '../../shared/store/transact-write.js';
import { clock, email, inbound, phone } from '../support/inbound.js';

/**
 * DynamoDB cancels a transaction with `TransactionConflict` when another one holds an item; the emulator
 * does so here for the next `conflicts` transactions. The domain retries such a cancellation with backoff
 * and jitter, so a burst of conflicts longer than ingest's re-read loop still records the message once.
 */

let conflicts = 0;
const scriptedConflicts: FaultInjector = {
  hits: (fault) => fault === 'dynamodb.conflict' && conflicts-- > 0,
  pick: () => 0,
  injected: () => ({ 'dynamodb.conflict': 0, 'dynamodb.throttle': 0, 'sqs.duplicate': 0, 'lambda.crash': 0 }),
};

let emulator: DynamoEmulator;
let db: Db;

beforeAll(async () => {
  emulator = await startDynamoEmulator({ faults: scriptedConflicts });
  const config = {
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  db = createDb(`conflicts-${randomUUID().slice(0, 8)}`, config);
  const admin = new DynamoDBClient(config);
  await createTable(admin, db.tableName);
  admin.destroy();
});

afterAll(async () => {
  conflicts = 0;
  db?.doc.destroy();
  await emulator?.stop();
});

describe('retrying transactions cancelled for conflicts', () => {
  it('records a first message once when its first seven transactions are cancelled for conflicts', async () => {
    // Prepare
    const message = inbound([email('conflicted@example.com')]);
    conflicts = 7;

    // Act
    const result = await ingestInbound(db, message, clock);

    // Assess
    expect(conflicts).toBeLessThanOrEqual(0);
    expect(result).toMatchObject({ outcome: 'recorded', customerCreated: true });
    const customer = await findCustomerByIdentity(db, email('conflicted@example.com'));
    expect(customer?.customerId).toBe(result.customerId);
  });

  it('merges two customers in one call when the merge transaction first meets seven conflicts', async () => {
    // Prepare
    const first = await ingestInbound(db, inbound([email('merge-a@example.com')]), clock);
    const second = await ingestInbound(db, inbound([phone('+14155550123')]), clock);
    conflicts = 7;

    // Act
    const merged = await mergeCustomers(db, [first.customerId, second.customerId], clock);

    // Assess
    expect(merged).toEqual([second.customerId]);
    expect((await getCustomer(db, second.customerId)).customerId).toBe(first.customerId);
  });

  it('gives a cancellation for a failed condition back at once, without retrying it', async () => {
    // Prepare
    const key = { pk: `TEST#${randomUUID()}`, sk: 'TEST' };
    let sleeps = 0;
    const retry = { attempts: 8, baseMs: 1, capMs: 1, sleep: async () => void sleeps++ };

    // Act
    const error = await transactWrite(
      db,
      [
        {
          ConditionCheck: { TableName: db.tableName, Key: key, ConditionExpression: 'attribute_exists(pk)' },
        },
      ],
      retry,
    ).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(sleeps).toBe(0);
  });

  it('gives the conflict back once its attempts are spent', async () => {
    // Prepare
    const waits: number[] = [];
    const retry = {
      attempts: 3,
      baseMs: 10,
      capMs: 1_000,
      random: () => 0.5,
      sleep: async (ms: number) => void waits.push(ms),
    };
    conflicts = 3;

    // Act
    const error = await transactWrite(
      db,
      [{ Put: { TableName: db.tableName, Item: { pk: `TEST#${randomUUID()}`, sk: 'TEST' } } }],
      retry,
    ).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(waits).toEqual([5, 10]);
  });
});

describe('fullJitterDelay', () => {
  it('waits a uniform share of a ceiling that doubles per retry up to the cap', () => {
    // Prepare
    const retry = { baseMs: 25, capMs: 800 };

    // Act
    const ceilings = [1, 2, 3, 4, 5, 6, 7].map((attempt) => fullJitterDelay(attempt, retry, () => 0.999_999));
    const lowest = fullJitterDelay(4, retry, () => 0);

    // Assess
    expect(ceilings).toEqual([24, 49, 99, 199, 399, 799, 799]);
    expect(lowest).toBe(0);
  });
});
