import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SNSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AsyncFailure, createAsyncInvoker, sqsFailureDestination } from '../../local/async-invoker.js';
import { type Emulator, startFauxqsEmulator } from '../../local/emulators.js';
import { createLambdaContext } from '../../local/lambda-context.js';
import { createDeadLetterQueue, createQueueWithDlq, type LocalQueue } from '../../local/queues.js';
import {
  createTopic,
  type QueueSubscription,
  startTopicSubscription,
  subscribeQueue,
} from '../../local/sns-topics.js';
import type { SqsPoller } from '../../local/sqs-poller.js';
import { SnsEventSchema } from '../../shared/channels/sms/eum-inbound.js';
import { loadEvent } from '../support/events.js';

const context = (): Context =>
  createLambdaContext({
    functionName: 'carebridge-test',
    region: 'us-east-1',
    accountId: '000000000000',
    timeoutMs: 5_000,
    memoryLimitInMB: 256,
  });

describe('asynchronous invocation', () => {
  it('returns before the function runs, like an Event invocation', async () => {
    // Prepare
    const ran: unknown[] = [];
    const invoker = createAsyncInvoker({
      functionName: 'f',
      handler: async (event) => {
        ran.push(event);
      },
      createContext: context,
      onFailure: async () => undefined,
    });

    // Act
    invoker.invoke({ n: 1 });
    const ranAtOnce = ran.length;
    await invoker.idle();

    // Assess
    expect(ranAtOnce).toBe(0);
    expect(ran).toEqual([{ n: 1 }]);
  });

  it('retries a failing invocation twice, then hands the event to the failure destination', async () => {
    // Prepare
    let attempts = 0;
    const failed: [unknown, AsyncFailure][] = [];
    const invoker = createAsyncInvoker({
      functionName: 'f',
      handler: async () => {
        attempts++;
        throw new Error(`attempt ${attempts} failed`);
      },
      createContext: context,
      retryDelaysMs: [1, 1],
      onFailure: async (event, failure) => {
        failed.push([event, failure]);
      },
      onError: () => undefined,
    });

    // Act
    invoker.invoke({ n: 2 });
    await invoker.idle();

    // Assess
    expect(attempts).toBe(3);
    expect(failed).toEqual([
      [{ n: 2 }, { requestId: expect.any(String), error: new Error('attempt 3 failed'), attempts: 3 }],
    ]);
  });

  it('gives up nothing when a retry succeeds', async () => {
    // Prepare
    let attempts = 0;
    const failed: unknown[] = [];
    const invoker = createAsyncInvoker({
      functionName: 'f',
      handler: async () => {
        attempts++;
        if (attempts === 1) throw new Error('flaky');
      },
      createContext: context,
      retryDelaysMs: [1, 1],
      onFailure: async (event) => {
        failed.push(event);
      },
      onError: () => undefined,
    });

    // Act
    invoker.invoke({});
    await invoker.idle();

    // Assess
    expect(attempts).toBe(2);
    expect(failed).toEqual([]);
  });

  it('cancels a pending retry when stopped, and says the event was dropped', async () => {
    // Prepare
    const reported: string[] = [];
    let attempts = 0;
    const invoker = createAsyncInvoker({
      functionName: 'f',
      handler: async () => {
        attempts++;
        throw new Error('down');
      },
      createContext: context,
      retryDelaysMs: [60_000, 60_000],
      onFailure: async () => undefined,
      onError: (message) => reported.push(message),
    });
    invoker.invoke({});
    while (attempts === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    // Act
    await invoker.stop();

    // Assess
    expect(attempts).toBe(1);
    expect(reported.at(-1)).toBe('[async] f: stopped before retry 1; the event is dropped');
  });
});

describe('SNS topic subscription on fauxqs', () => {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  let fauxqs: Emulator;
  let sns: SNSClient;
  let sqs: SQSClient;
  let failureQueue: LocalQueue;
  let subscription: QueueSubscription;
  let poller: SqsPoller;
  let invoker: ReturnType<typeof createAsyncInvoker>;
  const invoked: unknown[] = [];
  let failing = false;

  beforeAll(async () => {
    fauxqs = await startFauxqsEmulator();
    sns = new SNSClient({ region: 'us-east-1', endpoint: fauxqs.endpoint, credentials });
    sqs = new SQSClient({ region: 'us-east-1', endpoint: fauxqs.endpoint, credentials });
    const topicArn = await createTopic(sns, 'carebridge-local-sms-inbound');
    failureQueue = await createDeadLetterQueue(sqs, 'carebridge-local-sms-eum-inbound-failures');
    const queue = await createQueueWithDlq(sqs, 'carebridge-local-sms-inbound-to-sms-eum-inbound', {
      visibilityTimeoutSeconds: 30,
      dlq: failureQueue,
    });
    subscription = await subscribeQueue(sns, topicArn, queue);
    invoker = createAsyncInvoker({
      functionName: 'carebridge-sms-eum-inbound',
      handler: async (event) => {
        invoked.push(event);
        if (failing) throw new Error('the function failed');
      },
      createContext: context,
      retryDelaysMs: [1, 1],
      onFailure: sqsFailureDestination(
        sqs,
        failureQueue.url,
        'arn:aws:lambda:us-east-1:000000000000:function:carebridge-sms-eum-inbound',
      ),
      onError: () => undefined,
    });
    poller = startTopicSubscription({
      sqs,
      subscription,
      region: 'us-east-1',
      invoker,
      createContext: context,
    });
  });

  afterEach(() => {
    invoked.length = 0;
    failing = false;
  });

  afterAll(async () => {
    await poller?.stop();
    await invoker?.stop();
    sns?.destroy();
    sqs?.destroy();
    await fauxqs?.stop();
  });

  async function published(
    message: string,
    extra: Partial<ConstructorParameters<typeof PublishCommand>[0]> = {},
  ) {
    await sns.send(new PublishCommand({ TopicArn: subscription.topicArn, Message: message, ...extra }));
    const deadline = Date.now() + 5_000;
    while (invoked.length === 0) {
      if (Date.now() > deadline) throw new Error('the function was not invoked within 5 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await invoker.idle();
  }

  it('invokes the function with the SNS event Lambda receives, one record per message', async () => {
    // Prepare
    const recorded = loadEvent<SNSEvent>('sms/eum-sns-event.json');
    const message = JSON.stringify({ originationNumber: '+14155552671', messageBody: 'Hi' });

    // Act
    await published(message, {
      Subject: 'Two-way',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'sms' } },
    });

    // Assess
    expect(invoked).toHaveLength(1);
    const [record] = SnsEventSchema.parse(invoked[0]).Records;
    expect(Object.keys(record ?? {}).sort()).toEqual(Object.keys(recorded.Records[0] ?? {}).sort());
    expect(Object.keys(record?.Sns ?? {}).sort()).toEqual(Object.keys(recorded.Records[0]?.Sns ?? {}).sort());
    expect(record).toMatchObject({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: subscription.subscriptionArn,
      Sns: {
        Type: 'Notification',
        TopicArn: subscription.topicArn,
        Subject: 'Two-way',
        Message: message,
        MessageAttributes: { kind: { Type: 'String', Value: 'sms' } },
      },
    });
  });

  it('passes a null Subject for a message published without one', async () => {
    // Act
    await published('{}');

    // Assess
    expect(invoked[0]).toMatchObject({ Records: [{ Sns: { Subject: null } }] });
  });

  it('sends an event whose every attempt failed to the failure queue, in Lambda`s invocation record', async () => {
    // Prepare
    failing = true;

    // Act
    await published('{"poison":true}');
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: failureQueue.url, WaitTimeSeconds: 1 }),
    );

    // Assess
    expect(invoked).toHaveLength(3);
    expect(Messages).toHaveLength(1);
    expect(JSON.parse(Messages[0]?.Body ?? '')).toEqual({
      version: '1.0',
      timestamp: expect.any(String),
      requestContext: {
        requestId: expect.any(String),
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:carebridge-sms-eum-inbound:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: invoked[0],
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'the function failed', trace: expect.any(Array) },
    });
  });
});
