import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import type { HttpEvent, StaffRole } from '../functions/lib/http.js';
import { ENV, FUNCTIONS, type FunctionDefinition, type QueueName } from '../functions/manifest.js';
import { systemClock } from '../shared/clock.js';
import type { GatewayResponse } from './apigw-v2.js';
import { createTable } from './create-table.js';
import {
  createDevSigningKey,
  DEV_CLIENT_ID,
  DEV_ISSUER_PATH,
  DEV_JWKS_PATH,
  DEV_OPENID_CONFIGURATION_PATH,
  issueDevTokens,
  openIdConfiguration,
} from './dev-auth.js';
import { startDynamoEmulator } from './dynamodb-emulator.js';
import { startFauxqsEmulator, startSesEmulator } from './emulators.js';
import { type GatewayRoute, startGateway } from './gateway.js';
import { createJwtAuthorizer } from './jwt-authorizer.js';
import { createLambdaContext } from './lambda-context.js';
import { type SeededSubmission, seedWebForms } from './seed.js';
import { type SqsPoller, startSqsPoller } from './sqs-poller.js';

/** Region, account and names of the local world. */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_TABLE_NAME = 'carebridge-local';
/** Receives before a message moves to the dead-letter queue, as in the CDK app. */
export const MAX_RECEIVE_COUNT = 5;

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const FUNCTION_TIMEOUT_MS = { http: 10_000, queue: 30_000 } as const;
const FUNCTION_MEMORY_MB = 512;

export interface LocalStackOptions {
  /** Gateway port on 127.0.0.1; 0 picks a free one. Default 3000. */
  readonly port?: number;
  /** Emulator ports on 127.0.0.1; free ports by default. */
  readonly dynamodbPort?: number;
  readonly sqsPort?: number;
  readonly sesPort?: number;
  /** Directory for persistent data (DynamoDB's LevelDB under `dynamodb/`); in memory when omitted. */
  readonly dataDir?: string;
  /** POST the demo web forms of events/webform through the gateway once up. Default true. */
  readonly seed?: boolean;
  /** POWERTOOLS_LOG_LEVEL of the handlers. Default WARN. */
  readonly logLevel?: string;
  /** Visibility timeout of the local queues: how soon a failed record is retried. Default 30 s. */
  readonly queueVisibilityTimeoutSeconds?: number;
  /** Where handler and poller failures are reported; console.error by default. */
  readonly onError?: (message: string, error: unknown) => void;
}

/** Everything a client needs to use the stack; written to .carebridge/local.json by `npm start`. */
export interface LocalStackInfo {
  readonly apiUrl: string;
  readonly tokens: Readonly<Record<StaffRole, string>>;
  readonly issuer: string;
  readonly clientId: string;
  readonly dynamodb: { readonly endpoint: string; readonly tableName: string };
  readonly sqs: { readonly endpoint: string; readonly queues: Readonly<Record<string, string>> };
  readonly s3: { readonly endpoint: string };
  readonly ses: { readonly endpoint: string; readonly mailboxUrl: string };
}

/** A running local stack. */
export interface LocalStack {
  readonly info: LocalStackInfo;
  /** The demo submissions seeded at start (empty when seeding was off). */
  readonly seeded: readonly SeededSubmission[];
  /** Stops pollers, gateway and emulators; safe to call more than once. */
  stop(): Promise<void>;
}

let startedInThisProcess = false;

