import { ENV, type QueueName } from '../functions/manifest.js';

/**
 * The environment of every handler on the local stack: what the CDK app sets on each function (names
 * from functions/manifest.ts's ENV), pointed at the emulators and the local gateway, with the AWS SDK's
 * standard endpoint variables and dummy credentials.
 */

/** Everything the handlers' configuration names, as the local stack made it. */
export interface LocalWorld {
  readonly region: string;
  readonly logLevel: string;
  /** Print the handlers' metrics (embedded metric format) on stdout; off unless asked, as one line a message would flood the console. */
  readonly metrics?: boolean;
  readonly tableName: string;
  readonly endpoints: {
    readonly dynamodb: string;
    readonly sqs: string;
    readonly s3: string;
    readonly sns: string;
    readonly ses: string;
    /** The local EventBridge bus (PutEvents). */
    readonly eventbridge: string;
    /** The local Step Functions endpoint (StartExecution, StopExecution). */
    readonly sfn: string;
    /** The local End User Messaging SMS stand-in (keyword answers of the two-way SMS function). */
    readonly eum: string;
  };
  readonly queueUrls: ReadonlyMap<QueueName, string>;
  /** The bus domain events go to. */
  readonly eventBusName: string;
  /** The campaign state machine, and the unsubscribe route's public URL. */
  readonly campaigns: {
    readonly stateMachineArn: string;
    readonly unsubscribeUrl: string;
    readonly surveyUrl: string;
  };
  readonly inboundMail: { readonly bucket: string; readonly prefix: string };
  readonly supportEmail: { readonly address: string; readonly name: string };
  readonly twilio: {
    readonly accountSid: string;
    readonly authToken: string;
    readonly number: string;
    /** The URL Twilio signs: exactly the gateway's webhook route. */
    readonly webhookUrl: string;
    /** The local Messages API (the SMS outbox). */
    readonly apiBaseUrl: string;
  };
  readonly chat: {
    readonly tokenSecret: string;
    /** The `@connections` endpoint: the WebSocket stage's URL on the gateway. */
    readonly callbackUrl: string;
    readonly wsUrl: string;
    readonly fallbackDelaySeconds: number;
  };
  readonly identity: {
    /** The HMAC key sites sign identities with and verification links are signed with (32+ bytes). */
    readonly secret: string;
    /** Where verification links point: the gateway's `GET /v1/identity/verify` route. */
    readonly verifyUrl: string;
  };
}

/** The variables to set. */
export function handlerEnvironment(world: LocalWorld): Record<string, string> {
  return {
    AWS_REGION: world.region,
    AWS_DEFAULT_REGION: world.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: world.endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: world.endpoints.sqs,
    AWS_ENDPOINT_URL_S3: world.endpoints.s3,
    AWS_ENDPOINT_URL_SNS: world.endpoints.sns,
    AWS_ENDPOINT_URL_SES: world.endpoints.ses,
    AWS_ENDPOINT_URL_SESV2: world.endpoints.ses,
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: world.endpoints.eum,
    AWS_ENDPOINT_URL_EVENTBRIDGE: world.endpoints.eventbridge,
    AWS_ENDPOINT_URL_SFN: world.endpoints.sfn,
    POWERTOOLS_SERVICE_NAME: 'carebridge',
    POWERTOOLS_LOG_LEVEL: world.logLevel,
    POWERTOOLS_METRICS_DISABLED: world.metrics ? 'false' : 'true',
    [ENV.table]: world.tableName,
    [ENV.eventBus]: world.eventBusName,
    [ENV.campaignStateMachine]: world.campaigns.stateMachineArn,
    [ENV.unsubscribeUrl]: world.campaigns.unsubscribeUrl,
    [ENV.surveyUrl]: world.campaigns.surveyUrl,
    ...Object.fromEntries([...world.queueUrls].map(([name, url]) => [ENV.queueUrl(name), url])),
    [ENV.inboundMailBucket]: world.inboundMail.bucket,
    [ENV.inboundMailPrefix]: world.inboundMail.prefix,
    [ENV.secretValue['twilio-auth-token']]: world.twilio.authToken,
    [ENV.secretValue['chat-token']]: world.chat.tokenSecret,
    [ENV.secretValue['identity-secret']]: world.identity.secret,
    [ENV.identityVerifyUrl]: world.identity.verifyUrl,
    [ENV.email.from]: world.supportEmail.address,
    [ENV.email.fromName]: world.supportEmail.name,
    [ENV.sms.provider]: 'twilio',
    // On, so STOP and HELP answers show in the outbox too.
    [ENV.sms.keywordReplies]: 'on',
    [ENV.sms.twilioAccountSid]: world.twilio.accountSid,
    [ENV.sms.twilioFromNumber]: world.twilio.number,
    [ENV.sms.twilioWebhookUrl]: world.twilio.webhookUrl,
    [ENV.sms.twilioApiBaseUrl]: world.twilio.apiBaseUrl,
    [ENV.sms.eumOriginationIdentity]: world.twilio.number,
    [ENV.chat.callbackUrl]: world.chat.callbackUrl,
    [ENV.chat.wsUrl]: world.chat.wsUrl,
    [ENV.chat.fallbackDelaySeconds]: String(world.chat.fallbackDelaySeconds),
  };
}

/**
 * Variables a developer's shell may hold that would send the local world elsewhere or contradict it:
 * AWS credentials and profiles, and the deployed-only settings (secret ARNs, which the handlers refuse
 * alongside the values; a messaging service and configuration sets the emulators do not have).
 */
export const FOREIGN_VARIABLES = [
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
  ...Object.values(ENV.secretArn),
  ENV.email.configurationSet,
  ENV.sms.twilioMessagingServiceSid,
  ENV.sms.eumConfigurationSet,
] as const;

/** Sets the handlers' environment on this process (handler modules read it when imported). */
export function applyHandlerEnvironment(world: LocalWorld): void {
  for (const name of FOREIGN_VARIABLES) delete process.env[name];
  Object.assign(process.env, handlerEnvironment(world));
}
