import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { StaffRole } from '../functions/lib/http.js';
import { FUNCTIONS, type QueueName, type TopicName } from '../functions/manifest.js';
import { CAMPAIGN_STATES, campaignStateMachineDefinition } from '../infra/lib/campaign-state-machine.js';
import { storeReceivedEmail } from '../shared/channels/email/store-received.js';
import { systemClock } from '../shared/clock.js';
import { EVENT_SOURCE } from '../shared/events/conversation-events.js';
import { type LocalAgent, seedAgents } from './agents.js';
import type { GatewayResponse } from './apigw-v2.js';
import { type AsyncInvoker, createAsyncInvoker, sqsFailureDestination } from './async-invoker.js';
import { createTable } from './create-table.js';
import {
  createDevSigningKey,
  DEV_CLIENT_ID,
  DEV_ISSUER_PATH,
  DEV_JWKS_PATH,
  DEV_OPENID_CONFIGURATION_PATH,
  type DevSigningKey,
  issueDevTokens,
  openIdConfiguration,
} from './dev-auth.js';
import { startDynamoEmulator } from './dynamodb-emulator.js';
import { startDynamoStreamSource, streamFailureRecord } from './dynamodb-stream.js';
import { startFauxqsEmulator, startSesEmulator } from './emulators.js';
import { startEventBus } from './event-bus.js';
import {
  type ArmableFaultInjector,
  anyFault,
  armable,
  createFaultInjector,
  echoFaults,
  type FaultInjector,
  type FaultName,
  type Faults,
  type FaultsEcho,
  faultsFromEnvironment,
} from './faults.js';
import { functionsOfKind, type LoadedFunction, loadFunctions } from './functions.js';
import { type GatewayApi, type GatewayRoute, startGateway } from './gateway.js';
import { applyHandlerEnvironment } from './handler-environment.js';
import { createJwtAuthorizer } from './jwt-authorizer.js';
import { seedKnowledgeBase } from './kb.js';
import { createLambdaContext } from './lambda-context.js';
import { type PublicFace, startPublicFace } from './public-face.js';
import type { QueueWithDlq } from './queues.js';
import { createLocalResources } from './resources.js';
import { CLOCK_PATH, type ScheduleRunner, startSchedules } from './schedules.js';
import { type SeededSubmission, seedWebForms } from './seed.js';
import { createSmsOutbox, EUM_API_PATH, OUTBOX_PATH, TWILIO_API_PATH } from './sms-outbox.js';
import { startSmtpListener } from './smtp-listener.js';
import { startTopicSubscription } from './sns-topics.js';
import { type SqsPoller, startSqsPoller } from './sqs-poller.js';
import { type LocalStateMachine, startLocalStepFunctions } from './step-functions.js';
import { createWebSocketApi } from './websocket-api.js';

export { MAX_RECEIVE_COUNT } from './queues.js';

