import { readdir, readFile } from 'node:fs/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { HttpEvent, HttpResult } from '../functions/lib/http.js';
import { ENV } from '../functions/manifest.js';
import { createTable } from '../local/create-table.js';
import { startDynamoEmulator } from '../local/dynamodb-emulator.js';
import { startFauxqsEmulator, startSesEmulator } from '../local/emulators.js';
import { createLambdaContext } from '../local/lambda-context.js';
import { createQueueWithDlq, type QueueWithDlq } from '../local/queues.js';
import { systemClock } from '../shared/clock.js';
import type { Tier } from '../shared/schemas/index.js';
import { KbArticleCreateSchema } from '../shared/schemas/kb-requests.js';
import { createDb } from '../shared/store/db.js';
import { putArticle } from '../shared/store/kb-articles.js';
import { CapacityMeter } from './capacity-meter.js';
import { LogSink } from './log-sink.js';
import { type InstrumentableClient, instrumentSdkClients, RequestCounter } from './request-counter.js';

export const REGION = 'us-east-1';
const TABLE_NAME = 'carebridge-bench';
const QUEUE_NAME = 'carebridge-bench-routing';
const VERIFICATION_QUEUE_NAME = 'carebridge-bench-identity-verification';
/** Memory the functions are priced at (MB). */
export const FUNCTION_MEMORY_MB = 256;

export type WebFormHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;
export type RouteHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
/** A queue consumer: the routing consumer, or a tier's. */
export type QueueHandler = RouteHandler;

/** The real handlers wired to DynamoDB and SQS emulators, with every request they send counted. */
export interface BenchStack {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly counter: RequestCounter;
  readonly meter: CapacityMeter;
  readonly logs: LogSink;
  readonly webform: WebFormHandler;
  readonly route: RouteHandler;
  /** The tier queues (FIFO) the routing consumer forwards to, and their consumers. */
  readonly tierQueues: Readonly<Record<Tier, QueueWithDlq>>;
  readonly tierConsumers: Readonly<Record<Tier, QueueHandler>>;
  /** Plays the SQS event source mapping: receives and deletes; its requests are counted. */
  readonly poller: SQSClient;
  /** Looks at queues without being counted (how many messages wait). */
  readonly inspector: SQSClient;
  context(functionName: string): Context;
  stop(): Promise<void>;
}

/**
 * Starts dynalite (with transactions) and fauxqs on free 127.0.0.1 ports, creates the table and the
 * routing queue, points the SDK at them through the standard AWS_ENDPOINT_URL_* variables and imports
 * the handlers, whose module-scope clients are then counted by the middleware installed here.
 */
export async function startBenchStack(): Promise<BenchStack> {
  const dynamo = await startDynamoEmulator();
  const sqs = await startFauxqsEmulator();
  // The e-level answers by email: SES v2 requests are counted against a local SES.
  const ses = await startSesEmulator();
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ENDPOINT_URL_SES: ses.endpoint,
    AWS_ENDPOINT_URL_SESV2: ses.endpoint,
    [ENV.email.from]: 'support@bench.example.com',
    // The e-level could answer a chat visitor; nothing listens here, and the bench sends no chat.
    [ENV.chat.callbackUrl]: 'http://127.0.0.1:9/bench',
    // X-Ray is on in the deployed functions; Powertools then adds the trace id to every log line.
    _X_AMZN_TRACE_ID: 'Root=1-6745f1a2-3b1c2d4e5f60718293a4b5c6;Parent=53995c3f42cd8ad8;Sampled=1',
  });

  const shadow = new DynamoDBClient({});
  const admin = new SQSClient({});
  await createTable(shadow, TABLE_NAME);
  const { QueueUrl } = await admin.send(new CreateQueueCommand({ QueueName: QUEUE_NAME }));
  if (!QueueUrl) throw new Error('fauxqs returned no queue URL');
  const { Attributes } = await admin.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = Attributes?.QueueArn ?? `arn:aws:sqs:${REGION}:000000000000:${QUEUE_NAME}`;
  // New customers who typed an email ask for a verification link; the bench counts that send too.
  const verification = await admin.send(new CreateQueueCommand({ QueueName: VERIFICATION_QUEUE_NAME }));
  if (!verification.QueueUrl) throw new Error('fauxqs returned no queue URL');
  const tierQueues = Object.fromEntries(
    await Promise.all(
      TIERS.map(
        async (tier) =>
          [
            tier,
            await createQueueWithDlq(admin, `carebridge-bench-tier-${tier}`, {
              visibilityTimeoutSeconds: 60,
              fifo: true,
            }),
          ] as const,
      ),
    ),
  ) as Record<Tier, QueueWithDlq>;
  for (const tier of TIERS) process.env[ENV.queueUrl(`tier-${tier}`)] = tierQueues[tier].url;
  const fallback = await admin.send(new CreateQueueCommand({ QueueName: 'carebridge-bench-chat-fallback' }));
  process.env[ENV.queueUrl('chat-fallback')] = fallback.QueueUrl;
  process.env[ENV.table] = TABLE_NAME;
  process.env[ENV.queueUrl('routing')] = QueueUrl;
  process.env[ENV.queueUrl('identity-verification')] = verification.QueueUrl;

  await seedKnowledgeBase();

  const counter = new RequestCounter();
  const meter = new CapacityMeter(counter, shadow);
  await meter.learnTable(TABLE_NAME);
  const uncounted = new Set<object>([shadow, admin]);
  const restoreSend = instrumentSdkClients((client: InstrumentableClient) => {
    if (uncounted.has(client)) return;
    counter.attach(client);
    meter.attach(client);
  });

  const logs = new LogSink();
  const webformModule = await import('../functions/webform/handler.js');
  const routeModule = await import('../functions/route/handler.js');
  const agentsTier = await import('../functions/tiers/agents.js');
  const eLevel = await import('../functions/tiers/e-level.js');
  const tierConsumers: Record<Tier, QueueHandler> = {
    e: (event, context) => eLevel.handler(event, context),
    '1': (event, context) => agentsTier.handler(event, context),
    '2': (event, context) => agentsTier.handler(event, context),
    '3': (event, context) => agentsTier.handler(event, context),
  };
  const webform: WebFormHandler = (event, context) => webformModule.handler(event, context);
  const route: RouteHandler = (event, context) => routeModule.handler(event, context);

  return {
    tableName: TABLE_NAME,
    queueUrl: QueueUrl,
    queueArn,
    counter,
    meter,
    logs,
    webform,
    route,
    tierQueues,
    tierConsumers,
    poller: new SQSClient({}),
    inspector: admin,
    context: (functionName) =>
      createLambdaContext({
        functionName: `carebridge-prod-${functionName}`,
        region: REGION,
        accountId: '123456789012',
        timeoutMs: 10_000,
        memoryLimitInMB: FUNCTION_MEMORY_MB,
      }),
    stop: async () => {
      logs.stop();
      restoreSend();
      await Promise.all([dynamo.stop(), sqs.stop(), ses.stop()]);
    },
  };
}

const TIERS: readonly Tier[] = ['e', '1', '2', '3'];

/** The local stack's knowledge base (events/kb), written before counting starts, as an admin would. */
async function seedKnowledgeBase(): Promise<void> {
  const db = createDb(TABLE_NAME);
  const dir = new URL('../events/kb/', import.meta.url);
  for (const name of (await readdir(dir)).filter((file) => file.endsWith('.json')).sort()) {
    const article = KbArticleCreateSchema.parse(JSON.parse(await readFile(new URL(name, dir), 'utf8')));
    await putArticle(db, article, systemClock);
  }
  db.doc.destroy();
}
