import type { Context } from 'aws-lambda';

/** A Lambda context for invoking handlers in tests. */
export function lambdaContext(functionName = 'carebridge-test'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/26/[$LATEST]abcdef0123456789',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The site-signing secret handlers get in tests (IDENTITY_SECRET): sign test identities with it. */
export const TEST_IDENTITY_SECRET = 'test-identity-secret-of-at-least-32-bytes!';

/** Sets the environment a handler module reads at import time. Call before importing it. */
export function setHandlerEnv(extra: Record<string, string> = {}): void {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    TABLE_NAME: 'carebridge-test',
    ROUTING_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/carebridge-test-routing',
    IDENTITY_VERIFICATION_QUEUE_URL:
      'https://sqs.us-east-1.amazonaws.com/123456789012/carebridge-test-identity-verification',
    IDENTITY_SECRET: TEST_IDENTITY_SECRET,
    INBOUND_EMAIL_BUCKET: 'carebridge-test-inbound-mail',
    INBOUND_EMAIL_PREFIX: 'inbound/',
    CAMPAIGN_STATE_MACHINE_ARN:
      'arn:aws:states:us-east-1:123456789012:stateMachine:carebridge-test-campaigns',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...extra,
  });
}
