import { describe, expect, it } from 'vitest';
import { ENV } from '../../functions/manifest.js';
import { FOREIGN_VARIABLES, handlerEnvironment, type LocalWorld } from '../../local/handler-environment.js';

const world: LocalWorld = {
  region: 'us-east-1',
  logLevel: 'WARN',
  tableName: 'carebridge-local',
  endpoints: {
    dynamodb: 'http://127.0.0.1:1',
    sqs: 'http://127.0.0.1:2',
    s3: 'http://127.0.0.1:2',
    sns: 'http://127.0.0.1:2',
    ses: 'http://127.0.0.1:3',
    eum: 'http://127.0.0.1:3000/local/eum',
    eventbridge: 'http://127.0.0.1:4',
    sfn: 'http://127.0.0.1:5',
  },
  eventBusName: 'carebridge-local',
  campaigns: {
    stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:carebridge-local-campaigns',
    unsubscribeUrl: 'http://127.0.0.1:3000/v1/unsubscribe',
    surveyUrl: 'http://127.0.0.1:3000/v1/surveys/answer',
  },
  queueUrls: new Map([
    ['routing', 'http://127.0.0.1:2/000000000000/carebridge-local-routing'],
    ['chat-fallback', 'http://127.0.0.1:2/000000000000/carebridge-local-chat-fallback'],
    ['identity-verification', 'http://127.0.0.1:2/000000000000/carebridge-local-identity-verification'],
    ...(['tier-e', 'tier-1', 'tier-2', 'tier-3'] as const).map(
      (tier) => [tier, `http://127.0.0.1:2/000000000000/carebridge-local-${tier}.fifo`] as const,
    ),
  ]),
  inboundMail: { bucket: 'carebridge-local-inbound-email', prefix: 'inbound/' },
  supportEmail: { address: 'support@support.carebridge.local', name: 'Customer Care' },
  twilio: {
    accountSid: `AC${'0'.repeat(32)}`,
    authToken: '0123456789abcdef0123456789abcdef',
    number: '+15005550006',
    webhookUrl: 'http://127.0.0.1:3000/v1/channels/sms/twilio',
    apiBaseUrl: 'http://127.0.0.1:3000/local/twilio',
  },
  chat: {
    tokenSecret: 'a-secret-of-at-least-thirty-two-bytes',
    callbackUrl: 'http://127.0.0.1:3000/chat',
    wsUrl: 'ws://127.0.0.1:3000/chat',
    fallbackDelaySeconds: 5,
  },
  identity: {
    secret: 'an-identity-secret-of-at-least-32-bytes',
    verifyUrl: 'http://127.0.0.1:3000/v1/identity/verify',
  },
};

/** Every variable name ENV lists, functions of a queue name expanded for the manifest's queues. */
function envNames(): string[] {
  const names: string[] = [
    ENV.queueUrl('routing'),
    ENV.queueUrl('chat-fallback'),
    ENV.queueUrl('identity-verification'),
  ];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') names.push(value);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(ENV);
  return names;
}

/** Optional settings the local stack leaves to their defaults (or to the developer's shell). */
const LEFT_TO_DEFAULTS = [ENV.phoneRegion, ENV.sms.helpText];

describe('handler environment', () => {
  it('sets or deliberately clears every variable the manifest lists', () => {
    // Act
    const environment = handlerEnvironment(world);

    // Assess
    const unaccounted = envNames().filter(
      (name) =>
        environment[name] === undefined &&
        !FOREIGN_VARIABLES.some((foreign) => foreign === name) &&
        !LEFT_TO_DEFAULTS.some((optional) => optional === name),
    );
    expect(unaccounted).toEqual([]);
  });

  it('gives each secret by value, never by ARN, so the handlers do not call Secrets Manager', () => {
    // Act
    const environment = handlerEnvironment(world);

    // Assess
    expect(environment.TWILIO_AUTH_TOKEN).toBe(world.twilio.authToken);
    expect(environment.CHAT_TOKEN_SECRET).toBe(world.chat.tokenSecret);
    expect(environment.IDENTITY_SECRET).toBe(world.identity.secret);
    expect(FOREIGN_VARIABLES).toEqual(
      expect.arrayContaining([
        'TWILIO_AUTH_TOKEN_SECRET_ARN',
        'CHAT_TOKEN_SECRET_ARN',
        'IDENTITY_SECRET_ARN',
      ]),
    );
  });

  it('tells the verification mailer where its links point: the local verify route', () => {
    // Act
    const environment = handlerEnvironment(world);

    // Assess
    expect(environment.IDENTITY_VERIFY_URL).toBe('http://127.0.0.1:3000/v1/identity/verify');
    expect(environment.IDENTITY_VERIFICATION_QUEUE_URL).toBe(
      'http://127.0.0.1:2/000000000000/carebridge-local-identity-verification',
    );
  });

  it('points every SDK client at the local world', () => {
    // Act
    const environment = handlerEnvironment(world);

    // Assess
    expect(environment).toMatchObject({
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1',
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:2',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:2',
      AWS_ENDPOINT_URL_SESV2: 'http://127.0.0.1:3',
      AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: 'http://127.0.0.1:3000/local/eum',
      AWS_ENDPOINT_URL_EVENTBRIDGE: 'http://127.0.0.1:4',
      EVENT_BUS_NAME: 'carebridge-local',
      AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:5',
      CAMPAIGN_STATE_MACHINE_ARN:
        'arn:aws:states:us-east-1:000000000000:stateMachine:carebridge-local-campaigns',
      TIER_1_QUEUE_URL: 'http://127.0.0.1:2/000000000000/carebridge-local-tier-1.fifo',
      CHAT_FALLBACK_QUEUE_URL: 'http://127.0.0.1:2/000000000000/carebridge-local-chat-fallback',
      TWILIO_API_BASE_URL: 'http://127.0.0.1:3000/local/twilio',
      SMS_KEYWORD_REPLIES: 'on',
    });
  });
});