/** Region, account and names of the local world. */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_TABLE_NAME = 'carebridge-local';
/** The bus domain events go to (the CDK app's `EventBusName` output). */
export const LOCAL_EVENT_BUS_NAME = 'carebridge-local';
/** The campaign state machine (the CDK app's `CampaignStateMachineArn` output). */
export const LOCAL_CAMPAIGN_STATE_MACHINE_ARN = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:carebridge-local-campaigns`;
/** The domain the local SMTP listener takes mail for; support@<domain> sends the replies. */
export const LOCAL_EMAIL_DOMAIN = 'support.carebridge.local';
/** The local Twilio account (a well-formed SID; nothing leaves the machine) and its number. */
export const LOCAL_TWILIO_ACCOUNT_SID = `AC${'0'.repeat(32)}`;
export const LOCAL_TWILIO_NUMBER = '+15005550006';
/** The chat WebSocket API's stage: clients connect to `ws://<gateway>/chat`. */
export const LOCAL_WEBSOCKET_STAGE = 'chat';
/** Where the SES receipt rule's S3 action stores inbound mail. */
export const LOCAL_INBOUND_EMAIL_BUCKET = `${LOCAL_TABLE_NAME}-inbound-email`;
export const LOCAL_INBOUND_EMAIL_PREFIX = 'inbound/';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface LocalStackOptions {
  /** Gateway port on 127.0.0.1 (HTTP API and chat WebSocket); 0 picks a free one. Default 3000. */
  readonly port?: number;
  /** Emulator and SMTP ports on 127.0.0.1; free ports by default. */
  readonly dynamodbPort?: number;
  readonly sqsPort?: number;
  readonly sesPort?: number;
  readonly smtpPort?: number;
  /** The domain inbound mail is accepted for. Default `support.carebridge.local`. */
  readonly emailDomain?: string;
  /** Directory for persistent data (DynamoDB's LevelDB under `dynamodb/`); in memory when omitted. */
  readonly dataDir?: string;
  /** POST the demo web forms of events/webform through the gateway once up. Default true. */
  readonly seed?: boolean;
  /** POWERTOOLS_LOG_LEVEL of the handlers. Default WARN. */
  readonly logLevel?: string;
  /** Print the handlers' metrics (embedded metric format, docs/operations.md) on stdout. Default false. */
  readonly metrics?: boolean;
  /** Visibility timeout of the local queues: how soon a failed record is retried. Default 30 s. */
  readonly queueVisibilityTimeoutSeconds?: number;
  /** How long an agent's chat reply waits for an offline visitor before it goes by email. Default 5 s. */
  readonly chatFallbackDelaySeconds?: number;
  /** How often (real time) the schedule functions run, e.g. the SLA sweep; 2 s by default. */
  readonly scheduleEveryMs?: number;
  /** Waits before the two retries of a failed asynchronous invocation (mail, SNS). Default 1 s, 2 s. */
  readonly asyncRetryDelaysMs?: readonly number[];
  /** The local Twilio auth token; a new random one at every start by default. */
  readonly twilioAuthToken?: string;
  /** Where handler and poller failures are reported; console.error by default. */
  readonly onError?: (message: string, error: unknown) => void;
  /**
   * Injected faults (local/faults.ts): `null` for none; by default those of `CAREBRIDGE_FAULTS` (and
   * `CAREBRIDGE_FAULTS_SEED`) in the environment, which is unset normally, so faults are off.
   */
  readonly faults?: Faults | null;
  /** The demo site's port (another origin than the API); the gateway's port + 1 by default, 0 when that is 0. */
  readonly demoPort?: number;
  /** Origins the API allows by CORS beside the demo site's, e.g. a page of yours that embeds the widget. */
  readonly allowedOrigins?: readonly string[];
  /** Real milliseconds a campaign waits between waves (they read the warped clock). Default 500. */
  readonly campaignWaitMs?: number;
}

/** Everything a client needs to use the stack; written to .carebridge/local.json by `npm start`. */
export interface LocalStackInfo {
  readonly apiUrl: string;
  readonly tokens: Readonly<Record<StaffRole, string>>;
  /** `POST {"seconds": n}` to `advanceUrl` moves the stack's clock forward and runs the schedules (SLA sweep). */
  readonly clock: { readonly advanceUrl: string };
  /** Two agents per human tier, with their skills and a token each (PUT /v1/agents/me/status, POST /v1/agents/me/next). */
  readonly agents: readonly LocalAgent[];
  readonly issuer: string;
  readonly clientId: string;
  readonly dynamodb: { readonly endpoint: string; readonly tableName: string };
  readonly sqs: { readonly endpoint: string; readonly queues: Readonly<Record<string, string>> };
  readonly s3: { readonly endpoint: string; readonly inboundEmailBucket: string };
  readonly ses: { readonly endpoint: string; readonly mailboxUrl: string };
  /** Send mail here to `<anyone>@<domain>`. */
  readonly smtp: { readonly host: string; readonly port: number; readonly domain: string };
  /** Sign test webhooks with `authToken` for `webhookUrl` (see local/send-sms.ts). */
  readonly twilio: {
    readonly webhookUrl: string;
    readonly authToken: string;
    readonly accountSid: string;
    /** The local Twilio number: send webhooks `To` it; replies come `From` it. */
    readonly number: string;
  };
  readonly chat: { readonly sessionsUrl: string; readonly wsUrl: string };
  /**
   * The identity secret, new at every start: a site signs its logged-in user's email or phone with it
   * (hex HMAC-SHA256 of the canonical value, keyed with this text's UTF-8 bytes) for the web form and chat.
   */
  readonly identitySecret: string;
  /** Where verification links point (the mailer appends `?token=…`). */
  readonly identityVerifyUrl: string;
  /**
   * The local EventBridge bus: `GET eventsUrl` lists the domain events published (conversation.opened,
   * assigned, escalated, resolved, reopened, sla.breached), newest last.
   */
  readonly events: { readonly busName: string; readonly eventsUrl: string };
  /** Where replies land: the SES emulator's store, the SMS outbox. */
  readonly outbox: { readonly sesUrl: string; readonly smsUrl: string };
  /** Publish to these topics with any SNS client at `endpoint` to reach their functions. */
  readonly sns: { readonly endpoint: string; readonly topics: Readonly<Partial<Record<TopicName, string>>> };
  /** The injected faults, present only when some are on (replay a run with the same `spec`). */
  readonly faults?: FaultsEcho;
  /** A page on another origin with the chat widget and the web form. */
  readonly demoUrl: string;
  /** The chat widget's script, for `<script src=… data-carebridge-api=…>`. */
  readonly widgetUrl: string;
  /** The rendered API reference. */
  readonly docsUrl: string;
}

