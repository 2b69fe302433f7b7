import { type App, Duration, NestedStack, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV, FUNCTIONS, type FunctionDefinition } from '../../functions/manifest.js';
import { readAppContext } from '../../infra/lib/app-context.js';
import { CarebridgeStack } from '../../infra/lib/carebridge-stack.js';
import type { CareMonitoring } from '../../infra/lib/constructs/care-monitoring.js';
import { acknowledgements, nagFindings, testApp, unbundledApp } from './support.js';

const definitions: readonly FunctionDefinition[] = FUNCTIONS;
const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const SERVICE_SID = `MG${'fedcba9876543210'.repeat(2)}`;
/** A kept stage with every channel configured, End User Messaging for SMS. */
const FULL_CONTEXT = {
  stage: 'prod',
  phoneRegion: 'DE',
  emailDomain: 'support.example.com',
  supportEmailName: 'Example Care',
  smsProvider: 'eum',
  eumOriginationIdentity: 'pool-0123456789',
  smsKeywordReplies: 'on',
  chatFallbackDelaySeconds: '600',
  allowedOrigins: 'https://www.example.com',
  alarmEmail: 'oncall@example.com',
};

let stack: CarebridgeStack;
let template: Template;
/** The HTTP API's routes, integrations and invoke permissions (a nested stack). */
let routes: Template;
let fullStack: CarebridgeStack;
let full: Template;
let twilio: Template;

/** The stack `cdk synth` builds from the app's context (as infra/bin/app.ts does). */
function stackFromContext(app: App): CarebridgeStack {
  const { stage, ...settings } = readAppContext(app);
  return new CarebridgeStack(app, `carebridge-${stage}`, { stage, ...settings });
}

beforeAll(() => {
  // The default context bundles every handler for real, as `cdk synth` does: a handler that does not
  // bundle fails here. The other variants check wiring only and skip bundling.
  stack = stackFromContext(testApp());
  template = Template.fromStack(stack);
  routes = nestedTemplate(stack, 'Routes');
  fullStack = stackFromContext(unbundledApp(FULL_CONTEXT));
  full = Template.fromStack(fullStack);
  twilio = Template.fromStack(
    stackFromContext(
      unbundledApp({
        stage: 'twilio',
        twilioAccountSid: ACCOUNT_SID,
        twilioMessagingServiceSid: SERVICE_SID,
        smsKeywordReplies: 'on',
      }),
    ),
  );
  // Bundling every handler (about seventy) takes a minute on a quiet two-core machine.
}, 300_000);

const byName = (name: string): FunctionDefinition => {
  const definition = definitions.find((entry) => entry.name === name);
  if (!definition) throw new Error(`no manifest entry ${name}`);
  return definition;
};

/** The logical id of the function built for a manifest entry (the stack describes it by name). */
/** Invoked asynchronously (SNS, SES, an EventBridge schedule): retried, then kept in its own failure queue. */
function isAsynchronous(definition: FunctionDefinition): boolean {
  return (
    definition.kind === 'topic' ||
    definition.kind === 'mail' ||
    definition.kind === 'schedule' ||
    definition.kind === 'event'
  );
}

/** Functions with a failure queue: asynchronous invocations, and stream consumers' on-failure destination. */
function hasFailureQueue(definition: FunctionDefinition): boolean {
  return isAsynchronous(definition) || definition.kind === 'stream';
}

function functionId(definition: FunctionDefinition, from: Template = template): string {
  const [id] = Object.keys(
    from.findResources('AWS::Lambda::Function', {
      Properties: { Description: `carebridge ${definition.name}` },
    }),
  );
  if (!id) throw new Error(`no function for ${definition.name}`);
  return id;
}

/** The environment variables of a manifest entry's function. */
function environmentOf(definition: FunctionDefinition, from: Template = template): Record<string, unknown> {
  return from.findResources('AWS::Lambda::Function')[functionId(definition, from)]?.Properties.Environment
    .Variables;
}

/** A policy statement, as far as the tests look at it. */
interface Statement {
  readonly Action: unknown;
  readonly Resource: unknown;
}

/** The policy statements of a manifest entry's function. */
function statementsOf(definition: FunctionDefinition, from: Template = template): Statement[] {
  const role = from.findResources('AWS::Lambda::Function')[functionId(definition, from)]?.Properties.Role;
  const policies = from.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: role['Fn::GetAtt'][0] }] },
  });
  return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

