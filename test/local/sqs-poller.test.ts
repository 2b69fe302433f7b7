import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startFauxqsEmulator } from '../../local/emulators.js';
import { createLambdaContext } from '../../local/lambda-context.js';
import {
  recordsToDelete,
  type SqsHandler,
  type SqsPoller,
  startSqsPoller,
  toSqsEvent,
} from '../../local/sqs-poller.js';
import { eventually } from '../support/eventually.js';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:carebridge-local-routing';

describe('toSqsEvent', () => {
  it('builds the records Lambda delivers from received messages', () => {
    // Prepare
    const message: Message = {
      MessageId: 'm-1',
      ReceiptHandle: 'r-1',
      Body: '{"kind":"inbound"}',
      MD5OfBody: 'fce0ea8dd236ccb3ed9b37dae260836f',
      MD5OfMessageAttributes: '582c92c5c5b6ac403040a4f3ab3115c9',
      Attributes: {
        ApproximateReceiveCount: '2',
        SentTimestamp: '1520621625029',
        SenderId: 'AROAIWPX5BD2BHG722MW4:sender',
        ApproximateFirstReceiveTimestamp: '1520621634884',
      },
      MessageAttributes: {
        Attribute1: { DataType: 'String', StringValue: 'AttributeValue1' },
        Attribute2: { DataType: 'Binary', BinaryValue: Buffer.from('1100') },
      },
    };

    // Act
    const event = toSqsEvent([message], { queueArn: QUEUE_ARN, region: 'us-east-1' });

    // Assess
    expect(event).toEqual({
      Records: [
        {
          messageId: 'm-1',
          receiptHandle: 'r-1',
          body: '{"kind":"inbound"}',
          attributes: {
            ApproximateReceiveCount: '2',
            SentTimestamp: '1520621625029',
            SenderId: 'AROAIWPX5BD2BHG722MW4:sender',
            ApproximateFirstReceiveTimestamp: '1520621634884',
          },
          messageAttributes: {
            Attribute1: {
              stringValue: 'AttributeValue1',
              stringListValues: [],
              binaryListValues: [],
              dataType: 'String',
            },
            Attribute2: {
              binaryValue: 'MTEwMA==',
              stringListValues: [],
              binaryListValues: [],
              dataType: 'Binary',
            },
          },
          md5OfBody: 'fce0ea8dd236ccb3ed9b37dae260836f',
          md5OfMessageAttributes: '582c92c5c5b6ac403040a4f3ab3115c9',
          eventSource: 'aws:sqs',
          eventSourceARN: QUEUE_ARN,
          awsRegion: 'us-east-1',
        },
      ],
    });
  });
});

describe('recordsToDelete', () => {
  const event = toSqsEvent(
    ['a', 'b', 'c'].map((id) => ({ MessageId: id, ReceiptHandle: `r-${id}`, Body: id })),
    { queueArn: QUEUE_ARN, region: 'us-east-1' },
  );
  const ids = (records: SQSRecord[]) => records.map((record) => record.messageId);

  it('deletes every record on complete success', () => {
    expect(ids(recordsToDelete(event, undefined))).toEqual(['a', 'b', 'c']);
    expect(ids(recordsToDelete(event, {}))).toEqual(['a', 'b', 'c']);
    expect(ids(recordsToDelete(event, { batchItemFailures: [] }))).toEqual(['a', 'b', 'c']);
    expect(ids(recordsToDelete(event, { batchItemFailures: null }))).toEqual(['a', 'b', 'c']);
  });

  it('keeps exactly the records listed as failed', () => {
    expect(ids(recordsToDelete(event, { batchItemFailures: [{ itemIdentifier: 'b' }] }))).toEqual(['a', 'c']);
  });

  it('keeps the whole batch when a failure names no record of it', () => {
    expect(recordsToDelete(event, { batchItemFailures: [{ itemIdentifier: 'z' }] })).toEqual([]);
    expect(recordsToDelete(event, { batchItemFailures: [{ itemIdentifier: '' }] })).toEqual([]);
    expect(recordsToDelete(event, { batchItemFailures: [{ id: 'a' }] })).toEqual([]);
    expect(recordsToDelete(event, { batchItemFailures: 'a' })).toEqual([]);
  });
});