/** A running local stack. */
export interface LocalStack {
  readonly info: LocalStackInfo;
  /** The demo submissions seeded at start (empty when seeding was off). */
  readonly seeded: readonly SeededSubmission[];
  /** Resolves once no asynchronous invocation (mail, SNS) is queued, running or waiting for a retry. */
  asyncIdle(): Promise<void>;
  /** How many operations each injected fault has hit so far; undefined when faults are off. */
  faultsInjected(): Record<FaultName, number> | undefined;
  /** Stops listeners, pollers, gateway and emulators; safe to call more than once. */
  stop(): Promise<void>;
}

let startedInThisProcess = false;

/**
 * Starts the whole backend on 127.0.0.1 with no AWS account: DynamoDB (dynalite), SQS, S3 and SNS
 * (fauxqs), SES (aws-ses-v2-local), the table, queues, topics and bucket the CDK app would create, and
 * every function of functions/manifest.ts behind its event source: the HTTP API and the chat
 * WebSocket API on the local gateway, SQS pollers, SNS subscriptions, and an SMTP listener standing in
 * for SES receiving. Replies land in local sinks: the SES emulator's store and the gateway's SMS outbox.
 * Handlers are the deployed files, imported after process.env points the SDK at the emulators through
 * the standard AWS_ENDPOINT_URL_* variables.
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
    // Last started, first stopped: listeners and pollers before the gateway, the emulators last.
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => onError('[local] stopping failed', error));
    }
  };

  const faults = options.faults === undefined ? faultsFromEnvironment(process.env) : options.faults;
  // Armed once the stack is up: its own seeding (agents, demo forms) runs without faults.
  const injector: ArmableFaultInjector | undefined =
    faults && anyFault(faults) ? armable(createFaultInjector(faults)) : undefined;
  try {
    const dynamoPath = options.dataDir === undefined ? undefined : join(options.dataDir, 'dynamodb');
    if (dynamoPath !== undefined) await mkdir(dynamoPath, { recursive: true });
    const [dynamo, fauxqs, ses, bus, stepFunctions] = await allStarted([
      startDynamoEmulator({
        port: options.dynamodbPort ?? 0,
        ...(dynamoPath ? { path: dynamoPath } : {}),
        ...(injector ? { faults: injector } : {}),
      }).then(started),
      startFauxqsEmulator({ port: options.sqsPort ?? 0 }).then(started),
      startSesEmulator({ port: options.sesPort ?? 0 }).then(started),
      startEventBus({
        region: LOCAL_REGION,
        accountId: LOCAL_ACCOUNT_ID,
        buses: [LOCAL_EVENT_BUS_NAME],
        onError,
      }).then(started),
      startLocalStepFunctions({ region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID, onError }).then(started),
    ] as const);

    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const clientConfig = { region: LOCAL_REGION, credentials };
    const dynamoAdmin = new DynamoDBClient({ ...clientConfig, endpoint: dynamo.endpoint });
    const sqs = new SQSClient({ ...clientConfig, endpoint: fauxqs.endpoint });
    const sns = new SNSClient({ ...clientConfig, endpoint: fauxqs.endpoint });
    const s3 = new S3Client({ ...clientConfig, endpoint: fauxqs.endpoint, forcePathStyle: true });
    started({
      stop: async () => {
        for (const client of [dynamoAdmin, sqs, sns, s3]) client.destroy();
      },
    });

    await createTable(dynamoAdmin, LOCAL_TABLE_NAME);
    const { queues, failureQueues, topicArns, subscriptions } = await createLocalResources(
      { sqs, sns, s3 },
      FUNCTIONS,
      {
        prefix: LOCAL_TABLE_NAME,
        visibilityTimeoutSeconds: options.queueVisibilityTimeoutSeconds ?? 30,
        inboundMailBucket: LOCAL_INBOUND_EMAIL_BUCKET,
      },
    );

    const emailDomain = (options.emailDomain ?? LOCAL_EMAIL_DOMAIN).toLowerCase();
    const twilioAuthToken = options.twilioAuthToken ?? randomBytes(16).toString('hex');
    // 32 random bytes as 43 base64url characters; the handlers key HMACs with the text's bytes.
    const identitySecret = randomBytes(32).toString('base64url');
    const signingKey = await createDevSigningKey();
    const smsOutbox = createSmsOutbox({
      twilioAccountSid: LOCAL_TWILIO_ACCOUNT_SID,
      twilioAuthToken,
      twilioNumbers: [LOCAL_TWILIO_NUMBER],
    });
    const port = options.port ?? 3000;
    const publicFace = started(
      await startPublicFace({
        demoPort: options.demoPort ?? (port === 0 ? 0 : port + 1),
        allowedOrigins: options.allowedOrigins ?? [],
      }),
    );
    let functions: LoadedFunction[] = [];
    let schedules: ScheduleRunner | undefined;
    const now = () => Date.parse(systemClock.now());
    const gateway = started(
      await startGateway({
        port,
        serve: async (gatewayUrl) => {
          publicFace.setApiUrl(gatewayUrl);
          // The handlers' configuration names the gateway (webhook URL, @connections URL), so they load now.
          applyHandlerEnvironment({
            region: LOCAL_REGION,
            logLevel: options.logLevel ?? 'WARN',
            metrics: options.metrics ?? false,
            tableName: LOCAL_TABLE_NAME,
            endpoints: {
              dynamodb: dynamo.endpoint,
              sqs: fauxqs.endpoint,
              s3: fauxqs.endpoint,
              sns: fauxqs.endpoint,
              ses: ses.endpoint,
              eum: `${gatewayUrl}${EUM_API_PATH}`,
              eventbridge: bus.endpoint,
              sfn: stepFunctions.endpoint,
            },
            eventBusName: LOCAL_EVENT_BUS_NAME,
            campaigns: {
              stateMachineArn: LOCAL_CAMPAIGN_STATE_MACHINE_ARN,
              unsubscribeUrl: `${gatewayUrl}${routePath('unsubscribe-link')}`,
              surveyUrl: `${gatewayUrl}${routePath('survey-link')}`,
            },
            queueUrls: new Map([...queues].map(([name, queue]) => [name, queue.url])),
            inboundMail: { bucket: LOCAL_INBOUND_EMAIL_BUCKET, prefix: LOCAL_INBOUND_EMAIL_PREFIX },
            supportEmail: { address: `support@${emailDomain}`, name: 'Customer Care' },
            twilio: {
              accountSid: LOCAL_TWILIO_ACCOUNT_SID,
              authToken: twilioAuthToken,
              number: LOCAL_TWILIO_NUMBER,
              webhookUrl: `${gatewayUrl}${routePath('twilio-signature')}`,
              apiBaseUrl: `${gatewayUrl}${TWILIO_API_PATH}`,
            },
            chat: {
              tokenSecret: randomBytes(32).toString('base64url'),
              callbackUrl: `${gatewayUrl}/${LOCAL_WEBSOCKET_STAGE}`,
              wsUrl: `${webSocketUrl(gatewayUrl)}/${LOCAL_WEBSOCKET_STAGE}`,
              fallbackDelaySeconds: options.chatFallbackDelaySeconds ?? 5,
            },
            identity: {
              secret: identitySecret,
              verifyUrl: `${gatewayUrl}${routePath('verification-link')}`,
            },
          });
          functions = await loadFunctions(
            FUNCTIONS,
            { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID },
            injector ? { crash: () => injector.hits('lambda.crash') } : {},
          );
          stepFunctions.register(campaignStateMachine(functions, options.campaignWaitMs ?? 500));
          schedules = startSchedules(
            functions,
            { everyMs: options.scheduleEveryMs ?? 2_000, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID },
            onError,
          );
          return gatewayApi(
            gatewayUrl,
            functions,
            signingKey,
            [...(smsOutbox.routes ?? []), ...schedules.routes],
            now,
            onError,
            publicFace,
          );
        },
        // Time warp: requestContext carries the same shifted time as shared/clock.ts.
        now,
        accountId: LOCAL_ACCOUNT_ID,
        onError,
      }),
    );

    const runner = schedules;
    if (runner) started({ stop: () => runner.stop() });

    const invokers = new Map<string, AsyncInvoker>();
    for (const fn of [...functionsOfKind(functions, 'mail'), ...functionsOfKind(functions, 'topic')]) {
      const failureQueue = failureQueues.get(fn.definition.name);
      if (!failureQueue) throw new Error(`the failure queue of ${fn.definition.name} was not created`);
      const invoker = createAsyncInvoker({
        functionName: `carebridge-${fn.definition.name}`,
        handler: fn.handler,
        createContext: fn.createContext,
        onFailure: sqsFailureDestination(sqs, failureQueue.url, fn.createContext().invokedFunctionArn),
        ...(options.asyncRetryDelaysMs ? { retryDelaysMs: options.asyncRetryDelaysMs } : {}),
        onError,
      });
      invokers.set(fn.definition.name, started(invoker));
    }

    const [mailFunction] = functionsOfKind(functions, 'mail');
    const mailInvoker = mailFunction && invokers.get(mailFunction.definition.name);
    if (!mailInvoker) throw new Error('the manifest has no mail function');
    const inboundMail = { bucket: LOCAL_INBOUND_EMAIL_BUCKET, prefix: LOCAL_INBOUND_EMAIL_PREFIX };
    const smtp = started(
      await startSmtpListener({
        port: options.smtpPort ?? 0,
        domain: emailDomain,
        // The receipt rule: S3 action (the raw MIME), then the Lambda action (asynchronous).
        receive: async (raw, envelope) =>
          mailInvoker.invoke(await storeReceivedEmail(s3, inboundMail, raw, envelope)),
        onError,
      }),
    );

    // Rules on the domain-event bus: each event function gets the events of its detail-types.
    for (const fn of functionsOfKind(functions, 'event')) {
      const failureQueue = failureQueues.get(fn.definition.name);
      if (!failureQueue) throw new Error(`the failure queue of ${fn.definition.name} was not created`);
      const unsubscribe = bus.subscribe({
        name: `carebridge-${fn.definition.name}`,
        busName: LOCAL_EVENT_BUS_NAME,
        pattern: { source: [EVENT_SOURCE], 'detail-type': [...fn.definition.detailTypes] },
        handler: (event, context) => fn.handler(event, context),
        createContext: fn.createContext,
        onFailure: sqsFailureDestination(sqs, failureQueue.url, fn.createContext().invokedFunctionArn),
      });
      started({ stop: async () => unsubscribe() });
    }

    // The table's change stream feeds its consumers (the domain-event publisher, the report aggregates),
    // as Lambda's mapping does.
    for (const fn of functionsOfKind(functions, 'stream')) {
      const failureQueue = failureQueues.get(fn.definition.name);
      if (!failureQueue) throw new Error(`the failure queue of ${fn.definition.name} was not created`);
      const functionArn = fn.createContext().invokedFunctionArn;
      const source = started(
        startDynamoStreamSource({
          functionName: `carebridge-${fn.definition.name}`,
          handler: fn.handler,
          createContext: fn.createContext,
          batchSize: fn.definition.batchSize,
          filters: [
            {
              dynamodb: {
                Keys: { pk: { S: fn.definition.partitionKeyPrefixes.map((prefix) => ({ prefix })) } },
              },
            },
          ],
          onFailure: async (failure) => {
            await sqs.send(
              new SendMessageCommand({
                QueueUrl: failureQueue.url,
                MessageBody: JSON.stringify(streamFailureRecord(failure, { functionArn })),
              }),
            );
          },
          onError,
        }),
      );
      const unsubscribe = dynamo.subscribeStream(source.push, { tableName: LOCAL_TABLE_NAME });
      started({ stop: async () => unsubscribe() });
    }

    const pollers: SqsPoller[] = [
      ...startQueuePollers(functions, queues, sqs, onError, injector),
      ...functionsOfKind(functions, 'topic').map((fn) => {
        const subscription = subscriptions.get(fn.definition.name);
        const invoker = invokers.get(fn.definition.name);
        if (!subscription || !invoker) throw new Error(`topic ${fn.definition.topic} was not wired`);
        return startTopicSubscription({
          sqs,
          subscription,
          region: LOCAL_REGION,
          invoker,
          createContext: pollerContext,
          onError,
        });
      }),
    ];
    started({
      stop: async () => {
        await Promise.all(pollers.map((poller) => poller.stop()));
      },
    });

    const issuer = `${gateway.url}${DEV_ISSUER_PATH}`;
    const tokens = await issueDevTokens(signingKey, issuer, DEV_CLIENT_ID);
    // Agents are registered on every start (idempotently): tests and scripts drive them by token.
    const agents = await seedAgents(gateway.url, tokens.admin, signingKey, {
      issuer,
      clientId: DEV_CLIENT_ID,
    });
    // The e-level's knowledge base, as an administrator keeps it (idempotent on a kept data directory).
    await seedKnowledgeBase(gateway.url, tokens.admin, join(REPOSITORY_ROOT, 'events', 'kb'));
    const info: LocalStackInfo = {
      apiUrl: gateway.url,
      tokens,
      agents,
      issuer,
      clientId: DEV_CLIENT_ID,
      dynamodb: { endpoint: dynamo.endpoint, tableName: LOCAL_TABLE_NAME },
      sqs: {
        endpoint: fauxqs.endpoint,
        queues: Object.fromEntries([
          ...[...queues].flatMap(([name, queue]) => [
            [name, queue.url],
            [`${name}Dlq`, queue.dlqUrl],
          ]),
          ...[...failureQueues].map(([name, queue]) => [`${name}Failures`, queue.url]),
        ]),
      },
      s3: { endpoint: fauxqs.endpoint, inboundEmailBucket: LOCAL_INBOUND_EMAIL_BUCKET },
      ses: { endpoint: ses.endpoint, mailboxUrl: ses.mailboxUrl },
      smtp: { host: smtp.host, port: smtp.port, domain: emailDomain },
      twilio: {
        webhookUrl: `${gateway.url}${routePath('twilio-signature')}`,
        authToken: twilioAuthToken,
        accountSid: LOCAL_TWILIO_ACCOUNT_SID,
        number: LOCAL_TWILIO_NUMBER,
      },
      chat: {
        sessionsUrl: `${gateway.url}${routePath('visitor-session')}`,
        wsUrl: `${webSocketUrl(gateway.url)}/${LOCAL_WEBSOCKET_STAGE}`,
      },
      clock: { advanceUrl: `${gateway.url}${CLOCK_PATH}` },
      identitySecret,
      identityVerifyUrl: `${gateway.url}${routePath('verification-link')}`,
      events: { busName: LOCAL_EVENT_BUS_NAME, eventsUrl: `${bus.endpoint}/events` },
      outbox: { sesUrl: `${ses.endpoint}/store`, smsUrl: `${gateway.url}${OUTBOX_PATH}` },
      sns: { endpoint: fauxqs.endpoint, topics: Object.fromEntries(topicArns) },
      ...(faults && injector ? { faults: echoFaults(faults) } : {}),
      ...publicFace.urls(gateway.url),
    };
    const seeded =
      options.seed === false
        ? []
        : await seedWebForms(gateway.url, join(REPOSITORY_ROOT, 'events', 'webform'), identitySecret);

    injector?.arm();
    let stopped: Promise<void> | undefined;
    return {
      info,
      seeded,
      asyncIdle: async () => {
        await Promise.all([...invokers.values()].map((invoker) => invoker.idle()));
      },
      faultsInjected: () => injector?.injected(),
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
 * The one path of the manifest's HTTP routes with this kind of authentication (the Twilio webhook, the
 * verify page and its form, which share a path with different methods).
 */
