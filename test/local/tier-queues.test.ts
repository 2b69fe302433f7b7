import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tierConsumer } from '../../functions/lib/tier-consumer.js';
import { type Emulator, startFauxqsEmulator } from '../../local/emulators.js';
import { createLambdaContext } from '../../local/lambda-context.js';
import { createQueueWithDlq, MAX_RECEIVE_COUNT, type QueueWithDlq } from '../../local/queues.js';
import { type SqsPoller, startSqsPoller } from '../../local/sqs-poller.js';
import { sendToTiers, type TierRequest } from '../../shared/routing/tier-queues.js';
import { eventually } from '../support/eventually.js';

/**
 * Issue 7: the tier queues are FIFO, grouped by conversation, and their consumers answer with FIFO
 * partial batch responses. Real FIFO queues (fauxqs), the local event source (poller) and the tier
 * consumer wrapper every tier function uses.
 */

let fauxqs: Emulator;
let sqs: SQSClient;

beforeAll(async () => {
  fauxqs = await startFauxqsEmulator({ port: 0 });
  sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: fauxqs.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  sqs.destroy();
  await fauxqs.stop();
});

const ULID_BASE = '01JDQ3V9XK4T2B7Y8Z0M5N6';

/** Message `seq` of conversation `conversation`, a ULID-shaped id each. */
function request(conversation: number, seq: number): TierRequest {
  const id = (n: number) => `${ULID_BASE}${String(n).padStart(3, '0')}`;
  return {
    kind: 'tier',
    tier: '1',
    skill: 'billing',
    customerId: id(900 + conversation),
    conversationId: id(800 + conversation),
    interactionId: id(conversation * 100 + seq),
    channel: 'email',
    occurredAt: new Date(Date.UTC(2026, 10, 30, 9, 0, seq, conversation)).toISOString(),
  };
}

async function tierQueue(name: string): Promise<QueueWithDlq> {
  return createQueueWithDlq(sqs, `test-${name}-${Date.now()}`, { visibilityTimeoutSeconds: 1, fifo: true });
}

function poll(queue: QueueWithDlq, work: (request: TierRequest) => Promise<void>): SqsPoller {
  return startSqsPoller({
    sqs,
    queueUrl: queue.url,
    queueArn: queue.arn,
    region: 'us-east-1',
    batchSize: 10,
    handler: tierConsumer(work),
    createContext: () =>
      createLambdaContext({
        functionName: 'carebridge-tier-1',
        region: 'us-east-1',
        accountId: '000000000000',
        timeoutMs: 30_000,
        memoryLimitInMB: 256,
      }),
    waitTimeSeconds: 1,
    onError: () => undefined,
  });
}

describe('the tier queues', () => {
  it("keeps each conversation's messages in order while conversations run side by side", async () => {
    // Prepare: three conversations, four messages each, sent interleaved.
    const queue = await tierQueue('order');
    const sent = [1, 2, 3, 4].flatMap((seq) => [1, 2, 3].map((conversation) => request(conversation, seq)));
    const worked: TierRequest[] = [];

    // Act
    const failed = await sendToTiers(
      sqs,
      { '1': queue.url },
      sent.map((entry) => ({ id: entry.interactionId, request: entry })),
    );
    const poller = poll(queue, async (entry) => {
      worked.push(entry);
    });
    try {
      await eventually(async () => (worked.length >= sent.length ? true : undefined));
    } finally {
      await poller.stop();
    }

    // Assess
    expect(failed).toEqual([]);
    expect(worked).toHaveLength(sent.length);
    for (const conversation of [1, 2, 3]) {
      const ids = worked
        .filter((entry) => entry.conversationId === request(conversation, 1).conversationId)
        .map((entry) => entry.interactionId);
      expect(ids).toEqual([1, 2, 3, 4].map((seq) => request(conversation, seq).interactionId));
    }
    // Not one conversation after the other: the second started before the first was done.
    const position = (entry: TierRequest) => worked.findIndex((w) => w.interactionId === entry.interactionId);
    expect(position(request(2, 1))).toBeLessThan(position(request(1, 4)));
  });

  it('sends nothing twice for a routing retry: the deduplication id is the interaction and tier', async () => {
    // Prepare
    const queue = await tierQueue('dedup');
    const entry = request(4, 1);

    // Act
    await sendToTiers(sqs, { '1': queue.url }, [{ id: 'a', request: entry }]);
    await sendToTiers(sqs, { '1': queue.url }, [{ id: 'b', request: entry }]);
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );

    // Assess
    expect(received.Messages ?? []).toHaveLength(1);
  });

  it('dead-letters a poison message, holds back only its own conversation meanwhile, then goes on', async () => {
    // Prepare: conversation 5's second message always fails; conversation 6 is healthy.
    const queue = await tierQueue('poison');
    const poison = request(5, 2);
    const sent = [request(5, 1), poison, request(5, 3), request(6, 1), request(6, 2)];
    const worked: string[] = [];
    const attempts = new Map<string, number>();

    // Act
    await sendToTiers(
      sqs,
      { '1': queue.url },
      sent.map((entry) => ({ id: entry.interactionId, request: entry })),
    );
    const poller = poll(queue, async (entry) => {
      attempts.set(entry.interactionId, (attempts.get(entry.interactionId) ?? 0) + 1);
      if (entry.interactionId === poison.interactionId) throw new Error('poison');
      worked.push(entry.interactionId);
    });
    let deadLettered: string[] = [];
    try {
      await eventually(async () => {
        const dlq = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.dlqUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
          }),
        );
        deadLettered = (dlq.Messages ?? []).map(
          (message) => (JSON.parse(message.Body ?? '{}') as TierRequest).interactionId,
        );
        return deadLettered.length > 0 && worked.includes(request(5, 3).interactionId) ? true : undefined;
      }, 30_000);
    } finally {
      await poller.stop();
    }

    // Assess: the healthy conversation went through; the poisoned one resumed after its poison left.
    expect(deadLettered).toEqual([poison.interactionId]);
    expect(attempts.get(poison.interactionId)).toBe(MAX_RECEIVE_COUNT);
    expect(worked.filter((id) => id.startsWith(ULID_BASE))).toEqual(
      expect.arrayContaining(
        [request(6, 1), request(6, 2), request(5, 1), request(5, 3)].map((e) => e.interactionId),
      ),
    );
    expect(worked.indexOf(request(5, 3).interactionId)).toBeGreaterThan(
      worked.indexOf(request(5, 1).interactionId),
    );
    expect(worked.indexOf(request(6, 2).interactionId)).toBeLessThan(
      worked.indexOf(request(5, 3).interactionId),
    );
    expect(new Set(worked).size).toBe(worked.length);
  });
});