describe('SQS poller on fauxqs', () => {
  let fauxqs: Emulator;
  let sqs: SQSClient;
  let poller: SqsPoller | undefined;

  beforeAll(async () => {
    fauxqs = await startFauxqsEmulator();
    sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: fauxqs.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
  });

  afterAll(async () => {
    sqs.destroy();
    await fauxqs.stop();
  });

  /** A queue whose failed records come back at once (visibility timeout 0) and dead-letter after 5 receives. */
  async function queueWithDlq() {
    const name = `test-${randomUUID().slice(0, 8)}`;
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
    const dlqArn = await arnOf(dlq.QueueUrl);
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: '0',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
        },
      }),
    );
    return {
      url: required(queue.QueueUrl),
      arn: await arnOf(queue.QueueUrl),
      dlqUrl: required(dlq.QueueUrl),
    };
  }

  async function arnOf(queueUrl: string | undefined): Promise<string> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    return required(Attributes?.QueueArn);
  }

  async function messagesIn(queueUrl: string): Promise<number> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes?.ApproximateNumberOfMessages) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
    );
  }

  function poll(
    queue: { url: string; arn: string },
    handler: SqsHandler,
    faults: { duplicate?: () => boolean } = {},
  ): SqsPoller {
    return startSqsPoller({
      ...faults,
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      region: 'us-east-1',
      batchSize: 10,
      waitTimeSeconds: 1,
      handler,
      createContext: () =>
        createLambdaContext({
          functionName: 'carebridge-route',
          region: 'us-east-1',
          accountId: '000000000000',
          timeoutMs: 30_000,
          memoryLimitInMB: 512,
        }),
      onError: () => undefined,
    });
  }

  it('deletes the good records and dead-letters a poison record after maxReceiveCount receives', async () => {
    // Prepare
    const queue = await queueWithDlq();
    for (const body of ['good-1', 'poison', 'good-2']) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
    }
    const deliveries: { body: string; receiveCount: string }[] = [];

    // Act
    poller = poll(queue, async (event) => {
      for (const record of event.Records) {
        deliveries.push({ body: record.body, receiveCount: record.attributes.ApproximateReceiveCount });
      }
      const failed = event.Records.filter((record) => record.body === 'poison');
      return { batchItemFailures: failed.map((record) => ({ itemIdentifier: record.messageId })) };
    });
    const deadLettered = await eventually(async () => {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl }));
      return Messages.length > 0 ? Messages : undefined;
    });

    // Assess
    expect(deadLettered.map((message) => message.Body)).toEqual(['poison']);
    expect(deliveries.filter((delivery) => delivery.body.startsWith('good'))).toEqual([
      { body: 'good-1', receiveCount: '1' },
      { body: 'good-2', receiveCount: '1' },
    ]);
    expect(
      deliveries.filter((delivery) => delivery.body === 'poison').map((delivery) => delivery.receiveCount),
    ).toEqual(['1', '2', '3', '4', '5']);
    expect(await messagesIn(queue.url)).toBe(0);
  });

  it('deletes nothing when the consumer throws, so the batch is received again', async () => {
    // Prepare
    const queue = await queueWithDlq();
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'flaky' }));
    const receiveCounts: string[] = [];

    // Act
    poller = poll(queue, async (event) => {
      const counts = event.Records.map((record) => record.attributes.ApproximateReceiveCount);
      receiveCounts.push(...counts);
      if (counts.includes('1')) throw new Error('transient failure');
      return undefined;
    });
    await eventually(async () =>
      (await messagesIn(queue.url)) === 0 && receiveCounts.length > 0 ? true : undefined,
    );

    // Assess
    expect(receiveCounts).toEqual(['1', '2']);
    expect(await messagesIn(queue.dlqUrl)).toBe(0);
  });

  it('delivers a message twice under the sqs.duplicate fault, and deletes it once it is done', async () => {
    // Prepare
    const queue = await queueWithDlq();
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'twice' }));
    const deliveries: string[] = [];

    // Act
    poller = poll(
      queue,
      async (event) => {
        deliveries.push(...event.Records.map((record) => `${record.messageId}:${record.body}`));
        return undefined;
      },
      { duplicate: () => true },
    );
    await eventually(async () =>
      (await messagesIn(queue.url)) === 0 && deliveries.length >= 2 ? true : undefined,
    );

    // Assess
    expect(deliveries).toHaveLength(2);
    expect(deliveries[0]).toBe(deliveries[1]);
    expect(await messagesIn(queue.dlqUrl)).toBe(0);
  });

  it('stops promptly while a long poll is waiting', async () => {
    // Prepare
    const queue = await queueWithDlq();
    poller = poll(queue, async () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Act
    const stopping = poller.stop();
    const outcome = await Promise.race([
      stopping.then(() => 'stopped'),
      new Promise((resolve) => setTimeout(() => resolve('still polling'), 500)),
    ]);

    // Assess
    expect(outcome).toBe('stopped');
  });
});

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('missing value');
  return value;
}