/**
 * Starts the whole backend on 127.0.0.1 with no AWS account: DynamoDB (dynalite), SQS and S3 (fauxqs),
 * SES (aws-ses-v2-local), the table and queues the CDK app would create, every function of
 * functions/manifest.ts behind a local API gateway or an SQS poller, and a dev JWT issuer. Handlers
 * are the deployed files, imported after process.env points the SDK at the emulators through the
 * standard AWS_ENDPOINT_URL_* variables.
 *
 * Handler modules are process-wide singletons whose clients read the environment once, so a process
 * runs one local stack in its lifetime; a second call throws.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  if (startedInThisProcess) throw new Error('a process runs one local stack; start another process');
  startedInThisProcess = true;
  const onError = options.onError ?? ((message: string, error: unknown) => console.error(message, error));
  const cleanups: (() => Promise<void>)[] = [];
  const started = <T extends { stop(): Promise<void> }>(service: T): T => {
    cleanups.push(() => service.stop());
    return service;
  };
  const stopAll = async () => {
    // Last started, first stopped: pollers and gateway before the emulators they use.
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => onError('[local] stopping failed', error));
    }
  };

  try {
    const dynamoPath = options.dataDir === undefined ? undefined : join(options.dataDir, 'dynamodb');
    if (dynamoPath !== undefined) await mkdir(dynamoPath, { recursive: true });
    const [dynamo, fauxqs, ses] = await allStarted([
      startDynamoEmulator({
        port: options.dynamodbPort ?? 0,
        ...(dynamoPath ? { path: dynamoPath } : {}),
      }).then(started),
      startFauxqsEmulator({ port: options.sqsPort ?? 0 }).then(started),
      startSesEmulator({ port: options.sesPort ?? 0 }).then(started),
    ] as const);

    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const dynamoAdmin = new DynamoDBClient({ region: LOCAL_REGION, endpoint: dynamo.endpoint, credentials });
    const sqs = new SQSClient({ region: LOCAL_REGION, endpoint: fauxqs.endpoint, credentials });
    started({
      stop: async () => {
        dynamoAdmin.destroy();
        sqs.destroy();
      },
    });
    await createTable(dynamoAdmin, LOCAL_TABLE_NAME);
    const queues = await createQueues(
      sqs,
      queueNames(FUNCTIONS),
      options.queueVisibilityTimeoutSeconds ?? 30,
    );

    setHandlerEnvironment({
      dynamodb: dynamo.endpoint,
      sqs: fauxqs.endpoint,
      s3: fauxqs.endpoint,
      ses: ses.endpoint,
      queues,
      logLevel: options.logLevel ?? 'WARN',
    });
    const handlers = await loadHandlers(FUNCTIONS);

    const signingKey = await createDevSigningKey();
    const gateway = started(
      await startGateway({
        port: options.port ?? 3000,
        routes: gatewayRoutes(handlers),
        localRoutes: [
          { method: 'GET', path: DEV_JWKS_PATH, respond: () => jsonBody(signingKey.jwks) },
          {
            method: 'GET',
            path: DEV_OPENID_CONFIGURATION_PATH,
            respond: (gatewayUrl) => jsonBody(openIdConfiguration(`${gatewayUrl}${DEV_ISSUER_PATH}`)),
          },
        ],
        authorizer: (gatewayUrl) =>
          createJwtAuthorizer({ issuer: `${gatewayUrl}${DEV_ISSUER_PATH}`, audience: [DEV_CLIENT_ID] }),
        // Time warp: requestContext carries the same shifted time as shared/clock.ts.
        now: () => Date.parse(systemClock.now()),
        accountId: LOCAL_ACCOUNT_ID,
        onError,
      }),
    );
    const pollers = startPollers(handlers, queues, sqs, onError);
    started({
      stop: async () => {
        await Promise.all(pollers.map((poller) => poller.stop()));
      },
    });

    const issuer = `${gateway.url}${DEV_ISSUER_PATH}`;
    const info: LocalStackInfo = {
      apiUrl: gateway.url,
      tokens: await issueDevTokens(signingKey, issuer, DEV_CLIENT_ID),
      issuer,
      clientId: DEV_CLIENT_ID,
      dynamodb: { endpoint: dynamo.endpoint, tableName: LOCAL_TABLE_NAME },
      sqs: {
        endpoint: fauxqs.endpoint,
        queues: Object.fromEntries(
          [...queues].flatMap(([name, queue]) => [
            [name, queue.url],
            [`${name}Dlq`, queue.dlqUrl],
          ]),
        ),
      },
      s3: { endpoint: fauxqs.endpoint },
      ses: { endpoint: ses.endpoint, mailboxUrl: ses.mailboxUrl },
    };
    const seeded =
      options.seed === false
        ? []
        : await seedWebForms(gateway.url, join(REPOSITORY_ROOT, 'events', 'webform'));

    let stopped: Promise<void> | undefined;
    return {
      info,
      seeded,
      stop: () => {
        stopped ??= stopAll();
        return stopped;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Like Promise.all, but settles every start first, so whatever did start is registered for stopping. */
async function allStarted<T extends readonly unknown[]>(
  starts: { readonly [K in keyof T]: Promise<T[K]> },
): Promise<T> {
  const outcomes = await Promise.allSettled(starts);
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return Promise.all(starts);
}

/**
 * Sets what the CDK app sets on each function (table name, queue URLs), pointed at the emulators through
 * the SDK's standard endpoint variables, with dummy credentials. Handler modules read it when imported.
 */
function setHandlerEnvironment(world: {
  readonly dynamodb: string;
  readonly sqs: string;
  readonly s3: string;
  readonly ses: string;
  readonly queues: ReadonlyMap<QueueName, LocalQueue>;
  readonly logLevel: string;
}): void {
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: world.dynamodb,
    AWS_ENDPOINT_URL_SQS: world.sqs,
    AWS_ENDPOINT_URL_S3: world.s3,
    AWS_ENDPOINT_URL_SES: world.ses,
    AWS_ENDPOINT_URL_SESV2: world.ses,
    POWERTOOLS_SERVICE_NAME: 'carebridge',
    POWERTOOLS_LOG_LEVEL: world.logLevel,
    [ENV.table]: LOCAL_TABLE_NAME,
    ...Object.fromEntries([...world.queues].map(([name, queue]) => [ENV.queueUrl(name), queue.url])),
  });
  // Credentials and settings of the developer's shell must not send the local world to AWS.
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
}