/** Whether any statement of the function allows `action`. */
function allows(definition: FunctionDefinition, action: string, from: Template = template): boolean {
  return statementsOf(definition, from).some((statement) => [statement.Action].flat().includes(action));
}

describe('CarebridgeStack', () => {
  it('builds one function per manifest entry with its timeout and memory', () => {
    template.resourceCountIs('AWS::Lambda::Function', definitions.length);
    for (const definition of definitions) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: `carebridge ${definition.name}`,
        Timeout: definition.timeoutSeconds ?? 10,
        MemorySize: definition.memoryMb ?? 256,
      });
    }
  });

  describe('HTTP API', () => {
    it('routes every http entry, staff routes behind the JWT authorizer and the others without', () => {
      for (const definition of definitions) {
        if (definition.kind !== 'http') continue;
        routes.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: `${definition.method} ${definition.path}`,
          AuthorizationType: definition.auth === 'staff' ? 'JWT' : 'NONE',
        });
      }
    });

    it('throttles each route the manifest throttles', () => {
      const throttled = definitions.flatMap((definition) =>
        definition.kind === 'http' && definition.throttle ? [definition] : [],
      );
      expect(throttled.length).toBeGreaterThan(0);
      const settings = Object.fromEntries(
        throttled.map((definition) => [
          `${definition.method} ${definition.path}`,
          {
            ThrottlingRateLimit: definition.throttle?.rate,
            ThrottlingBurstLimit: definition.throttle?.burst,
          },
        ]),
      );
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        RouteSettings: Match.objectLike(settings),
      });
    });

    it('acknowledges each public route with how its handler authenticates the caller', () => {
      const reasons = acknowledgements(stack).filter(
        (entry) => entry.id === 'AwsSolutions-APIG4' && entry.path.includes('/HttpApi/'),
      );
      const publicRoutes = definitions.filter(
        (definition) => definition.kind === 'http' && definition.auth !== 'staff',
      );
      expect(reasons).toHaveLength(publicRoutes.length);
      for (const definition of publicRoutes) {
        if (definition.kind !== 'http') continue;
        const reason = reasons.find((entry) => entry.path.endsWith(`/${definition.name}Route`))?.reason;
        expect(reason).toContain(`auth '${definition.auth}'`);
      }
    });

    it('answers CORS preflights for the allowed origins only when some are given', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        ProtocolType: 'HTTP',
        CorsConfiguration: Match.absent(),
      });
      full.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        ProtocolType: 'HTTP',
        CorsConfiguration: {
          AllowOrigins: ['https://www.example.com'],
          AllowMethods: ['GET', 'POST'],
          AllowHeaders: ['content-type', 'authorization'],
          MaxAge: 3600,
        },
      });
    });

    it('leaves the verification-link routes public at the gateway and puts customers-merge behind the JWT authorizer', () => {
      const verificationRoutes = definitions.filter(
        (definition) => definition.kind === 'http' && definition.auth === 'verification-link',
      );
      expect(verificationRoutes.map((definition) => definition.name)).toContain('identity-verify');
      for (const definition of verificationRoutes) {
        if (definition.kind !== 'http') continue;
        routes.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: `${definition.method} ${definition.path}`,
          AuthorizationType: 'NONE',
          AuthorizerId: Match.absent(),
        });
      }
      routes.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'GET /v1/identity/verify',
        AuthorizationType: 'NONE',
      });
      routes.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'POST /v1/customers/{id}/merge',
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: Match.stringLikeRegexp('HttpApiStaffJwt') },
      });
    });

    it('checks Twilio signatures against the public URL of the webhook route', () => {
      const webhook = byName('sms-twilio-webhook');
      if (webhook.kind !== 'http') throw new Error('the Twilio webhook is an http entry');
      const url = {
        'Fn::Join': [
          '',
          [{ 'Fn::GetAtt': [expect.stringMatching(/^HttpApi/), 'ApiEndpoint'] }, webhook.path],
        ],
      };
      expect(environmentOf(webhook)[ENV.sms.twilioWebhookUrl]).toEqual(url);
      expect(template.toJSON().Outputs.TwilioWebhookUrl.Value).toEqual(url);
    });
  });

  describe('live chat', () => {
    it('routes every websocket entry to its function', () => {
      for (const definition of definitions) {
        if (definition.kind !== 'websocket') continue;
        template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: definition.route,
          AuthorizationType: 'NONE',
          Target: Match.anyValue(),
        });
        template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: Match.objectLike({
            'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [functionId(definition), 'Arn'] }])],
          }),
        });
      }
    });

    it('lets only the chat senders post to connections, and gives them the @connections endpoint', () => {
      for (const definition of definitions) {
        const pushes = definition.access.chatConnections === true;
        expect({
          name: definition.name,
          pushes: allows(definition, 'execute-api:ManageConnections'),
        }).toEqual({
          name: definition.name,
          pushes,
        });
        expect(ENV.chat.callbackUrl in environmentOf(definition)).toBe(pushes);
      }
    });

    it('tells a new chat session where to connect: the wss:// URL of the chat stage', () => {
      const wsUrl = template.toJSON().Outputs.ChatWebSocketUrl.Value;
      expect(JSON.stringify(wsUrl)).toMatch(/"wss:\/\/".*"\/v1"/);
      expect(environmentOf(byName('chat-create-session'))[ENV.chat.wsUrl]).toEqual(wsUrl);
    });

    it('logs the WebSocket stage once the account logging role is set', () => {
      template.hasResource('AWS::ApiGatewayV2::Stage', {
        Properties: Match.objectLike({ StageName: 'v1', AccessLogSettings: Match.anyValue() }),
        DependsOn: [Match.stringLikeRegexp('^ApiGatewayLoggingAccount')],
      });
    });

    it('passes the email fallback delay to the senders of the chat-fallback queue when one is given', () => {
      const reply = byName('conversations-reply');
      expect(environmentOf(reply, full)[ENV.chat.fallbackDelaySeconds]).toBe('600');
      expect(environmentOf(reply)).not.toHaveProperty(ENV.chat.fallbackDelaySeconds);
    });
  });

  describe('queues', () => {
    it('feeds every queue entry from its queue in batches of the manifest size with partial failures', () => {
      for (const definition of definitions) {
        if (definition.kind !== 'queue') continue;
        template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          FunctionName: { Ref: functionId(definition) },
          BatchSize: definition.batchSize,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
        });
      }
    });

    it("sizes each queue's visibility timeout at six times its consumer's timeout", () => {
      for (const definition of definitions) {
        if (definition.kind !== 'queue') continue;
        const [mapping] = Object.values(
          template.findResources('AWS::Lambda::EventSourceMapping', {
            Properties: { FunctionName: { Ref: functionId(definition) } },
          }),
        );
        const queueId = mapping?.Properties.EventSourceArn['Fn::GetAtt'][0];
        const queue = template.findResources('AWS::SQS::Queue')[queueId];
        expect(queue?.Properties.VisibilityTimeout).toBe(6 * (definition.timeoutSeconds ?? 10));
      }
    });

    it('feeds the verification mailer from the identity-verification queue and gives it the verify route URL', () => {
      const mailer = byName('identity-verification-mailer');
      const verify = byName('identity-verify');
      if (mailer.kind !== 'queue' || verify.kind !== 'http') throw new Error('unexpected manifest kinds');
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: functionId(mailer) },
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IdentityVerificationQueue'), 'Arn'] },
        BatchSize: mailer.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: 'carebridge identity-verification-mailer',
        Environment: {
          Variables: Match.objectLike({
            [ENV.identityVerifyUrl]: {
              'Fn::Join': [
                '',
                [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^HttpApi'), 'ApiEndpoint'] }, verify.path],
              ],
            },
          }),
        },
      });
    });

    it('gives the verify route URL to the verification mailer only', () => {
      for (const definition of definitions) {
        expect({
          name: definition.name,
          has: ENV.identityVerifyUrl in environmentOf(definition),
        }).toEqual({ name: definition.name, has: definition.name === 'identity-verification-mailer' });
      }
    });

    it('lets only the declared senders send to a queue, and gives them its URL', () => {
      for (const definition of definitions) {
        const sendsTo = definition.access.sendsTo ?? [];
        const sends = JSON.stringify(statementsOf(definition)).includes('sqs:SendMessage');
        // Functions with an on-failure destination send their failed events to their own queue.
        const failureQueue = hasFailureQueue(definition);
        expect({ name: definition.name, sends }).toEqual({
          name: definition.name,
          sends: sendsTo.length > 0 || failureQueue,
        });
        for (const queue of sendsTo) expect(environmentOf(definition)).toHaveProperty(ENV.queueUrl(queue));
      }
    });
  });

  describe('skill tiers and domain events', () => {
    it('makes each tier queue FIFO, with a FIFO dead-letter queue and explicit deduplication per conversation', () => {
      const fifo = Object.keys(
        template.findResources('AWS::SQS::Queue', { Properties: { FifoQueue: true } }),
      );
      for (const tier of ['TierE', 'Tier1', 'Tier2', 'Tier3']) {
        const ofTier = fifo.filter((id) => id.startsWith(`${tier}Queue`));
        expect(ofTier.filter((id) => id.startsWith(`${tier}QueueDeadLetterQueue`))).toHaveLength(1);
        expect(ofTier).toHaveLength(2);
      }
      expect(fifo).toHaveLength(8);
      template.hasResourceProperties('AWS::SQS::Queue', {
        FifoQueue: true,
        ContentBasedDeduplication: false,
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
        RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
      });
      // The routing queue stays a standard queue.
      const routing = template.findResources('AWS::SQS::Queue', { Properties: { FifoQueue: true } });
      expect(Object.keys(routing).filter((id) => id.startsWith('RoutingQueue'))).toEqual([]);
    });

    it('lets the route consumer send to every tier and the e-level to tier 1 only', () => {
      const tierUrls = (name: string) =>
        Object.keys(environmentOf(byName(name)))
          .filter((variable) => /^TIER_.*_QUEUE_URL$/.test(variable))
          .sort();
      expect(tierUrls('route')).toEqual([
        'TIER_1_QUEUE_URL',
        'TIER_2_QUEUE_URL',
        'TIER_3_QUEUE_URL',
        'TIER_E_QUEUE_URL',
      ]);
      expect(tierUrls('tier-e')).toEqual(['TIER_1_QUEUE_URL']);
      expect(tierUrls('tier-1')).toEqual([]);
    });

    it('streams conversation changes only to the event publisher, which may put events on the bus', () => {
      const publisher = byName('events-publish');
      if (publisher.kind !== 'stream') throw new Error('unexpected manifest kind');
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: functionId(publisher) },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        FilterCriteria: {
          Filters: [
            { Pattern: JSON.stringify({ dynamodb: { Keys: { pk: { S: [{ prefix: 'CONVERSATION#' }] } } } }) },
          ],
        },
        DestinationConfig: {
          OnFailure: {
            Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventsPublishFailures'), 'Arn'] },
          },
        },
      });
      template.resourceCountIs('AWS::Events::EventBus', 1);
      template.resourceCountIs('AWS::Events::Archive', 1);
      for (const definition of definitions) {
        expect({ name: definition.name, bus: ENV.eventBus in environmentOf(definition) }).toEqual({
          name: definition.name,
          bus: definition.access.publishesEvents === true,
        });
      }
    });
  });

  describe('schedules', () => {
    it('runs every schedule function on an EventBridge rule at its rate', () => {
      for (const definition of definitions) {
        if (definition.kind !== 'schedule') continue;
        template.hasResourceProperties('AWS::Events::Rule', {
          ScheduleExpression: Schedule.rate(Duration.minutes(definition.everyMinutes)).expressionString,
          State: 'ENABLED',
          Targets: Match.arrayWith([
            Match.objectLike({
              Arn: { 'Fn::GetAtt': [functionId(definition), 'Arn'] },
              RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 2 }),
            }),
          ]),
        });
      }
    });
  });

  describe('SNS topics and the receipt rule', () => {
    it('subscribes every topic entry to its topic, with a dead-letter queue for what SNS cannot deliver', () => {
      for (const definition of definitions) {
        if (definition.kind !== 'topic') continue;
        template.hasResourceProperties('AWS::SNS::Subscription', {
          Protocol: 'lambda',
          Endpoint: { 'Fn::GetAtt': [functionId(definition), 'Arn'] },
          TopicArn: {
            Ref: Match.stringLikeRegexp(
              definition.topic === 'email-feedback' ? '^EmailSending' : '^SmsInbound',
            ),
          },
          RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
        });
      }
    });

    it('retries every topic, mail, schedule and event function twice, then sends the event to its own alarmed queue', () => {
      const asynchronous = definitions.filter(isAsynchronous);
      template.resourceCountIs('AWS::Lambda::EventInvokeConfig', asynchronous.length);
      for (const definition of asynchronous) {
        template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
          FunctionName: { Ref: functionId(definition) },
          MaximumRetryAttempts: 2,
          DestinationConfig: {
            OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('Failures'), 'Arn'] } },
          },
        });
      }
      // Each failure queue, each subscription dead-letter queue and each work queue's has an alarm.
      const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
      const mainQueues = Object.keys(
        template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.anyValue() } }),
      );
      template.resourceCountIs('AWS::CloudWatch::Alarm', queues.length - mainQueues.length);
    });

    it('stores inbound mail and then invokes the mail function, scanned and over TLS, for the domain', () => {
      const mail = definitions.find((definition) => definition.kind === 'mail');
      if (!mail) throw new Error('the manifest has no mail entry');
      full.hasResourceProperties('AWS::SES::ReceiptRule', {
        Rule: Match.objectLike({
          Recipients: ['support.example.com'],
          ScanEnabled: true,
          TlsPolicy: 'Require',
          Actions: [
            {
              S3Action: {
                BucketName: { Ref: Match.stringLikeRegexp('^InboundMailBucket') },
                ObjectKeyPrefix: 'inbound/',
              },
            },
            {
              LambdaAction: {
                FunctionArn: { 'Fn::GetAtt': [functionId(mail, full), 'Arn'] },
                InvocationType: 'Event',
              },
            },
          ],
        }),
      });
      full.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'ses.amazonaws.com' },
              Action: 's3:PutObject',
              Condition: {
                StringEquals: {
                  'aws:SourceAccount': { Ref: 'AWS::AccountId' },
                  'aws:SourceArn': {
                    'Fn::Join': [
                      '',
                      Match.arrayWith([
                        ':receipt-rule-set/carebridge-prod-inbound-mail:receipt-rule/carebridge-inbound',
                      ]),
                    ],
                  },
                },
              },
            }),
          ]),
        },
      });
      full.resourceCountIs('Custom::SesActiveReceiptRuleSet', 1);
    });

    it('creates no receipt rule and no domain identity without an email domain', () => {
      for (const type of ['AWS::SES::ReceiptRuleSet', 'AWS::SES::ReceiptRule', 'AWS::SES::EmailIdentity']) {
        template.resourceCountIs(type, 0);
      }
      full.resourceCountIs('AWS::SES::EmailIdentity', 1);
    });
  });

  describe('grants', () => {
    it('gives read-only functions no write action, writers put access, and both the table name', () => {
      for (const definition of definitions) {
        const statements = JSON.stringify(statementsOf(definition));
        if (definition.access.table === 'read')
          expect(statements).not.toMatch(/PutItem|UpdateItem|DeleteItem/);
        if (definition.access.table === 'write') expect(statements).toContain('dynamodb:PutItem');
        if (definition.access.table) {
          expect(environmentOf(definition).TABLE_NAME).toEqual({ Ref: expect.stringMatching(/^CareTable/) });
        }
      }
    });

    it('lets only functions that declare a secret read it, and passes its ARN', () => {
      const secretIds = {
        'twilio-auth-token': /^SecretsTwilioAuthToken/,
        'chat-token': /^SecretsChatToken/,
        'identity-secret': /^SecretsIdentitySecret/,
      } as const;
      for (const definition of definitions) {
        const declared: readonly string[] = definition.access.secrets ?? [];
        const read = statementsOf(definition)
          .filter((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'))
          .flatMap((statement) => [statement.Resource].flat())
          .map((resource) => JSON.stringify(resource));
        for (const [name, pattern] of Object.entries(secretIds)) {
          const granted = read.some((resource) => pattern.test(JSON.parse(resource).Ref ?? ''));
          expect({ name: definition.name, secret: name, granted }).toEqual({
            name: definition.name,
            secret: name,
            granted: declared.includes(name),
          });
          const variable = ENV.secretArn[name as keyof typeof secretIds];
          expect(variable in environmentOf(definition)).toBe(declared.includes(name));
        }
      }
    });

    it('lets the web form read the identity secret sites sign identities with', () => {
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^WebformFunctionRole') }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
              Resource: { Ref: Match.stringLikeRegexp('^SecretsIdentitySecret') },
            }),
          ]),
        },
      });
      expect(environmentOf(byName('webform'))[ENV.secretArn['identity-secret']]).toEqual({
        Ref: expect.stringMatching(/^SecretsIdentitySecret/),
      });
    });

    it('lets only the mail readers read the mail bucket, and gives them bucket and prefix', () => {
      for (const definition of definitions) {
        const reads = definition.access.inboundMail === 'read';
        const handles = reads || definition.access.deletesInboundMail === true;
        expect(allows(definition, 's3:GetObject')).toBe(reads);
        expect(ENV.inboundMailBucket in environmentOf(definition)).toBe(handles);
        if (handles) expect(environmentOf(definition)[ENV.inboundMailPrefix]).toBe('inbound/');
      }
    });

    it('lets only erasure and the mail receiver (a late message of an erased sender) delete raw mail', () => {
      for (const definition of definitions) {
        expect(allows(definition, 's3:DeleteObject')).toBe(definition.access.deletesInboundMail === true);
      }
      const deleters = definitions.filter((definition) => definition.access.deletesInboundMail === true);
      expect(deleters.map((definition) => definition.name).sort()).toEqual([
        'customers-erase',
        'email-inbound',
      ]);
    });

    it('lets the email senders send, with their settings, once a From address is configured', () => {
      for (const definition of definitions) {
        const sends = definition.access.sendsEmail === true;
        expect(allows(definition, 'ses:SendEmail')).toBe(false);
        expect(environmentOf(definition)).not.toHaveProperty(ENV.email.from);
        expect(allows(definition, 'ses:SendEmail', full)).toBe(sends);
        if (sends) {
          expect(environmentOf(definition, full)).toMatchObject({
            [ENV.email.from]: 'support@support.example.com',
            [ENV.email.fromName]: 'Example Care',
            [ENV.email.configurationSet]: { Ref: expect.stringMatching(/^EmailSendingConfigurationSet/) },
          });
        }
      }
    });

    it('grants a wildcard resource only where acknowledged: X-Ray, the mail prefix, chat connections, SMS identities, the rule set activation, stream listing', () => {
      const wildcardActions = (from: Template) =>
        new Set(
          Object.values(from.findResources('AWS::IAM::Policy'))
            .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
            .filter((statement) => JSON.stringify(statement.Resource).includes('*'))
            .flatMap((statement) => [statement.Action].flat()),
        );
      // The campaign state machine's log delivery and tracing; stopping a campaign's execution.
      const campaignWildcards = [
        'logs:CreateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:DescribeLogGroups',
        'logs:DescribeResourcePolicies',
        'logs:GetLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:UpdateLogDelivery',
        'states:DescribeExecution',
        'states:StopExecution',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
      ];
      expect([...wildcardActions(template)].sort()).toEqual(
        [
          'dynamodb:ListStreams',
          'execute-api:ManageConnections',
          's3:DeleteObject',
          's3:GetObject',
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
          ...campaignWildcards,
        ].sort(),
      );
      expect([...wildcardActions(full)].sort()).toEqual(
        [
          'dynamodb:ListStreams',
          'execute-api:ManageConnections',
          's3:DeleteObject',
          's3:GetObject',
          'ses:SetActiveReceiptRuleSet',
          'sms-voice:SendTextMessage',
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
          ...campaignWildcards,
        ].sort(),
      );
    });
  });

  describe('settings per function', () => {
    it('gives the reply function a complete, coherent configuration with the default context', () => {
      const reply = byName('conversations-reply');
      const environment = environmentOf(reply);
      expect(Object.keys(environment).sort()).toEqual(
        [
          'POWERTOOLS_SERVICE_NAME',
          ENV.table,
          ENV.queueUrl('chat-fallback'),
          ENV.chat.callbackUrl,
          ENV.secretArn['twilio-auth-token'],
        ].sort(),
      );
      // Neither email nor SMS sending is configured: no half-configured sender to fail the cold start.
      expect(allows(reply, 'sms-voice:SendTextMessage')).toBe(false);
    });

    it('gives the reply function the configured SMS provider with its sender settings', () => {
      const reply = byName('conversations-reply');
      expect(environmentOf(reply, full)).toMatchObject({
        [ENV.sms.provider]: 'eum',
        [ENV.sms.eumOriginationIdentity]: 'pool-0123456789',
      });
      expect(allows(reply, 'sms-voice:SendTextMessage', full)).toBe(true);
      expect(environmentOf(reply, twilio)).toMatchObject({
        [ENV.sms.provider]: 'twilio',
        [ENV.sms.twilioAccountSid]: ACCOUNT_SID,
        [ENV.sms.twilioMessagingServiceSid]: SERVICE_SID,
      });
      expect(allows(reply, 'sms-voice:SendTextMessage', twilio)).toBe(false);
    });

    it("answers keywords only from the configured provider's inbound function, which gets its sender", () => {
      const webhook = byName('sms-twilio-webhook');
      const eumInbound = byName('sms-eum-inbound');
      expect(environmentOf(webhook)[ENV.sms.keywordReplies]).toBe('off');
      expect(environmentOf(eumInbound)[ENV.sms.keywordReplies]).toBe('off');
      expect(environmentOf(webhook)).not.toHaveProperty(ENV.sms.twilioAccountSid);

      expect(environmentOf(webhook, twilio)).toMatchObject({
        [ENV.sms.keywordReplies]: 'on',
        [ENV.sms.twilioAccountSid]: ACCOUNT_SID,
      });
      expect(environmentOf(eumInbound, twilio)[ENV.sms.keywordReplies]).toBe('off');

      expect(environmentOf(eumInbound, full)).toMatchObject({
        [ENV.sms.keywordReplies]: 'on',
        [ENV.sms.eumOriginationIdentity]: 'pool-0123456789',
      });
      expect(environmentOf(webhook, full)[ENV.sms.keywordReplies]).toBe('off');
      expect(allows(webhook, 'sms-voice:SendTextMessage', full)).toBe(false);
    });

    it('passes the default phone region to every function when one is given', () => {
      const manifestFunctions = full.findResources('AWS::Lambda::Function', {
        Properties: { Description: Match.stringLikeRegexp('^carebridge ') },
      });
      expect(Object.keys(manifestFunctions)).toHaveLength(definitions.length);
      for (const fn of Object.values(manifestFunctions)) {
        expect(fn.Properties.Environment.Variables.DEFAULT_PHONE_REGION).toBe('DE');
      }
      template.allResourcesProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.not(Match.objectLike({ DEFAULT_PHONE_REGION: Match.anyValue() })) },
      });
    });
  });

  it('outputs the endpoints, topics, bucket, secrets, user pool and table', () => {
    const always = [
      'ApiUrl',
      'ChatWebSocketUrl',
      'TwilioWebhookUrl',
      'InboundMailBucket',
      'EmailFeedbackTopicArn',
      'SmsInboundTopicArn',
      'TwilioAuthTokenSecretArn',
      'IdentitySecretArn',
      'UserPoolId',
      'UserPoolClientId',
      'IssuerUrl',
      'TableName',
    ];
    for (const name of always) template.hasOutput(name, { Value: Match.anyValue() });
    expect(Object.keys(template.toJSON().Outputs)).not.toContain('ReceiptRuleSetName');
    full.hasOutput('ReceiptRuleSetName', { Value: { Ref: Match.stringLikeRegexp('^InboundMailRuleSet') } });
    template.hasOutput('IdentitySecretArn', {
      Value: { Ref: Match.stringLikeRegexp('^SecretsIdentitySecret') },
    });
  });

  it('lets the dev stage delete its data and keeps it on any other stage', () => {
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::KMS::Key',
      'AWS::Cognito::UserPool',
      'AWS::Logs::LogGroup',
      'AWS::SecretsManager::Secret',
      'AWS::S3::Bucket',
    ]) {
      template.allResources(type, { DeletionPolicy: 'Delete' });
      full.allResources(type, { DeletionPolicy: 'Retain' });
    }
  });

  describe('operations', () => {
    /** The monitoring's nested stack: topic, dashboard, alarms, metric filters. */
    const monitoringOf = (from: CarebridgeStack): Template =>
      Template.fromStack((from.node.findChild('Monitoring') as CareMonitoring).stack);

    it('builds the dashboard, an error-rate alarm per function and an age alarm per tier queue', () => {
      const monitoring = monitoringOf(stack);
      monitoring.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      for (const definition of definitions) {
        monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmDescription: Match.stringLikeRegexp(`^carebridge ${definition.name}: more than 5%`),
        });
      }
      for (const queue of ['tier-e', 'tier-1', 'tier-2', 'tier-3']) {
        monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: 'ApproximateAgeOfOldestMessage',
          AlarmDescription: Match.stringLikeRegexp(`^carebridge ${queue}: its oldest message`),
        });
      }
      monitoring.resourceCountIs('AWS::Logs::MetricFilter', definitions.length);
    });

    it('notifies the alarm topic from every alarm of the stack, dead-letter and failure queues included', () => {
      const own = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
      expect(own.length).toBeGreaterThan(0);
      for (const alarm of own) {
        expect(JSON.stringify([alarm.Properties.AlarmActions, alarm.Properties.OKActions])).toMatch(
          /^\[\[\{"Fn::GetAtt":\["Monitoring[^"]*","Outputs\.[^"]*AlarmTopic[^"]*"\]\}\],\[\{"Fn::GetAtt"/,
        );
      }
      const monitoring = monitoringOf(stack);
      const topic = { Ref: Match.stringLikeRegexp('^AlarmTopic') };
      monitoring.resourcePropertiesCountIs(
        'AWS::CloudWatch::Alarm',
        { AlarmActions: [topic], OKActions: [topic] },
        Object.keys(monitoring.findResources('AWS::CloudWatch::Alarm')).length,
      );
    });

    it('mails alarms to the address given as context, and to nobody by default', () => {
      monitoringOf(fullStack).hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
      });
      monitoringOf(stack).resourceCountIs('AWS::SNS::Subscription', 0);
    });

    it('outputs the alarm topic, the dashboard and the URL of each queue, which the redrive script reads', () => {
      template.hasOutput('AlarmTopicArn', { Value: Match.anyValue() });
      template.hasOutput('DashboardName', { Value: Match.anyValue() });
      const queues = new Set(
        definitions.flatMap((definition) => (definition.kind === 'queue' ? [definition.queue] : [])),
      );
      for (const queue of queues) {
        const id = queue.replace(/(^|-)([a-z0-9])/g, (_match, _dash, letter: string) => letter.toUpperCase());
        template.hasOutput(`${id}QueueUrl`, { Value: { Ref: Match.stringLikeRegexp(`^${id}Queue`) } });
      }
    });
  });

  it('leaves no AwsSolutions finding with the default context', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('leaves no AwsSolutions finding with every channel configured', () => {
    expect(nagFindings(fullStack)).toEqual([]);
  });

  it('acknowledges each finding with a reason, where it occurs', () => {
    const count = (id: string) => acknowledgements(stack).filter((entry) => entry.id === id).length;
    const publicRoutes = definitions.filter(
      (definition) => definition.kind === 'http' && definition.auth !== 'staff',
    );
    const websocketRoutes = definitions.filter((definition) => definition.kind === 'websocket');
    const pushers = definitions.filter((definition) => definition.access.chatConnections);
    const failureQueues = definitions.filter(hasFailureQueue);
    const topics = new Set(
      definitions.flatMap((definition) => (definition.kind === 'topic' ? [definition.topic] : [])),
    );

    const streamConsumers = definitions.filter((definition) => definition.kind === 'stream');
    // X-Ray on every function; dynamodb:ListStreams on each stream consumer; the campaign state machine's
    // log delivery and tracing.
    expect(count('AwsSolutions-IAM5[Resource::*]')).toBe(definitions.length + streamConsumers.length + 1);
    expect(count('AwsSolutions-APIG4')).toBe(publicRoutes.length + websocketRoutes.length);
    expect(count('AwsSolutions-SMG4')).toBe(3);
    expect(count('AwsSolutions-S1')).toBe(1);
    expect(count('AwsSolutions-SQS3')).toBe(failureQueues.length + topics.size);
    expect(
      acknowledgements(stack)
        .filter((entry) => entry.id.includes('/@connections/*'))
        .map((entry) => entry.path),
    ).toHaveLength(pushers.length);
    for (const entry of [...acknowledgements(stack), ...acknowledgements(fullStack)]) {
      expect(entry.reason.length).toBeGreaterThan(40);
    }
  });
});

/** The template of the nested stack with this id under `stack`. */
function nestedTemplate(stack: Stack, id: string): Template {
  const nested = stack.node
    .findAll()
    .find((construct) => construct instanceof NestedStack && construct.node.id === id);
  if (!(nested instanceof NestedStack)) throw new Error(`no nested stack ${id}`);
  return Template.fromStack(nested);
}
