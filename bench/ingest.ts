import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { FUNCTIONS } from '../functions/manifest.js';
import type { Tier } from '../shared/schemas/index.js';
import { sqsEvent, type WebFormBody, webFormEvent } from './events.js';
import type { CommandTally } from './request-counter.js';
import { type BenchStack, REGION } from './stack.js';
import { median, round } from './stats.js';

/** What one function spent per message in a scenario. */
export interface FunctionShare {
  /** Lambda invocations per message (the consumer gets a batch per invocation). */
  readonly invocations: number;
  readonly dynamodbRequests: number;
  readonly writeUnits: number;
  readonly readUnits: number;
  /** What the emulator reported in ConsumedCapacity (see `method` for why the computed units are used). */
  readonly reportedWriteUnits: number;
  readonly reportedReadUnits: number;
  readonly sqsRequests: number;
  /** Requests per message by `Service.Operation`. */
  readonly requests: Readonly<Record<string, number>>;
  /** Bytes the handler logged per message (stdout, i.e. CloudWatch Logs), platform lines excluded. */
  readonly logBytes: number;
  /** Largest item written (bytes): write units step up at every started KB. */
  readonly largestItemBytes: number;
}

export interface ScenarioResult {
  readonly description: string;
  readonly messages: number;
  readonly ingest: FunctionShare;
  readonly routing: FunctionShare;
  /** The tier consumers that got the routed messages (the e-level, or push assignment at tiers 1-3). */
  readonly tiers: FunctionShare;
  /** Where the routing consumer sent the messages: messages per tier queue. */
  readonly routedTo: Readonly<Partial<Record<Tier, number>>>;
  /** In-process time of the tier consumers per invocation (ms), metered run. */
  readonly tierBatchMs: number;
}

/** The routing consumer's batch size, from the manifest: the bench delivers full batches. */
export const ROUTE_BATCH_SIZE =
  FUNCTIONS.flatMap((definition) =>
    definition.kind === 'queue' && definition.name === 'route' ? [definition.batchSize] : [],
  )[0] ?? 10;

/** The form's message text (about 380 characters); the interaction item is then about 0.9 KB. */
export const MESSAGE =
  'Hello, my last invoice (INV-2026-0412) was charged twice to my card ending 4242. I already contacted my bank, ' +
  'who told me the second charge is not pending but settled. Could you refund the duplicate and confirm by email ' +
  'once it is done? I would also like to know why this happened so it does not repeat next month. Thanks!';

/** A question the seeded knowledge base answers (events/kb/password-reset.json). */
export const QUESTION = 'Hello, how do I reset my password? I forgot it and cannot sign in to my account.';

/** A submission like the fixture events/http/webform-submission.json, with a realistic message. */
export function submission(customer: number, submissionId: string): WebFormBody {
  return {
    email: `customer.${customer}@example.com`,
    phone: `+1 415 555 ${String(2000 + (customer % 8000)).padStart(4, '0')}`,
    name: `Customer ${customer}`,
    subject: 'Billing question',
    message: MESSAGE,
    submissionId,
    formId: 'contact',
  };
}

/**
 * Runs the three ingest scenarios, each for one routing batch of customers, counting every request of
 * the web-form handler and then of the routing consumer that processes the messages it queued:
 * (a) first submission of new customers, (b) another submission of the same, now known, customers
 * with an open conversation (the steady state), (c) the same submissions again (a form retry).
 */
export async function runIngestScenarios(stack: BenchStack, runId: string): Promise<IngestScenarios> {
  const customers = Array.from({ length: ROUTE_BATCH_SIZE }, (_, index) => index + 1);
  const submissionsFor = (name: string) =>
    customers.map((customer) => submission(customer, `${runId}-${name}-${customer}`));
  const second = submissionsFor('second');

  stack.meter.enabled = true;
  const newCustomer = await runScenario(
    stack,
    'first submission of a new customer',
    submissionsFor('first'),
    202,
  );
  const knownCustomer = await runScenario(
    stack,
    'known customer, open conversation (steady state)',
    second,
    202,
  );
  const duplicate = await runScenario(stack, 'the same submission again (retry)', second, 202);
  const eLevelAnswer = await runScenario(
    stack,
    'a standard question answered by the e-level (new customer)',
    customers.map((customer) => ({
      ...submission(ROUTE_BATCH_SIZE + customer, `${runId}-question-${customer}`),
      subject: 'Password',
      message: QUESTION,
    })),
    202,
  );
  if (eLevelAnswer.result.routedTo.e !== customers.length) {
    throw new Error(
      `the e-level scenario routed ${JSON.stringify(eLevelAnswer.result.routedTo)}, not all to tier e`,
    );
  }

  // The meter's extra reads slow the metered runs down; time the steady state again without it.
  stack.meter.enabled = false;
  const routeBatchMs: number[] = [];
  for (const name of ['timing-1', 'timing-2', 'timing-3']) {
    routeBatchMs.push(
      (await runScenario(stack, 'steady state, timing', submissionsFor(name), 202)).routeBatchMs,
    );
  }
  stack.counter.take();
  return {
    scenarios: {
      newCustomer: newCustomer.result,
      knownCustomer: knownCustomer.result,
      duplicate: duplicate.result,
      eLevelAnswer: eLevelAnswer.result,
    },
    routeBatchMs: median(routeBatchMs),
  };
}

export interface IngestScenarios {
  readonly scenarios: {
    readonly newCustomer: ScenarioResult;
    readonly knownCustomer: ScenarioResult;
    readonly duplicate: ScenarioResult;
    readonly eLevelAnswer: ScenarioResult;
  };
  /** Median in-process time of the routing consumer for one full batch of steady-state messages (ms). */
  readonly routeBatchMs: number;
}