/** A function of the manifest with its imported handler. */
interface LoadedFunction {
  readonly definition: FunctionDefinition;
  readonly handler: LoadedHandler;
  readonly createContext: () => Context;
}

async function loadHandlers(functions: readonly FunctionDefinition[]): Promise<LoadedFunction[]> {
  return Promise.all(
    functions.map(async (definition) => ({
      definition,
      handler: await loadHandler(definition.entry),
      createContext: () =>
        createLambdaContext({
          functionName: `carebridge-${definition.name}`,
          region: LOCAL_REGION,
          accountId: LOCAL_ACCOUNT_ID,
          timeoutMs: FUNCTION_TIMEOUT_MS[definition.kind],
          memoryLimitInMB: FUNCTION_MEMORY_MB,
        }),
    })),
  );
}

/** The gateway routes of the manifest's HTTP functions. */
function gatewayRoutes(functions: readonly LoadedFunction[]): GatewayRoute[] {
  return functions.flatMap(({ definition, handler, createContext }) => {
    if (definition.kind !== 'http') return [];
    return [
      {
        method: definition.method,
        path: definition.path,
        auth: definition.auth,
        ...(definition.throttle ? { throttle: definition.throttle } : {}),
        handler: (event: HttpEvent, context: Context) => handler(event, context),
        createContext,
      },
    ];
  });
}

/** One poller per queue consumer of the manifest. */
function startPollers(
  functions: readonly LoadedFunction[],
  queues: ReadonlyMap<QueueName, LocalQueue>,
  sqs: SQSClient,
  onError: (message: string, error: unknown) => void,
): SqsPoller[] {
  return functions.flatMap(({ definition, handler, createContext }) => {
    if (definition.kind !== 'queue') return [];
    const queue = queues.get(definition.queue);
    if (!queue) throw new Error(`queue ${definition.queue} was not created`);
    return [
      startSqsPoller({
        sqs,
        queueUrl: queue.url,
        queueArn: queue.arn,
        region: LOCAL_REGION,
        batchSize: definition.batchSize,
        handler: (event, context) => handler(event, context),
        createContext,
        onError,
      }),
    ];
  });
}

/** A queue with its dead-letter queue. */
interface LocalQueue {
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
}

/** Every queue a function consumes or sends to. */
function queueNames(functions: readonly FunctionDefinition[]): QueueName[] {
  const names = new Set<QueueName>();
  for (const fn of functions) {
    if (fn.kind === 'queue') names.add(fn.queue);
    for (const queue of fn.access.sendsTo ?? []) names.add(queue);
  }
  return [...names];
}

/** Creates each queue and its dead-letter queue, with the CDK app's redrive policy. Idempotent. */
async function createQueues(
  sqs: SQSClient,
  names: readonly QueueName[],
  visibilityTimeoutSeconds: number,
): Promise<Map<QueueName, LocalQueue>> {
  const queues = new Map<QueueName, LocalQueue>();
  for (const name of names) {
    const dlqUrl = await createQueue(sqs, `${LOCAL_TABLE_NAME}-${name}-dlq`, {
      MessageRetentionPeriod: String(14 * 24 * 60 * 60),
    });
    const url = await createQueue(sqs, `${LOCAL_TABLE_NAME}-${name}`, {
      VisibilityTimeout: String(visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: await queueArn(sqs, dlqUrl),
        maxReceiveCount: MAX_RECEIVE_COUNT,
      }),
    });
    queues.set(name, { url, arn: await queueArn(sqs, url), dlqUrl });
  }
  return queues;
}

async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!QueueUrl) throw new Error(`queue ${name} has no URL`);
  return QueueUrl;
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${queueUrl} has no ARN`);
  return arn;
}

type LoadedHandler = (event: unknown, context: Context) => Promise<unknown>;

/** Imports a handler file the way Lambda loads it: the module's exported `handler`. */
async function loadHandler(entry: string): Promise<LoadedHandler> {
  const module: Record<string, unknown> = await import(pathToFileURL(resolve(REPOSITORY_ROOT, entry)).href);
  const handler = module.handler;
  if (!isCallable(handler)) throw new Error(`${entry} does not export a handler function`);
  return async (event, context) => handler(event, context);
}

function isCallable(value: unknown): value is (event: unknown, context: Context) => unknown {
  return typeof value === 'function';
}

function jsonBody(body: unknown): GatewayResponse {
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(JSON.stringify(body), 'utf8'),
  };
}
