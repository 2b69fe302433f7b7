import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Context, SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OPT_OUT_CONFIRMATION } from '../../shared/channels/sms/receive-sms.js';
import { ValidationError } from '../../shared/errors.js';
import { loadEvent } from '../support/events.js';
import { lambdaContext, setHandlerEnv } from '../support/lambda.js';

const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const pinpoint = mockClient(PinpointSMSVoiceV2Client);
let handler: (event: SNSEvent, context: Context) => Promise<void>;

const TABLE = 'carebridge-test';

beforeAll(async () => {
  setHandlerEnv({ EUM_ORIGINATION_IDENTITY: 'pool-0123456789abcdef', SMS_KEYWORD_REPLIES: 'on' });
  ({ handler } = await import('../../functions/sms/eum-inbound.js'));
});

afterEach(() => {
  dynamo.reset();
  sqs.reset();
  pinpoint.reset();
});

function snsEvent(changes: Record<string, unknown> | string): SNSEvent {
  const event = loadEvent<SNSEvent>('sms/eum-sns-event.json');
  const [record] = event.Records;
  if (!record) throw new Error('fixture has no record');
  record.Sns.Message =
    typeof changes === 'string' ? changes : JSON.stringify({ ...JSON.parse(record.Sns.Message), ...changes });
  return event;
}

describe('End User Messaging two-way SMS (SNS)', () => {
  it('records the message and hands it to routing', async () => {
    // Prepare
    dynamo.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });
    dynamo.on(TransactWriteCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});

    // Act
    await handler(loadEvent<SNSEvent>('sms/eum-sns-event.json'), lambdaContext('sms-eum-inbound'));

    // Assess
    const stored = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Put?.Item;
    expect(stored).toMatchObject({
      pk: 'MESSAGE#sms#cae173d2-66b9-564c-8309-21f858e9fb84',
      occurredAt: '2026-11-26T12:30:05.123Z',
      body: 'Is my refund for order 4711 on its way?',
      providerRefs: { provider: 'eum', to: '+12065550123' },
    });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
    expect(pinpoint.calls()).toHaveLength(0);
  });

  it('opts the number out on STOP and confirms from the number it was sent to, without routing', async () => {
    // Prepare
    dynamo.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });
    dynamo.on(TransactWriteCommand).resolves({});
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});
    pinpoint.on(SendTextMessageCommand).resolves({ MessageId: 'eum-out-1' });

    // Act
    await handler(snsEvent({ messageBody: 'STOP' }), lambdaContext('sms-eum-inbound'));

    // Assess
    expect(sqs.calls()).toHaveLength(0);
    expect(pinpoint.commandCalls(SendTextMessageCommand)[0]?.args[0].input).toMatchObject({
      DestinationPhoneNumber: '+14155552671',
      OriginationIdentity: '+12065550123',
      MessageBody: OPT_OUT_CONFIRMATION,
    });
  });

  it('throws for a message that is not JSON, so it is retried and dead-lettered, storing nothing', async () => {
    await expect(handler(snsEvent('Hello from SNS!'), lambdaContext('sms-eum-inbound'))).rejects.toThrow(
      ValidationError,
    );
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('throws for a message without an origination number, storing nothing', async () => {
    await expect(
      handler(snsEvent({ originationNumber: undefined }), lambdaContext('sms-eum-inbound')),
    ).rejects.toMatchObject({ issues: [{ path: 'originationNumber' }] });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('throws when the store fails, so the message is retried', async () => {
    dynamo.on(BatchGetCommand).rejects(new Error('throttled'));

    await expect(
      handler(loadEvent<SNSEvent>('sms/eum-sns-event.json'), lambdaContext('sms-eum-inbound')),
    ).rejects.toThrow('throttled');
    expect(sqs.calls()).toHaveLength(0);
  });
});