function routePath(
  auth: 'twilio-signature' | 'visitor-session' | 'verification-link' | 'unsubscribe-link' | 'survey-link',
): string {
  const paths = new Set(FUNCTIONS.flatMap((fn) => (fn.kind === 'http' && fn.auth === auth ? [fn.path] : [])));
  const [path, ...others] = paths;
  if (path === undefined) throw new Error(`the manifest has no ${auth} route`);
  if (others.length > 0) throw new Error(`the manifest's ${auth} routes have more than one path`);
  return path;
}

function webSocketUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

/**
 * What the gateway serves: the manifest's HTTP routes and WebSocket API, the dev issuer, the SMS outbox,
 * the API reference and the chat widget; with CORS for the demo site and the other allowed origins.
 */
function gatewayApi(
  gatewayUrl: string,
  functions: readonly LoadedFunction[],
  signingKey: DevSigningKey,
  outboxRoutes: GatewayApi['localRoutes'],
  now: () => number,
  onError: (message: string, error: unknown) => void,
  publicFace: PublicFace,
): GatewayApi {
  const issuer = `${gatewayUrl}${DEV_ISSUER_PATH}`;
  const routes: GatewayRoute[] = functionsOfKind(functions, 'http').map(
    ({ definition, handler, createContext }) => ({
      method: definition.method,
      path: definition.path,
      auth: definition.auth,
      ...(definition.throttle ? { throttle: definition.throttle } : {}),
      handler,
      createContext,
    }),
  );
  return {
    routes,
    localRoutes: [
      { method: 'GET', path: DEV_JWKS_PATH, respond: () => jsonBody(signingKey.jwks) },
      {
        method: 'GET',
        path: DEV_OPENID_CONFIGURATION_PATH,
        respond: () => jsonBody(openIdConfiguration(issuer)),
      },
      ...(outboxRoutes ?? []),
      ...publicFace.routes,
    ],
    cors: publicFace.cors,
    authorizer: createJwtAuthorizer({ issuer, audience: [DEV_CLIENT_ID] }),
    webSocket: createWebSocketApi({
      stage: LOCAL_WEBSOCKET_STAGE,
      routes: functionsOfKind(functions, 'websocket').map(({ definition, handler, createContext }) => ({
        routeKey: definition.route,
        handler,
        createContext,
      })),
      now,
      onError,
    }),
  };
}