async function runScenario(
  stack: BenchStack,
  description: string,
  bodies: readonly WebFormBody[],
  expectedStatus: number,
): Promise<{ result: ScenarioResult; routeBatchMs: number }> {
  stack.counter.take();
  stack.logs.take();

  for (const body of bodies) {
    const response = await stack.webform(webFormEvent(body, Date.now()), stack.context('webform'));
    if (response.statusCode !== expectedStatus) {
      throw new Error(
        `${description}: expected ${expectedStatus}, got ${response.statusCode} ${response.body}`,
      );
    }
  }
  const ingestTallies = stack.counter.take();
  const ingestLogs = stack.logs.take();

  const messages = await receive(stack, bodies.length);
  const started = performance.now();
  const batch = await stack.route(sqsEvent(messages, stack.queueArn, REGION), stack.context('route'));
  const routeDuration = performance.now() - started;
  if (batch.batchItemFailures.length > 0) {
    throw new Error(`${description}: the routing consumer failed ${batch.batchItemFailures.length} records`);
  }
  await stack.poller.send(
    new DeleteMessageBatchCommand({
      QueueUrl: stack.queueUrl,
      Entries: messages.map((message, index) => ({
        Id: String(index),
        ReceiptHandle: message.ReceiptHandle,
      })),
    }),
  );
  const routingTallies = stack.counter.take();
  const routingLogs = stack.logs.take();

  const tiers = await drainTiers(stack, description);
  const tierTallies = stack.counter.take();
  const tierLogs = stack.logs.take();

  const count = bodies.length;
  return {
    result: {
      description,
      messages: count,
      ingest: share(ingestTallies, count, count, ingestLogs.bytes),
      routing: share(routingTallies, count, 1, routingLogs.bytes),
      tiers: share(tierTallies, count, tiers.invocations, tierLogs.bytes),
      routedTo: tiers.routedTo,
      tierBatchMs: round(tiers.ms, 2),
    },
    routeBatchMs: routeDuration,
  };
}

/**
 * Plays the tier queues' event source mappings: every message the routing consumer forwarded is
 * received in batches of ten, given to its tier's consumer, and deleted; counted as the tiers' share.
 */
async function drainTiers(
  stack: BenchStack,
  description: string,
): Promise<{ invocations: number; routedTo: Partial<Record<Tier, number>>; ms: number }> {
  let invocations = 0;
  let ms = 0;
  const routedTo: Partial<Record<Tier, number>> = {};
  for (const tier of ['e', '1', '2', '3'] as const) {
    const queue = stack.tierQueues[tier];
    for (;;) {
      // Looking does not count: the mapping's own empty polls are a fixed cost, not per message.
      const { Attributes } = await stack.inspector.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue.url,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      if (Number(Attributes?.ApproximateNumberOfMessages ?? 0) === 0) break;
      const { Messages: messages = [] } = await stack.poller.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      if (messages.length === 0) continue;
      const started = performance.now();
      const response = await stack.tierConsumers[tier](
        sqsEvent(messages, queue.arn, REGION),
        stack.context(`tier-${tier}`),
      );
      ms += performance.now() - started;
      invocations += 1;
      routedTo[tier] = (routedTo[tier] ?? 0) + messages.length;
      if (response.batchItemFailures.length > 0) {
        throw new Error(`${description}: tier ${tier} failed ${response.batchItemFailures.length} records`);
      }
      await stack.poller.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
    }
  }
  return { invocations, routedTo, ms: invocations === 0 ? 0 : ms / invocations };
}

/** Receives exactly `count` messages, as the event source mapping would for one batch. */
async function receive(stack: BenchStack, count: number): Promise<Message[]> {
  const messages: Message[] = [];
  for (let round = 0; messages.length < count; round++) {
    if (round === 20) throw new Error(`only ${messages.length} of ${count} routing messages arrived`);
    const { Messages = [] } = await stack.poller.send(
      new ReceiveMessageCommand({
        QueueUrl: stack.queueUrl,
        MaxNumberOfMessages: Math.min(10, count - messages.length),
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    messages.push(...Messages);
  }
  return messages;
}

function share(
  tallies: readonly CommandTally[],
  messages: number,
  invocations: number,
  logBytes: number,
): FunctionShare {
  const perMessage = (value: number) => round(value / messages, 3);
  const sum = (service: string, pick: (tally: CommandTally) => number) =>
    tallies.filter((tally) => tally.service === service).reduce((total, tally) => total + pick(tally), 0);
  return {
    invocations: perMessage(invocations),
    dynamodbRequests: perMessage(sum('DynamoDB', (tally) => tally.requests)),
    writeUnits: perMessage(sum('DynamoDB', (tally) => tally.computedWriteUnits)),
    readUnits: perMessage(sum('DynamoDB', (tally) => tally.computedReadUnits)),
    reportedWriteUnits: perMessage(sum('DynamoDB', (tally) => tally.reportedWriteUnits)),
    reportedReadUnits: perMessage(sum('DynamoDB', (tally) => tally.reportedReadUnits)),
    sqsRequests: perMessage(sum('SQS', (tally) => tally.requests)),
    requests: Object.fromEntries(
      tallies.map((tally) => [`${tally.service}.${tally.command}`, perMessage(tally.requests)]),
    ),
    logBytes: perMessage(logBytes),
    largestItemBytes: Math.max(0, ...tallies.map((tally) => tally.largestItemBytes)),
  };
}
