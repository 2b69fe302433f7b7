import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { CapacityMeter } from '../../bench/capacity-meter.js';
import { RequestCounter } from '../../bench/request-counter.js';
import { useDynamoTable } from '../support/dynamodb.js';

const dynamo = useDynamoTable();

/** A document client whose requests are counted and metered, beside the meter's own uncounted client. */
async function meteredDoc() {
  const config = {
    region: 'us-east-1',
    endpoint: dynamo.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const counter = new RequestCounter();
  const meter = new CapacityMeter(counter, new DynamoDBClient(config));
  await meter.learnTable(dynamo.tableName);
  const client = new DynamoDBClient(config);
  counter.attach(client);
  meter.attach(client);
  return { counter, doc: DynamoDBDocumentClient.from(client) };
}

const timelineEntry = {
  pk: 'MESSAGE#webform#contact:1',
  sk: 'MESSAGE',
  gsi1pk: 'CUSTOMER#1',
  gsi1sk: 'INTERACTION#2026-11-26T12:00:00.000Z#1',
  body: 'hello',
};

describe('CapacityMeter', () => {
  it('adds the index write of a put, which the emulator does not report', async () => {
    // Prepare
    const { counter, doc } = await meteredDoc();

    // Act
    await doc.send(new PutCommand({ TableName: dynamo.tableName, Item: timelineEntry }));

    // Assess
    expect(counter.take()).toEqual([
      expect.objectContaining({ command: 'PutItem', reportedWriteUnits: 1, computedWriteUnits: 2 }),
    ]);
  });

  it('charges a conditional put that fails one write unit', async () => {
    // Prepare
    const { counter, doc } = await meteredDoc();
    await doc.send(new PutCommand({ TableName: dynamo.tableName, Item: timelineEntry }));
    counter.take();

    // Act
    const retry = doc.send(
      new PutCommand({
        TableName: dynamo.tableName,
        Item: timelineEntry,
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );

    // Assess
    await expect(retry).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(counter.take()).toEqual([
      expect.objectContaining({
        command: 'PutItem',
        failures: 1,
        reportedWriteUnits: 0,
        computedWriteUnits: 1,
      }),
    ]);
  });

  it('charges each key of a batch read half a unit, found or not', async () => {
    // Prepare
    const { counter, doc } = await meteredDoc();
    await doc.send(new PutCommand({ TableName: dynamo.tableName, Item: timelineEntry }));
    counter.take();

    // Act
    await doc.send(
      new BatchGetCommand({
        RequestItems: {
          [dynamo.tableName]: {
            Keys: [
              { pk: timelineEntry.pk, sk: 'MESSAGE' },
              { pk: 'MESSAGE#webform#contact:missing', sk: 'MESSAGE' },
            ],
          },
        },
      }),
    );

    // Assess
    expect(counter.take()).toEqual([
      expect.objectContaining({ command: 'BatchGetItem', computedReadUnits: 1 }),
    ]);
  });
});
