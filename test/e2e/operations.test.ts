import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createTransport } from 'nodemailer';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { LOCAL_REGION, type LocalStack } from '../../local/stack.js';
import { writeStateFile } from '../../local/state-file.js';
import { identitySecretFromText, siteSignature } from '../../shared/identity/site-signature.js';
import type { RoutingRequest } from '../../shared/routing/handoff.js';
import { customerKey } from '../../shared/store/keys.js';
import { checkedFetch } from '../support/contract.js';
import { eventually } from '../support/eventually.js';
import { localApi } from '../support/local-api.js';
import { useLocalStack } from '../support/local-stack.js';
import { postLocalSms } from '../support/twilio.js';
import { connect, opened, type TestSocket } from '../support/websocket.js';

/**
 * Issue 9, operations, on the local stack: what the handlers write to stdout while a customer writes on
 * every channel and an agent answers (structured logs at DEBUG, and the metrics in embedded metric
 * format) carries the conversation as correlation id and never an address, a phone number, a name or a
 * message body; and a message that failed in the routing consumer until it reached the dead-letter queue
 * is moved back by `npm run redrive -- routing` and processed.
 */

let chat: TestSocket | undefined;
const current = useLocalStack(
  {
    seed: false,
    logLevel: 'DEBUG',
    metrics: true,
    // A failed record comes back after a second: the poison message reaches its dead-letter queue in seconds.
    queueVisibilityTimeoutSeconds: 1,
    // No SLA sweep while the test looks at which invocation logged what.
    scheduleEveryMs: 60 * 60_000,
    // The poison message fails on purpose; its failures are not news.
    onError: () => undefined,
  },
  async () => {
    await chat?.close();
  },
);
let stack: LocalStack;
const call = localApi(() => stack);

/** Every line the handlers write to stdout and stderr during the file's tests (JSON lines kept out of the report). */
const written: string[] = [];
const originalWrites = { stdout: process.stdout.write, stderr: process.stderr.write };
beforeAll(() => {
  stack = current();
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = process[name];
    const original = originalWrites[name];
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = String(chunk);
      written.push(text);
      if (text.startsWith('{')) return true;
      return (original as (chunk: unknown, ...rest: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
  }
});
afterAll(() => {
  process.stdout.write = originalWrites.stdout;
  process.stderr.write = originalWrites.stderr;
});

/** The JSON lines written so far: log entries and EMF documents. */
function jsonLines(): Record<string, unknown>[] {
  return written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

const sign = (value: string) => siteSignature(identitySecretFromText(stack.info.identitySecret), value);
const CustomerSchema = z.object({ customerId: z.string(), openConversationId: z.string().optional() });
const ConversationSchema = z.looseObject({
  routingDecisions: z.array(z.object({ interactionId: z.string() })).default([]),
});

describe('logs and metrics of a customer on every channel', () => {
  const run = randomUUID().slice(0, 8);
  const email = `ops-${run}@example.com`;
  const national = `555${String(randomBytes(2).readUInt16BE() % 10_000).padStart(4, '0')}`;
  const phone = `+1415${national}`;
  const name = `Wilhelmina Quartermaine-${run}`;
  /** What the customer and the agent wrote: none of it may reach a log. */
  const bodies = [
    `My parcel ${run} went to the neighbour`,
    `Email about the parcel ${run} that went astray`,
    `Texting about parcel ${run} again`,
    `Chatting about parcel ${run} now`,
    `We will send parcel ${run} again tomorrow`,
  ] as const;
  let conversationId: string;
  afterAll(async () => {
    // Closed here, so the disconnect's log is captured like the rest.
    await chat?.close();
    chat = undefined;
    await eventually(async () =>
      written.some((line) => line.includes('chat disconnected')) ? true : undefined,
    );
  });

  it('records the customer on the web form, by email, SMS and chat, and an agent answers by SMS', async () => {
    // Act: the web form, giving the email, phone and name.
    const form = await call('/v1/channels/webform', {
      method: 'POST',
      body: {
        email,
        emailSignature: sign(email),
        phone,
        phoneSignature: sign(phone),
        name,
        subject: 'Delivery',
        message: bodies[0],
        submissionId: `ops-${run}`,
      },
    });
    expect(form.status).toBe(202);
    const found = await call(`/v1/customers?email=${encodeURIComponent(email)}`, { role: 'agent' });
    const customer = CustomerSchema.parse(found.body);
    conversationId = customer.openConversationId ?? '';
    expect(conversationId).not.toBe('');

    // Act: an email from the address, an SMS from the phone, a chat message giving the email.
    const transport = createTransport({
      host: stack.info.smtp.host,
      port: stack.info.smtp.port,
      secure: false,
      ignoreTLS: true,
    });
    try {
      await transport.sendMail({
        from: `${name} <${email}>`,
        to: `help@${stack.info.smtp.domain}`,
        subject: 'Parcel',
        text: bodies[1],
      });
    } finally {
      transport.close();
    }
    const sms = await postLocalSms(stack.info.twilio, phone, bodies[2] ?? '');
    expect(sms.status).toBe(200);
    const session = await checkedFetch(stack.info.chat.sessionsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, emailSignature: sign(email) }),
    });
    const { token } = z.object({ token: z.string() }).parse(await session.json());
    chat = opened(await connect(`${stack.info.chat.wsUrl}?token=${encodeURIComponent(token)}`));
    chat.send({ action: 'sendMessage', clientMessageId: `m-${run}`, text: bodies[3] });
    await chat.next((frame) => z.object({ type: z.literal('ack') }).safeParse(frame).success);
    await stack.asyncIdle();
    // Every message routed (the email arrives asynchronously).
    await eventually(async () => {
      const reply = await call(`/v1/conversations/${conversationId}`, { role: 'agent' });
      const routed = ConversationSchema.parse(reply.body).routingDecisions.length;
      return routed >= 4 ? routed : undefined;
    }, 30_000);

    // Act: the agent answers by SMS.
    const answer = await call(`/v1/conversations/${conversationId}/replies`, {
      method: 'POST',
      role: 'agent',
      body: { channel: 'sms', body: bodies[4] },
    });
    expect(answer.status).toBe(201);
  });

  it('logs no address, phone number, name or message body, at DEBUG', () => {
    // Assess: the raw output, so an escaped or nested value is found too.
    const output = written.join('');
    expect(jsonLines().length).toBeGreaterThan(10);
    const secrets = [email, phone, national, name, ...bodies];
    expect(secrets.filter((secret) => output.includes(secret))).toEqual([]);
  });

  it('logs the conversation as correlation id from each inbound message to the reply', () => {
    // Assess
    const entries = jsonLines().filter((entry) => typeof entry.message === 'string');
    for (const message of ['sms recorded', 'email recorded', 'chat message recorded', 'reply sent']) {
      const entry = entries.find((candidate) => candidate.message === message);
      expect(entry, message).toMatchObject({ correlation_id: conversationId, service: 'carebridge' });
    }
  });

  it('counts messages in per channel and routing per tier in embedded metric format', () => {
    // Assess
    const metrics = jsonLines().filter((line) => typeof line._aws === 'object');
    const inChannels = metrics
      .filter((line) => line.MessagesIn !== undefined)
      .map((line) => ({ channel: line.channel, service: line.service, count: line.MessagesIn }));
    for (const channel of ['webform', 'email', 'sms', 'chat']) {
      expect(inChannels).toContainEqual({ channel, service: 'carebridge', count: 1 });
    }
    expect(metrics.some((line) => line.Routed === 1 && typeof line.tier === 'string')).toBe(true);
    expect(metrics.find((line) => line.MessagesIn !== undefined)?._aws).toMatchObject({
      CloudWatchMetrics: [
        {
          Namespace: 'carebridge',
          Dimensions: [['service', 'channel']],
          Metrics: [{ Name: 'MessagesIn', Unit: 'Count' }],
        },
      ],
    });
  });
});

