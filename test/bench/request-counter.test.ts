import { DynamoDBClient, GetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentSdkClients, RequestCounter } from '../../bench/request-counter.js';

/** A recorded request: the operation (from X-Amz-Target) and its JSON body. */
interface SentRequest {
  readonly operation: string;
  readonly body: Record<string, unknown>;
}

type Reply = { readonly status: number; readonly json: Record<string, unknown> };

/**
 * An HTTP handler standing in for the service: records each request and answers with `reply`, so the
 * whole middleware stack (serialization, retries, deserialization) runs without a network.
 */
function fakeService(reply: (operation: string) => Reply) {
  const sent: SentRequest[] = [];
  const handler = {
    handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
      const operation = (request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const text =
        typeof request.body === 'string' ? request.body : new TextDecoder().decode(toBytes(request.body));
      sent.push({ operation, body: JSON.parse(text || '{}') });
      const { status, json } = reply(operation);
      return {
        response: {
          statusCode: status,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: new TextEncoder().encode(JSON.stringify(json)),
        },
      };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  return { sent, handler };
}

function toBytes(body: unknown): Uint8Array {
  return body instanceof Uint8Array ? body : new Uint8Array();
}

const clientConfig = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
};

function dynamoClient(reply: (operation: string) => Reply) {
  const service = fakeService(reply);
  const client = new DynamoDBClient({ ...clientConfig, requestHandler: service.handler });
  return { client, sent: service.sent };
}

const ok = (json: Record<string, unknown> = {}): Reply => ({ status: 200, json });

let restore: (() => void) | undefined;

afterEach(() => {
  restore?.();
  restore = undefined;
});

describe('RequestCounter', () => {
  it('counts each request by service and operation', async () => {
    // Prepare
    const counter = new RequestCounter();
    const { client } = dynamoClient(() => ok());
    const sqsService = fakeService(() => ok({ MessageId: 'm-1' }));
    const sqs = new SQSClient({ ...clientConfig, md5: false, requestHandler: sqsService.handler });
    counter.attach(client);
    counter.attach(sqs);

    // Act
    await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }));
    await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'c' }, sk: { S: 'd' } } }));
    await sqs.send(
      new SendMessageCommand({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q', MessageBody: 'x' }),
    );

    // Assess
    const tallies = counter.take();
    expect(tallies.map(({ service, command, requests }) => ({ service, command, requests }))).toEqual([
      { service: 'DynamoDB', command: 'GetItem', requests: 2 },
      { service: 'SQS', command: 'SendMessage', requests: 1 },
    ]);
    expect(counter.take()).toEqual([]);
  });

  it('asks DynamoDB for the consumed capacity without changing the caller’s command', async () => {
    // Prepare
    const counter = new RequestCounter();
    const { client, sent } = dynamoClient(() => ok());
    counter.attach(client);
    const command = new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' }, sk: { S: 'b' } } });

    // Act
    await client.send(command);

    // Assess
    expect(sent[0]?.body.ReturnConsumedCapacity).toBe('TOTAL');
    expect(command.input).not.toHaveProperty('ReturnConsumedCapacity');
  });

  it('sums the capacity DynamoDB reports, reads and writes apart', async () => {
    // Prepare
    const counter = new RequestCounter();
    const { client } = dynamoClient((operation) =>
      operation === 'GetItem'
        ? ok({ ConsumedCapacity: { TableName: 't', CapacityUnits: 0.5 } })
        : ok({ ConsumedCapacity: [{ TableName: 't', CapacityUnits: 13, WriteCapacityUnits: 13 }] }),
    );
    counter.attach(client);

    // Act
    await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }));
    await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }));
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName: 't', Item: { pk: { S: 'a' }, sk: { S: 'b' } } } }],
      }),
    );

    // Assess
    const [get, transact] = counter.take();
    expect(get).toMatchObject({ command: 'GetItem', reportedReadUnits: 1, reportedWriteUnits: 0 });
    expect(transact).toMatchObject({
      command: 'TransactWriteItems',
      reportedReadUnits: 0,
      reportedWriteUnits: 13,
    });
  });

  it('counts a request that fails as a request and a failure, and lets the error through', async () => {
    // Prepare
    const counter = new RequestCounter();
    const { client } = dynamoClient(() => ({
      status: 400,
      json: {
        __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
        message: 'The conditional request failed',
      },
    }));
    counter.attach(client);
    const doc = DynamoDBDocumentClient.from(client);

    // Act
    const sending = doc.send(new PutCommand({ TableName: 't', Item: { pk: 'a', sk: 'b' } }));

    // Assess
    await expect(sending).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(counter.take()).toEqual([
      expect.objectContaining({ command: 'PutItem', requests: 1, failures: 1 }),
    ]);
  });

  it('counts a document client’s request once, through the stack it shares with its DynamoDBClient', async () => {
    // Prepare
    const counter = new RequestCounter();
    const { client, sent } = dynamoClient(() => ok({ Responses: { t: [] } }));
    const doc = DynamoDBDocumentClient.from(client);
    counter.attach(client);
    counter.attach(doc);

    // Act
    await doc.send(new BatchGetCommand({ RequestItems: { t: { Keys: [{ pk: 'a', sk: 'b' }] } } }));

    // Assess
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body.ReturnConsumedCapacity).toBe('TOTAL');
    expect(counter.take()).toEqual([expect.objectContaining({ command: 'BatchGetItem', requests: 1 })]);
  });
});

describe('instrumentSdkClients', () => {
  it('reaches clients created before it was installed, until restored', async () => {
    // Prepare
    const counter = new RequestCounter();
    const { client: early } = dynamoClient(() => ok());
    restore = instrumentSdkClients((client) => counter.attach(client));

    // Act
    await early.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }));
    restore();
    restore = undefined;
    const { client: late } = dynamoClient(() => ok());
    await late.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }));

    // Assess
    expect(counter.take()).toEqual([expect.objectContaining({ command: 'GetItem', requests: 1 })]);
  });
});