/** One poller per queue consumer of the manifest. */
function startQueuePollers(
  functions: readonly LoadedFunction[],
  queues: ReadonlyMap<QueueName, QueueWithDlq>,
  sqs: SQSClient,
  onError: (message: string, error: unknown) => void,
  injector: FaultInjector | undefined,
): SqsPoller[] {
  return functionsOfKind(functions, 'queue').map(({ definition, handler, createContext }) => {
    const queue = queues.get(definition.queue);
    if (!queue) throw new Error(`queue ${definition.queue} was not created`);
    return startSqsPoller({
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      region: LOCAL_REGION,
      batchSize: definition.batchSize,
      handler,
      createContext,
      onError,
      ...(injector ? { duplicate: () => injector.hits('sqs.duplicate') } : {}),
    });
  });
}

/**
 * The campaign state machine as the CDK app deploys it, its Task states served by the manifest's task
 * functions (invoked with a Lambda context, as Step Functions does), its wait a short poll of real time:
 * waves read the stack's (warped) clock, so advancing it makes recipients due.
 */
function campaignStateMachine(functions: readonly LoadedFunction[], waitMs: number): LocalStateMachine {
  const tasks = functionsOfKind(functions, 'task');
  const arnOf = (state: string) => {
    const task = tasks.find((fn) => fn.definition.state === state);
    if (!task) throw new Error(`no task function for the campaign state ${state}`);
    return task;
  };
  const enrol = arnOf(CAMPAIGN_STATES.enrol);
  const wave = arnOf(CAMPAIGN_STATES.wave);
  const invoke = (fn: LoadedFunction) => async (input: unknown) => fn.handler(input, fn.createContext());
  return {
    arn: LOCAL_CAMPAIGN_STATE_MACHINE_ARN,
    definition: campaignStateMachineDefinition({
      enrol: enrol.createContext().invokedFunctionArn,
      wave: wave.createContext().invokedFunctionArn,
    }),
    tasks: { [CAMPAIGN_STATES.enrol]: invoke(enrol), [CAMPAIGN_STATES.wave]: invoke(wave) },
    waits: { [CAMPAIGN_STATES.wait]: waitMs },
    retries: { [CAMPAIGN_STATES.enrol]: 200, [CAMPAIGN_STATES.wave]: 200 },
  };
}

/** The context of a poller that only hands messages on (SNS subscriptions). */
function pollerContext() {
  return createLambdaContext({
    functionName: 'carebridge-local-sns-subscription',
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    timeoutMs: 30_000,
    memoryLimitInMB: 128,
  });
}

function jsonBody(body: unknown): GatewayResponse {
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(JSON.stringify(body), 'utf8'),
  };
}
