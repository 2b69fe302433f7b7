import { CfnOutput, Duration, NestedStack, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { CorsHttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaFunctionTarget } from 'aws-cdk-lib/aws-events-targets';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { API_CORS } from '../../functions/api-cors.js';
import {
  ENV,
  FUNCTIONS,
  type FunctionDefinition,
  QUEUES,
  type QueueName,
  type RouteAuth,
  type TopicName,
} from '../../functions/manifest.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import type { EmailSettings, SmsProvider, SmsSettings } from './app-context.js';
import { ApiGatewayLoggingRole } from './constructs/api-gateway-logging-role.js';
import { CampaignOrchestration } from './constructs/campaign-orchestration.js';
import { CareFunction } from './constructs/care-function.js';
import { CareHttpApi } from './constructs/care-http-api.js';
import { CareMonitoring } from './constructs/care-monitoring.js';
import { CareQueue } from './constructs/care-queue.js';
import { CareSecrets } from './constructs/care-secrets.js';
import { CareTable } from './constructs/care-table.js';
import type { CareTopic } from './constructs/care-topic.js';
import { ChatApi } from './constructs/chat-api.js';
import { EmailSending } from './constructs/email-sending.js';
import { FailureQueue } from './constructs/failure-queue.js';
import { InboundMail } from './constructs/inbound-mail.js';
import { SmsChannel } from './constructs/sms-channel.js';
import { StaffAuth } from './constructs/staff-auth.js';
import { tierQueueServiceLevels } from './service-levels.js';

export interface CarebridgeStackProps extends StackProps {
  /** Deployment stage (validated in infra/bin/app.ts); every stage but `dev` keeps its data. */
  readonly stage: string;
  /** Default phone region (ISO 3166 alpha-2) for numbers written without a country code. */
  readonly phoneRegion?: string;
  /**
   * Inbound domain and From address.
   * @default - no domain (no identity, no receipt rule) and no From address (no email sending)
   */
  readonly email?: EmailSettings;
  /**
   * SMS provider and its settings.
   * @default - Twilio, inbound only (no account SID: no SMS sending), keyword replies off
   */
  readonly sms?: SmsSettings;
  /**
   * Delay before an offline chat visitor gets an agent's reply by email, 0-900 seconds.
   * @default - the handler's default (300)
   */
  readonly chatFallbackDelaySeconds?: number;
  /**
   * Browser origins allowed to call the HTTP API (CORS): the website with the chat and web form.
   * @default - no CORS
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * An email address subscribed to the alarm topic (docs/operations.md).
   * @default - no subscription
   */
  readonly alarmEmail?: string;
}

/**
 * carebridge on AWS: wires the constructs together. One function per entry of functions/manifest.ts,
 * with the access it declares (table, queues, secrets, mail bucket, email and SMS sending, chat
 * connections), and the event source of its kind: an HTTP route, a WebSocket route, a queue, an SNS
 * topic or the SES receipt rule.
 */
export class CarebridgeStack extends Stack {
  constructor(scope: Construct, id: string, props: CarebridgeStackProps) {
    super(scope, id, props);
    const retain = props.stage !== 'dev';
    const logRemovalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const email = props.email ?? {};
    const sms = props.sms ?? { provider: 'twilio', keywordReplies: false };
    const definitions: readonly FunctionDefinition[] = FUNCTIONS;

    const table = new CareTable(this, 'CareTable', { retain });
    const auth = new StaffAuth(this, 'StaffAuth', { retain });
    const api = new CareHttpApi(this, 'HttpApi', {
      jwtIssuer: auth.issuerUrl,
      jwtAudience: [auth.clientId],
      accessLogRemovalPolicy: logRemovalPolicy,
      cors: props.allowedOrigins
        ? {
            allowOrigins: [...props.allowedOrigins],
            allowMethods: API_CORS.allowMethods.map((method) => CorsHttpMethod[method]),
            allowHeaders: [...API_CORS.allowHeaders],
            maxAge: Duration.seconds(API_CORS.maxAgeSeconds),
          }
        : undefined,
    });
    const apiGatewayLogging = new ApiGatewayLoggingRole(this, 'ApiGatewayLogging');
    const chat = new ChatApi(this, 'ChatApi', {
      accessLogRemovalPolicy: logRemovalPolicy,
      loggingDependency: apiGatewayLogging.account,
    });
    const secrets = new CareSecrets(this, 'Secrets', { retain });
    const inboundMail = new InboundMail(this, 'InboundMail', { recipientDomain: email.domain, retain });
    const emailSending = new EmailSending(this, 'EmailSending', {
      domain: email.domain,
      fromAddress: email.supportAddress,
      fromName: email.supportName,
      retain,
    });
    const smsChannel = new SmsChannel(this, 'Sms', { settings: sms, retain });
    const topics: Readonly<Record<TopicName, CareTopic>> = {
      'email-feedback': emailSending.feedbackTopic,
      'sms-inbound': smsChannel.inboundTopic,
    };

    // Domain events for campaigns and reporting (docs/routing.md); archived a week for replays.
    const eventBus = new EventBus(this, 'Events', { description: 'carebridge domain events' });
    eventBus.archive('EventsArchive', {
      description: 'carebridge domain events, kept for replay',
      eventPattern: { source: ['carebridge.conversations'] },
      retention: Duration.days(7),
    });

    // Every function's log group in a nested stack of their own: one stack may hold 500 resources.
    const functionLogs = new NestedStack(this, 'FunctionLogs', {
      description: 'carebridge function log groups',
    });
    const functions = new Map<string, CareFunction>();
    for (const definition of definitions) {
      functions.set(
        definition.name,
        new CareFunction(this, `${pascalCase(definition.name)}Function`, {
          entry: definition.entry,
          description: `carebridge ${definition.name}`,
          timeout: definition.timeoutSeconds ? Duration.seconds(definition.timeoutSeconds) : undefined,
          memorySize: definition.memoryMb,
          logRemovalPolicy,
          logScope: functionLogs,
          environment: props.phoneRegion ? { [ENV.phoneRegion]: props.phoneRegion } : {},
        }),
      );
    }
    const functionOf = (definition: FunctionDefinition): CareFunction => {
      const fn = functions.get(definition.name);
      if (!fn) throw new Error(`no function built for ${definition.name}`);
      return fn;
    };

    // Campaigns: one state machine, its Task states served by the manifest's task functions.
    const taskFunction = (state: 'Enrol' | 'SendWave') => {
      const definition = definitions.find(
        (candidate) => candidate.kind === 'task' && candidate.state === state,
      );
      if (!definition)
        throw new Error(`no task function for the campaign state ${state} in functions/manifest.ts`);
      return functionOf(definition).function;
    };
    const campaigns = new CampaignOrchestration(this, 'Campaigns', {
      enrol: taskFunction('Enrol'),
      wave: taskFunction('SendWave'),
      logRemovalPolicy,
    });

    const queues = new Map<QueueName, CareQueue>();
    for (const definition of definitions) {
      if (definition.kind !== 'queue') continue;
      if (queues.has(definition.queue)) {
        throw new Error(`queue ${definition.queue} has more than one consumer`);
      }
      queues.set(
        definition.queue,
        new CareQueue(this, `${pascalCase(definition.queue)}Queue`, {
          queueName: definition.queue,
          fifo: QUEUES[definition.queue].fifo,
          consumerTimeout: functionOf(definition).timeout,
          encryptionKey: table.encryptionKey,
        }),
      );
    }
    // The dashboard and alarms (docs/operations.md); every alarm of the stack notifies its topic.
    const monitoring = new CareMonitoring(this, 'Monitoring', {
      queueServiceLevels: tierQueueServiceLevels(ROUTING_DEFINITION),
      alarmEmail: props.alarmEmail,
      retain,
    });
    monitoring.monitorFunctions(functions);
    for (const [name, queue] of queues) monitoring.monitorQueue(name, queue);
    const queueOf = (name: QueueName): CareQueue => {
      const queue = queues.get(name);
      if (!queue) throw new Error(`queue ${name} has senders but no consumer in functions/manifest.ts`);
      return queue;
    };
    // Failed asynchronous invocations (SNS, SES) wait here for an operator, one queue per function.
    const catchAsyncFailures = (definition: FunctionDefinition, fn: LambdaFunction): void => {
      new FailureQueue(this, `${pascalCase(definition.name)}Failures`, {
        purpose: `${definition.name}: events that failed after Lambda's retries`,
        encryptionKey: table.encryptionKey,
      }).catchAsyncFailures(fn);
    };
    const bindSms = (definition: FunctionDefinition, fn: LambdaFunction): void => {
      const inbound = inboundSmsProvider(definition);
      const sendsThrough: SmsProvider | undefined = inbound
        ? smsChannel.bindKeywordReplies(fn, inbound)
          ? inbound
          : undefined
        : smsChannel.bindSender(fn);
      if (sendsThrough === 'twilio' && !definition.access.secrets?.includes('twilio-auth-token')) {
        throw new Error(
          `${definition.name} sends SMS through Twilio but does not declare the twilio-auth-token secret in functions/manifest.ts`,
        );
      }
    };

    for (const definition of definitions) {
      const fn = functionOf(definition).function;
      const { access } = definition;
      if (access.table) table.bind(fn, access.table);
      for (const queueName of access.sendsTo ?? []) queueOf(queueName).bindSender(fn);
      for (const secret of access.secrets ?? []) secrets.bind(fn, secret);
      if (access.inboundMail) inboundMail.bindReader(fn);
      if (access.deletesInboundMail) inboundMail.bindDeleter(fn);
      if (access.sendsEmail) emailSending.bindSender(fn);
      if (access.sendsSms) bindSms(definition, fn);
      if (access.chatConnections) chat.bindConnections(fn);
      if (access.startsCampaigns) campaigns.bindStarter(fn);
      if (access.campaignLinks) {
        fn.addEnvironment(
          ENV.unsubscribeUrl,
          api.routeUrl(routePathOf(definitions, 'unsubscribe-link', definition)),
        );
        fn.addEnvironment(ENV.surveyUrl, api.routeUrl(routePathOf(definitions, 'survey-link', definition)));
      }
      if (access.publishesEvents) {
        eventBus.grantPutEventsTo(fn);
        fn.addEnvironment(ENV.eventBus, eventBus.eventBusName);
      }
      if (access.sendsTo?.includes('chat-fallback') && props.chatFallbackDelaySeconds !== undefined) {
        fn.addEnvironment(ENV.chat.fallbackDelaySeconds, String(props.chatFallbackDelaySeconds));
      }
      switch (definition.kind) {
        case 'http':
          api.addRoute({ ...definition, handler: fn });
          // Twilio signs the public URL it calls; the handler checks signatures against this one.
          if (definition.auth === 'twilio-signature') {
            fn.addEnvironment(ENV.sms.twilioWebhookUrl, api.routeUrl(definition.path));
          }
          // A new chat session tells the browser where to connect.
          if (definition.auth === 'visitor-session') fn.addEnvironment(ENV.chat.wsUrl, chat.url);
          break;
        case 'websocket':
          chat.addRoute(definition.route, fn);
          break;
        case 'queue':
          queueOf(definition.queue).addConsumer(fn, { batchSize: definition.batchSize });
          // The mailer's links open the verify route, which checks their token. The mailer is not
          // behind the HTTP API, so naming the API's endpoint here makes no dependency cycle.
          if (definition.queue === 'identity-verification') {
            fn.addEnvironment(
              ENV.identityVerifyUrl,
              api.routeUrl(routePathOf(definitions, 'verification-link', definition)),
            );
          }
          break;
        case 'stream':
          table.addStreamConsumer(fn, {
            batchSize: definition.batchSize,
            partitionKeyPrefixes: definition.partitionKeyPrefixes,
            onFailure: new FailureQueue(this, `${pascalCase(definition.name)}Failures`, {
              purpose: `${definition.name}: stream records that failed every retry`,
              encryptionKey: table.encryptionKey,
            }).streamFailureDestination(),
          });
          break;
        case 'topic':
          topics[definition.topic].subscribe(fn);
          catchAsyncFailures(definition, fn);
          break;
        case 'mail':
          inboundMail.deliverTo(fn);
          catchAsyncFailures(definition, fn);
          break;
        case 'schedule':
          new Rule(this, `${pascalCase(definition.name)}Schedule`, {
            description: `carebridge ${definition.name}, every ${definition.everyMinutes} minute(s)`,
            schedule: Schedule.rate(Duration.minutes(definition.everyMinutes)),
            // A run that fails is retried by Lambda's asynchronous invocation; the next run covers it anyway.
            targets: [new LambdaFunctionTarget(fn, { retryAttempts: 2, maxEventAge: Duration.minutes(10) })],
          });
          catchAsyncFailures(definition, fn);
          break;
        case 'task':
          // Invoked by the campaign state machine (CampaignOrchestration grants it).
          break;
        case 'event':
          new Rule(this, `${pascalCase(definition.name)}Rule`, {
            description: `carebridge ${definition.name}: ${definition.detailTypes.join(', ')}`,
            eventBus,
            eventPattern: { source: ['carebridge.conversations'], detailType: [...definition.detailTypes] },
            targets: [new LambdaFunctionTarget(fn, { retryAttempts: 2, maxEventAge: Duration.hours(6) })],
          });
          catchAsyncFailures(definition, fn);
          break;
        default: {
          const unknownKind: never = definition;
          throw new Error(`unknown function kind in ${JSON.stringify(unknownKind)}`);
        }
      }
    }

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('ApiUrl', api.url, 'Base URL of the HTTP API');
    output('ChatWebSocketUrl', chat.url, 'Live chat WebSocket URL (browsers add ?token=<visitor token>)');
    const twilioWebhook = definitions.find(
      (definition) => definition.kind === 'http' && definition.auth === 'twilio-signature',
    );
    if (twilioWebhook?.kind === 'http') {
      output('TwilioWebhookUrl', api.routeUrl(twilioWebhook.path), "Twilio's incoming-message webhook URL");
    }
    output('InboundMailBucket', inboundMail.bucket.bucketName, 'Raw inbound mail (SES receipt rule)');
    if (inboundMail.ruleSet) {
      output(
        'ReceiptRuleSetName',
        inboundMail.ruleSet.receiptRuleSetName,
        'SES receipt rule set (made active)',
      );
    }
    output('EmailFeedbackTopicArn', emailSending.feedbackTopic.topic.topicArn, 'SES bounces and complaints');
    output(
      'SmsInboundTopicArn',
      smsChannel.inboundTopic.topic.topicArn,
      'End User Messaging two-way SNS topic',
    );
    output(
      'TwilioAuthTokenSecretArn',
      secrets.secrets['twilio-auth-token'].secretArn,
      'Store the Twilio auth token here (put-secret-value)',
    );
    output(
      'IdentitySecretArn',
      secrets.secrets['identity-secret'].secretArn,
      'HMAC key sites sign identities with (get-secret-value)',
    );
    output('UserPoolId', auth.userPool.userPoolId, 'Staff user pool');
    output('UserPoolClientId', auth.clientId, 'Staff app client');
    output('IssuerUrl', auth.issuerUrl, 'Issuer of staff JWTs');
    output('TableName', table.table.tableName, 'The single table');
    output('AlarmTopicArn', monitoring.alarmTopic.topicArn, 'Alarm notifications (subscribe the on-call)');
    output('DashboardName', monitoring.dashboard.dashboardName, 'The CloudWatch dashboard');
    for (const [name, queue] of queues) {
      output(
        `${pascalCase(name)}QueueUrl`,
        queue.queue.queueUrl,
        `The ${name} queue (npm run redrive -- ${name})`,
      );
    }
    output('EventBusName', eventBus.eventBusName, 'Domain events (conversation.*, sla.breached)');
    output(
      'CampaignStateMachineArn',
      campaigns.stateMachine.stateMachineArn,
      'Campaign executions, one per launch',
    );
  }
}

/**
 * The SMS provider a function receives messages from, whose keyword answers it may send: Twilio's
 * webhook (a route authenticated by Twilio's signature) or End User Messaging's topic.
 */
function inboundSmsProvider(definition: FunctionDefinition): SmsProvider | undefined {
  if (definition.kind === 'http' && definition.auth === 'twilio-signature') return 'twilio';
  if (definition.kind === 'topic' && definition.topic === 'sms-inbound') return 'eum';
  return undefined;
}

/**
 * The one path of the manifest's HTTP routes authenticated by `auth` (a page and its form may share
 * it with different methods), which `consumer` points callers at.
 */
function routePathOf(
  definitions: readonly FunctionDefinition[],
  auth: RouteAuth,
  consumer: FunctionDefinition,
): string {
  const paths = [
    ...new Set(
      definitions.flatMap((definition) =>
        definition.kind === 'http' && definition.auth === auth ? [definition.path] : [],
      ),
    ),
  ];
  const [path] = paths;
  if (path === undefined || paths.length > 1) {
    throw new Error(
      `${consumer.name} needs the http routes with auth '${auth}' in functions/manifest.ts to share one path, found ${paths.length}`,
    );
  }
  return path;
}

/** `customers-find` → `CustomersFind`, for construct ids. */
function pascalCase(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
