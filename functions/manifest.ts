import { CAMPAIGN_FUNCTIONS } from './manifest/campaigns.js';
import { CHANNEL_FUNCTIONS } from './manifest/channels.js';
import { DATA_RIGHTS_FUNCTIONS } from './manifest/data-rights.js';
import { KB_FUNCTIONS } from './manifest/kb.js';
import { REPORT_FUNCTIONS } from './manifest/reports.js';
import { ROUTING_FUNCTIONS } from './manifest/routing.js';
import { STAFF_FUNCTIONS } from './manifest/staff.js';

/**
 * Every Lambda function of carebridge, declared once. The CDK app builds functions, routes, grants and
 * event sources from this list, and the local stack serves the same routes, sockets and queues with the
 * same handler files, so the two worlds cannot drift apart.
 */

/**
 * Queues a function sends to or consumes, by logical name. `fifo`: a FIFO queue (with a FIFO dead-letter
 * queue); senders give every message a group (the conversation) and an explicit deduplication id.
 */
export const QUEUES = {
  routing: { fifo: false },
  'chat-fallback': { fifo: false },
  'identity-verification': { fifo: false },
  /** The skill tiers' queues (docs/routing.md): the e-level, then tiers 1-3. */
  'tier-e': { fifo: true },
  'tier-1': { fifo: true },
  'tier-2': { fifo: true },
  'tier-3': { fifo: true },
  /** Campaign recipients whose step is due, from the waves to the send workers. */
  'campaign-send': { fifo: false },
} as const satisfies Record<string, { readonly fifo: boolean }>;
export type QueueName = keyof typeof QUEUES;

/** SNS topics a function is subscribed to. */
export type TopicName =
  /** SES bounce and complaint notifications (configuration set event destination). */
  | 'email-feedback'
  /** AWS End User Messaging SMS two-way messages. */
  | 'sms-inbound';

/** Secrets a function reads at cold start. */
export type SecretName =
  | 'twilio-auth-token'
  | 'chat-token'
  /** The key sites sign identities with (web form, chat) and verification links are signed with. */
  | 'identity-secret';

/** Access a function needs; the CDK app turns each into a least-privilege grant and its settings. */
export interface FunctionAccess {
  /** `scan`: read, plus Scan of the whole table (the routing dry run only; its cost grows with the table). */
  readonly table?: 'read' | 'scan' | 'write';
  /** Queues the function sends to. */
  readonly sendsTo?: readonly QueueName[];
  readonly secrets?: readonly SecretName[];
  /** Reads raw inbound mail that the SES receipt rule stored in the mail bucket. */
  readonly inboundMail?: 'read';
  /** Deletes raw inbound mail (erasure, and a late message of an erased sender: docs/data-rights.md). */
  readonly deletesInboundMail?: true;
  /** Sends email through SES from the support address. */
  readonly sendsEmail?: true;
  /** Sends SMS through the configured provider (Twilio or AWS End User Messaging). */
  readonly sendsSms?: true;
  /** Posts to live chat WebSocket connections (API Gateway management API). */
  readonly chatConnections?: true;
  /** Puts domain events on the EventBridge bus. */
  readonly publishesEvents?: true;
  /** Starts and stops executions of the campaign state machine (Step Functions). */
  readonly startsCampaigns?: true;
  /** Signs campaign messages' links (one-click unsubscribe, survey scores), which point at their routes. */
  readonly campaignLinks?: true;
}

/**
 * Who may call an HTTP route. `staff`: a JWT with a staff role, checked by the API's JWT authorizer.
 * The others are public at the gateway and authenticated by the handler itself: `honeypot` (anyone;
 * throttled, bots trapped), `twilio-signature` (the provider's request signature), `visitor-token`
 * (a chat visitor's signed token), `visitor-session` (anyone may start a chat session; throttled),
 * `verification-link` (the signed, expiring token of a verification link mailed to the address),
 * `public` (anyone; nothing but public, static content such as the API description; throttled).
 */
export type RouteAuth =
  | 'staff'
  | 'honeypot'
  | 'twilio-signature'
  | 'visitor-token'
  | 'visitor-session'
  | 'verification-link'
  /** The signed, expiring token of a campaign message's unsubscribe link (RFC 8058). */
  | 'unsubscribe-link'
  /** The signed, expiring token of a survey email's score links. */
  | 'survey-link'
  | 'public';

/** Per-function runtime settings where the defaults (10 s, 256 MB) do not fit. */
export interface FunctionSettings {
  readonly timeoutSeconds?: number;
  readonly memoryMb?: number;
}

