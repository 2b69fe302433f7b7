import { randomUUID } from 'node:crypto';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startFauxqsEmulator } from '../../local/emulators.js';
import { createQueueWithDlq } from '../../local/queues.js';
import {
  localTarget,
  queueUrlOutput,
  type RedriveTarget,
  redrive,
  stackTarget,
} from '../../scripts/dead-letter-redrive.js';

describe('dead-letter redrive on an emulator without message move tasks (fauxqs)', () => {
  let emulator: Emulator;
  let sqs: SQSClient;
  beforeAll(async () => {
    emulator = await startFauxqsEmulator();
    sqs = new SQSClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    await emulator.stop();
  });

  async function fifoTarget(): Promise<RedriveTarget> {
    const queue = await createQueueWithDlq(sqs, `redrive-${randomUUID().slice(0, 8)}`, {
      visibilityTimeoutSeconds: 30,
      fifo: true,
    });
    return { name: 'tier-1', queueUrl: queue.url, deadLetterUrl: queue.dlqUrl };
  }

  async function deadLetter(target: RedriveTarget, count: number): Promise<void> {
    for (let index = 0; index < count; index++) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: target.deadLetterUrl,
          MessageBody: JSON.stringify({ index }),
          MessageGroupId: `conversation-${index % 3}`,
          MessageDeduplicationId: `original-${index}`,
          MessageAttributes: { origin: { DataType: 'String', StringValue: `test-${index}` } },
        }),
      );
    }
  }

  async function drain(queueUrl: string) {
    const received = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ['MessageGroupId'],
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) return received;
      received.push(...Messages);
      // A FIFO queue hands out a group's next message only once the one before is deleted.
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
    }
  }

  it('moves every message back with its body, attributes and group, and empties the dead-letter queue', async () => {
    // Prepare
    const target = await fifoTarget();
    await deadLetter(target, 12);

    // Act
    const result = await redrive(sqs, target, { max: 1000 });

    // Assess
    expect(result).toEqual({ method: 'receive-send-delete', moved: 12, failed: 0 });
    const back = await drain(target.queueUrl);
    expect(back.map((message) => JSON.parse(message.Body ?? '{}').index).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
    ]);
    const first = back.find((message) => message.Body === JSON.stringify({ index: 4 }));
    expect(first?.Attributes?.MessageGroupId).toBe('conversation-1');
    expect(first?.MessageAttributes?.origin?.StringValue).toBe('test-4');
    expect(await drain(target.deadLetterUrl)).toEqual([]);
  });

  it('moves no more than --max messages and leaves the rest in the dead-letter queue', async () => {
    // Prepare
    const target = await fifoTarget();
    await deadLetter(target, 15);

    // Act
    const result = await redrive(sqs, target, { max: 10 });

    // Assess
    expect(result.moved).toBe(10);
    expect(await drain(target.queueUrl)).toHaveLength(10);
  });

  it('finds the local queue and its dead-letter queue in the state file', () => {
    // Act
    const target = localTarget(
      {
        sqs: {
          endpoint: 'http://127.0.0.1:4566',
          queues: {
            routing: 'http://127.0.0.1:4566/q/routing',
            routingDlq: 'http://127.0.0.1:4566/q/routing-dlq',
          },
        },
      },
      'routing',
    );

    // Assess
    expect(target).toEqual({
      name: 'routing',
      queueUrl: 'http://127.0.0.1:4566/q/routing',
      deadLetterUrl: 'http://127.0.0.1:4566/q/routing-dlq',
      endpoint: 'http://127.0.0.1:4566',
    });
    expect(() => localTarget({ sqs: { endpoint: 'http://127.0.0.1:1', queues: {} } }, 'tier-e')).toThrow(
      /no tier-e queue/,
    );
  });
});

describe('dead-letter redrive on AWS', () => {
  // Mocked for this block only: the block above talks to the emulator with real clients.
  const mockSqs = () => mockClient(SQSClient);
  const mockCloudFormation = () => mockClient(CloudFormationClient);
  let sqs: ReturnType<typeof mockSqs>;
  let cloudFormation: ReturnType<typeof mockCloudFormation>;
  beforeAll(() => {
    sqs = mockSqs();
    cloudFormation = mockCloudFormation();
  });
  afterEach(() => {
    sqs.reset();
    cloudFormation.reset();
  });
  afterAll(() => {
    sqs.restore();
    cloudFormation.restore();
  });

  const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/carebridge-prod-TierEQueue-abc.fifo';
  const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/carebridge-prod-TierEDlq-def.fifo';
  const DLQ_ARN = 'arn:aws:sqs:eu-west-1:123456789012:carebridge-prod-TierEDlq-def.fifo';
  const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:carebridge-prod-TierEQueue-abc.fifo';

  it("finds a deployed queue by the stack's output and its dead-letter queue by its redrive policy", async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand, { StackName: 'carebridge-prod' }).resolves({
      Stacks: [
        {
          StackName: 'carebridge-prod',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [{ OutputKey: 'TierEQueueUrl', OutputValue: QUEUE_URL }],
        },
      ],
    });
    sqs.on(GetQueueAttributesCommand, { QueueUrl: QUEUE_URL }).resolves({
      Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 5 }) },
    });
    sqs
      .on(GetQueueUrlCommand, {
        QueueName: 'carebridge-prod-TierEDlq-def.fifo',
        QueueOwnerAWSAccountId: '123456789012',
      })
      .resolves({ QueueUrl: DLQ_URL });

    // Act
    const target = await stackTarget(
      new CloudFormationClient({}),
      new SQSClient({}),
      'carebridge-prod',
      'tier-e',
    );

    // Assess
    expect(queueUrlOutput('tier-e')).toBe('TierEQueueUrl');
    expect(target).toEqual({ name: 'tier-e', queueUrl: QUEUE_URL, deadLetterUrl: DLQ_URL });
  });

  it('starts a message move task from the dead-letter queue to the queue and follows it to the end', async () => {
    // Prepare
    sqs.on(GetQueueAttributesCommand, { QueueUrl: DLQ_URL }).resolves({ Attributes: { QueueArn: DLQ_ARN } });
    sqs
      .on(GetQueueAttributesCommand, { QueueUrl: QUEUE_URL })
      .resolves({ Attributes: { QueueArn: QUEUE_ARN } });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    sqs
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({
        Results: [{ TaskHandle: 'task-1', Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 3 }],
      })
      .resolves({
        Results: [{ TaskHandle: 'task-1', Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 7 }],
      });

    // Act
    const result = await redrive(
      new SQSClient({}),
      { name: 'tier-e', queueUrl: QUEUE_URL, deadLetterUrl: DLQ_URL },
      { max: 1000, pollMs: 1 },
    );

    // Assess
    expect(result).toEqual({ method: 'move-task', moved: 7, failed: 0, status: 'COMPLETED' });
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: DLQ_ARN,
      DestinationArn: QUEUE_ARN,
    });
    // SQS moved them: nothing was received or sent by hand.
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('surfaces a refused move task (access, a queue that is no dead-letter queue) instead of moving by hand', async () => {
    // Prepare
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: DLQ_ARN } });
    sqs
      .on(StartMessageMoveTaskCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));

    // Act and assess
    await expect(
      redrive(
        new SQSClient({}),
        { name: 'tier-e', queueUrl: QUEUE_URL, deadLetterUrl: DLQ_URL },
        { max: 10 },
      ),
    ).rejects.toThrow(/not authorized/);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });
});
