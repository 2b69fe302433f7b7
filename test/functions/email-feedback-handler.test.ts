import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.js';
import { loadEvent } from '../support/events.js';
import { lambdaContext, setHandlerEnv } from '../support/lambda.js';

const dynamo = mockClient(DynamoDBDocumentClient);
let handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<void>;

beforeAll(async () => {
  setHandlerEnv();
  ({ handler } = await import('../../functions/email/feedback.js'));
});

afterEach(() => {
  dynamo.reset();
});

interface SnsFixture {
  Records: { Sns: { Message: string } }[];
}

/** An SNS fixture whose SES notification the test may change. */
function snsEvent(fixture: string, change?: (notification: Record<string, unknown>) => void): SnsFixture {
  const event = loadEvent<SnsFixture>(`email/${fixture}`);
  const record = event.Records[0];
  if (record && change) {
    const notification = JSON.parse(record.Sns.Message);
    change(notification);
    record.Sns.Message = JSON.stringify(notification);
  }
  return event;
}

function objectField(notification: Record<string, unknown>, name: string): object {
  const value = notification[name];
  return typeof value === 'object' && value !== null ? value : {};
}

describe('SES feedback handler (functions/email/feedback.ts)', () => {
  it('marks a permanently bounced address undeliverable', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({});

    // Act
    await handler(snsEvent('sns-bounce.json'), lambdaContext('email-feedback'));

    // Assess
    const input = dynamo.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      Key: { pk: 'IDENTITY#email#jane@example.com', sk: 'IDENTITY' },
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':undeliverable': { reason: 'bounce', at: '2026-11-26T14:59:38.237Z' } },
    });
  });

  it('marks a complaining address undeliverable', async () => {
    dynamo.on(UpdateCommand).resolves({});

    await handler(snsEvent('sns-complaint.json'), lambdaContext('email-feedback'));

    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toEqual({
      ':undeliverable': { reason: 'complaint', at: '2026-11-26T14:59:38.237Z' },
    });
  });

  it('ignores transient bounces, "not spam" reports, deliveries and SES’s test message', async () => {
    const events = [
      snsEvent('sns-bounce.json', (n) => {
        n.bounce = { ...objectField(n, 'bounce'), bounceType: 'Transient' };
      }),
      snsEvent('sns-complaint.json', (n) => {
        n.complaint = { ...objectField(n, 'complaint'), complaintFeedbackType: 'not-spam' };
      }),
      snsEvent('sns-bounce.json', (n) => {
        n.notificationType = 'Delivery';
      }),
      snsEvent('sns-bounce.json', (n) => {
        for (const key of Object.keys(n)) delete n[key];
        n.notificationType = 'AmazonSnsSubscriptionSucceeded';
        n.message = 'You have successfully subscribed your Amazon SNS topic to receive notifications.';
      }),
    ];

    for (const event of events) await handler(event, lambdaContext('email-feedback'));

    expect(dynamo.calls()).toHaveLength(0);
  });

  it('reads configuration-set event publishing (eventType) too', async () => {
    dynamo.on(UpdateCommand).resolves({});

    await handler(
      snsEvent('sns-bounce.json', (n) => {
        n.eventType = n.notificationType;
        delete n.notificationType;
      }),
      lambdaContext('email-feedback'),
    );

    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it('leaves an address it never stored alone', async () => {
    dynamo
      .on(UpdateCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );

    await expect(
      handler(snsEvent('sns-bounce.json'), lambdaContext('email-feedback')),
    ).resolves.toBeUndefined();
  });

  it('throws on a notification that is not JSON, so it ends on the failure destination', async () => {
    const event = loadEvent<SnsFixture>('email/sns-bounce.json');
    const record = event.Records[0];
    if (record) record.Sns.Message = 'Hello from SNS!';

    await expect(handler(event, lambdaContext('email-feedback'))).rejects.toBeInstanceOf(ValidationError);
    await expect(handler({ Records: [] }, lambdaContext('email-feedback'))).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('throws on a store failure so Lambda retries', async () => {
    dynamo.on(UpdateCommand).rejects(new Error('socket hang up'));

    await expect(handler(snsEvent('sns-bounce.json'), lambdaContext('email-feedback'))).rejects.toThrow(
      'socket hang up',
    );
  });
});