interface FunctionBase extends FunctionSettings {
  readonly name: string;
  /** Handler file relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly access: FunctionAccess;
}

/** Behind the HTTP API. */
export interface HttpFunction extends FunctionBase {
  readonly kind: 'http';
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway route path, e.g. `/v1/customers/{id}`. */
  readonly path: string;
  readonly auth: RouteAuth;
  /** Per-route throttle (requests per second, burst) for public routes open to abuse. */
  readonly throttle?: { readonly rate: number; readonly burst: number };
}

/** A route of the live chat WebSocket API (route selection on `$request.body.action`). */
export interface WebSocketFunction extends FunctionBase {
  readonly kind: 'websocket';
  readonly route: '$connect' | '$disconnect' | 'sendMessage';
}

/** An SQS consumer with partial batch responses. */
export interface QueueFunction extends FunctionBase {
  readonly kind: 'queue';
  readonly queue: QueueName;
  readonly batchSize: number;
}

/** Subscribed to an SNS topic (asynchronous invocation: retries, then the function's dead-letter queue). */
export interface TopicFunction extends FunctionBase {
  readonly kind: 'topic';
  readonly topic: TopicName;
}

/** Invoked by the SES receipt rule (Lambda action, asynchronous) after it stored the raw mail in S3. */
export interface MailFunction extends FunctionBase {
  readonly kind: 'mail';
}

/** Runs on a schedule (an EventBridge rule; asynchronous: retries, then the function's failure queue). */
export interface ScheduleFunction extends FunctionBase {
  readonly kind: 'schedule';
  /** Minutes between runs (the local stack runs it every few seconds of its warped clock instead). */
  readonly everyMinutes: number;
}

/**
 * Consumes the table's change stream (DynamoDB Streams, new and old images), for the items whose
 * partition key starts with one of `partitionKeyPrefixes` (Lambda event filtering), with partial batch
 * responses.
 */
export interface StreamFunction extends FunctionBase {
  readonly kind: 'stream';
  readonly batchSize: number;
  readonly partitionKeyPrefixes: readonly string[];
}

/** A Task state of the campaign state machine (infra/lib/campaign-state-machine.ts), invoked by Step Functions. */
export interface TaskFunction extends FunctionBase {
  readonly kind: 'task';
  /** The state it serves. */
  readonly state: 'Enrol' | 'SendWave';
}

/**
 * A target of an EventBridge rule on the domain-event bus (asynchronous invocation: retries, then the
 * function's failure queue), for events of these detail-types.
 */
export interface EventFunction extends FunctionBase {
  readonly kind: 'event';
  readonly detailTypes: readonly string[];
}

export type FunctionDefinition =
  | HttpFunction
  | StreamFunction
  | TaskFunction
  | EventFunction
  | WebSocketFunction
  | QueueFunction
  | TopicFunction
  | MailFunction
  | ScheduleFunction;

/** Every function, by area (functions/manifest/*.ts); names are unique. */
export const FUNCTIONS = [
  ...CHANNEL_FUNCTIONS,
  ...STAFF_FUNCTIONS,
  ...ROUTING_FUNCTIONS,
  ...KB_FUNCTIONS,
  ...CAMPAIGN_FUNCTIONS,
  ...REPORT_FUNCTIONS,
  ...DATA_RIGHTS_FUNCTIONS,
] as const;

/**
 * Environment variables by resource and setting: the CDK app sets them from real resources and
 * context, the local stack from the emulators. Handlers read them once at cold start.
 */
export const ENV = {
  table: 'TABLE_NAME',
  queueUrl: (queue: QueueName) => `${queue.toUpperCase().replaceAll('-', '_')}_QUEUE_URL`,
  phoneRegion: 'DEFAULT_PHONE_REGION',
  inboundMailBucket: 'INBOUND_EMAIL_BUCKET',
  inboundMailPrefix: 'INBOUND_EMAIL_PREFIX',
  /** Secrets: the ARN on AWS; the local stack passes the value itself in the sibling variable. */
  secretArn: {
    'twilio-auth-token': 'TWILIO_AUTH_TOKEN_SECRET_ARN',
    'chat-token': 'CHAT_TOKEN_SECRET_ARN',
    'identity-secret': 'IDENTITY_SECRET_ARN',
  },
  secretValue: {
    'twilio-auth-token': 'TWILIO_AUTH_TOKEN',
    'chat-token': 'CHAT_TOKEN_SECRET',
    'identity-secret': 'IDENTITY_SECRET',
  },
  /** The EventBridge bus domain events go to. */
  eventBus: 'EVENT_BUS_NAME',
  /** The campaign state machine (Step Functions). */
  campaignStateMachine: 'CAMPAIGN_STATE_MACHINE_ARN',
  /** The public URL of the unsubscribe route, which campaign messages' links point at. */
  unsubscribeUrl: 'UNSUBSCRIBE_URL',
  /** The public URL of the survey answer route, which survey emails' score links point at. */
  surveyUrl: 'SURVEY_URL',
  /** The public URL of `GET /v1/identity/verify`, which verification links point at. */
  identityVerifyUrl: 'IDENTITY_VERIFY_URL',
  email: {
    from: 'SUPPORT_EMAIL_ADDRESS',
    fromName: 'SUPPORT_EMAIL_NAME',
    configurationSet: 'SES_CONFIGURATION_SET',
  },
  sms: {
    provider: 'SMS_PROVIDER',
    keywordReplies: 'SMS_KEYWORD_REPLIES',
    helpText: 'SMS_HELP_TEXT',
    twilioAccountSid: 'TWILIO_ACCOUNT_SID',
    twilioFromNumber: 'TWILIO_FROM_NUMBER',
    twilioMessagingServiceSid: 'TWILIO_MESSAGING_SERVICE_SID',
    twilioWebhookUrl: 'TWILIO_WEBHOOK_URL',
    twilioApiBaseUrl: 'TWILIO_API_BASE_URL',
    eumOriginationIdentity: 'EUM_ORIGINATION_IDENTITY',
    eumConfigurationSet: 'EUM_CONFIGURATION_SET',
  },
  chat: {
    callbackUrl: 'CHAT_CALLBACK_URL',
    wsUrl: 'CHAT_WS_URL',
    fallbackDelaySeconds: 'CHAT_EMAIL_FALLBACK_DELAY_SECONDS',
  },
} as const;