describe('redriving a dead-lettered message', () => {
  let stateDir: string;
  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'carebridge-redrive-'));
  });
  afterAll(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  const sqs = () =>
    new SQSClient({
      endpoint: stack.info.sqs.endpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  const waiting = async (queueUrl: string | undefined): Promise<number> => {
    const { Attributes } = await sqs().send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes?.ApproximateNumberOfMessages) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
    );
  };

  it('moves a message that failed five times back to the routing queue, where it is processed', async () => {
    // Prepare: a customer whose profile is missing for a while (restored from a backup, say), so routing
    // fails on their next message until it lands in the dead-letter queue.
    const run = randomUUID().slice(0, 8);
    const email = `redrive-${run}@example.com`;
    const form = await call('/v1/channels/webform', {
      method: 'POST',
      body: { email, emailSignature: sign(email), message: 'First message', submissionId: `redrive-${run}` },
    });
    expect(form.status).toBe(202);
    const customer = CustomerSchema.parse(
      (await call(`/v1/customers?email=${encodeURIComponent(email)}`, { role: 'agent' })).body,
    );
    const conversationId = customer.openConversationId ?? '';
    await eventually(async () => {
      const reply = await call(`/v1/conversations/${conversationId}`, { role: 'agent' });
      return ConversationSchema.parse(reply.body).routingDecisions.length > 0 ? true : undefined;
    });
    const { endpoint, tableName } = stack.info.dynamodb;
    const doc = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint,
        region: LOCAL_REGION,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    const { Item: profile } = await doc.send(
      new GetCommand({ TableName: tableName, Key: customerKey(customer.customerId) }),
    );
    expect(profile).toBeDefined();
    await doc.send(new DeleteCommand({ TableName: tableName, Key: customerKey(customer.customerId) }));
    const { routing, routingDlq } = stack.info.sqs.queues;
    const poison: RoutingRequest = {
      kind: 'inbound',
      customerId: customer.customerId,
      conversationId,
      interactionId: ulid(),
      channel: 'webform',
      occurredAt: new Date().toISOString(),
      conversationOpened: false,
      content: { body: 'Second message' },
    };
    await sqs().send(new SendMessageCommand({ QueueUrl: routing, MessageBody: JSON.stringify(poison) }));
    await eventually(async () => ((await waiting(routingDlq)) === 1 ? true : undefined), 60_000);
    expect(await waiting(routing)).toBe(0);
    await doc.send(new PutCommand({ TableName: tableName, Item: profile }));

    // Act: the operator's command, against the state file `npm start` writes.
    const stateFile = join(stateDir, 'local.json');
    await writeStateFile(stack.info, stateFile);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/redrive.ts', 'routing', '--state', stateFile],
      { cwd: join(import.meta.dirname, '..', '..') },
    );

    // Assess: moved by hand (the emulator has no message move task), then routed like any message.
    expect(stdout).toContain(
      'routing: moved 1 message(s) from its dead-letter queue back to it, by receive, send and delete',
    );
    const decisions = await eventually(async () => {
      const reply = await call(`/v1/conversations/${conversationId}`, { role: 'agent' });
      const { routingDecisions } = ConversationSchema.parse(reply.body);
      return routingDecisions.some((decision) => decision.interactionId === poison.interactionId)
        ? routingDecisions
        : undefined;
    }, 30_000);
    expect(decisions.map((decision) => decision.interactionId)).toContain(poison.interactionId);
    expect(await waiting(routingDlq)).toBe(0);
  });
});
