import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../functions/lib/http.js';
import { OPT_OUT_CONFIRMATION } from '../../shared/channels/sms/receive-sms.js';
import { loadEvent } from '../support/events.js';
import { type FakeProvider, startFakeProvider } from '../support/http-server.js';
import { lambdaContext, setHandlerEnv } from '../support/lambda.js';
import {
  formParamsOf,
  TWILIO_TEST_ACCOUNT_SID,
  TWILIO_TEST_AUTH_TOKEN,
  TWILIO_TEST_WEBHOOK_URL,
  twilioEvent,
  twilioSignature,
  withSignedForm,
} from '../support/twilio.js';

const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
let twilioApi: FakeProvider;
let handler: (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
const TABLE = 'carebridge-test';
const CUSTOMER = '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q';
const CONVERSATION = '01JDQ3V9XK4T2B7Y8Z0M5N6P7R';
const INTERACTION = '01JDQ3V9XK4T2B7Y8Z0M5N6P7S';
const CUSTOMER_PHONE = '+14155552671';
const OUR_NUMBER = '+14155550142';

beforeAll(async () => {
  twilioApi = await startFakeProvider({
    status: 201,
    body: { sid: 'SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', status: 'queued' },
  });
  setHandlerEnv({
    TWILIO_AUTH_TOKEN: TWILIO_TEST_AUTH_TOKEN,
    TWILIO_WEBHOOK_URL: TWILIO_TEST_WEBHOOK_URL,
    TWILIO_ACCOUNT_SID: TWILIO_TEST_ACCOUNT_SID,
    TWILIO_FROM_NUMBER: '+14155550100',
    TWILIO_API_BASE_URL: twilioApi.baseUrl,
    SMS_KEYWORD_REPLIES: 'on',
  });
  ({ handler } = await import('../../functions/sms/twilio-webhook.js'));
});

afterEach(() => {
  dynamo.reset();
  sqs.reset();
  twilioApi.requests.length = 0;
});

afterAll(async () => {
  await twilioApi.close();
});

async function invoke(event: HttpEvent) {
  const result = await handler(event, lambdaContext('sms-twilio-webhook'));
  return { status: result.statusCode, headers: result.headers ?? {}, body: result.body ?? '' };
}

/** The sender is known and has an open conversation: ingest is one read and one put. */
function knownSender(): void {
  dynamo.on(BatchGetCommand).resolves({
    Responses: {
      [TABLE]: [
        {
          pk: `IDENTITY#phone#${CUSTOMER_PHONE}`,
          sk: 'IDENTITY',
          kind: 'phone',
          value: CUSTOMER_PHONE,
          trust: 'verified',
          customerId: CUSTOMER,
          conversationId: CONVERSATION,
          createdAt: '2026-11-20T09:00:00.000Z',
        },
      ],
    },
  });
}

function customerItem(consent: Record<string, unknown>) {
  return {
    pk: `CUSTOMER#${CUSTOMER}`,
    sk: 'PROFILE',
    entity: 'customer',
    customerId: CUSTOMER,
    identities: [{ kind: 'phone', value: CUSTOMER_PHONE, trust: 'verified' }],
    consent,
    openConversationId: CONVERSATION,
    mergedFrom: [],
    createdAt: '2026-11-20T09:00:00.000Z',
    updatedAt: '2026-11-20T09:00:00.000Z',
    version: 1,
  };
}

function storedInteraction(): Record<string, unknown> | undefined {
  const put = dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item;
  const transacted =
    dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Put?.Item;
  return put ?? transacted;
}

describe('POST /v1/channels/sms/twilio', () => {
  it('records a signed SMS, hands it to routing and answers empty TwiML', async () => {
    // Prepare
    dynamo.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });
    dynamo.on(TransactWriteCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });

    // Act
    const { status, headers, body } = await invoke(loadEvent<HttpEvent>('sms/twilio-webhook.json'));

    // Assess
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('text/xml');
    expect(body).toBe(EMPTY_TWIML);
    expect(storedInteraction()).toMatchObject({
      pk: 'MESSAGE#sms#SM1f0e8ae6ade43cb3c0ce4525424e404f',
      channel: 'sms',
      identities: [{ kind: 'phone', value: CUSTOMER_PHONE, trust: 'verified' }],
      providerRefs: { provider: 'twilio', to: OUR_NUMBER, accountSid: TWILIO_TEST_ACCOUNT_SID },
    });
    const handedOff = JSON.parse(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '{}');
    expect(handedOff).toMatchObject({ kind: 'inbound', channel: 'sms', conversationOpened: true });
    expect(twilioApi.requests).toHaveLength(0);
  });

  it('records the media URLs of an MMS', async () => {
    knownSender();
    dynamo.on(PutCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});

    const { status } = await invoke(loadEvent<HttpEvent>('sms/twilio-mms-webhook.json'));

    expect(status).toBe(200);
    expect(storedInteraction()?.attachments).toEqual([
      expect.objectContaining({
        contentType: 'image/jpeg',
        size: 0,
        location: expect.stringMatching(/^https:\/\/api\.twilio\.com\//),
      }),
      expect.objectContaining({
        contentType: 'image/png',
        size: 0,
        location: expect.stringMatching(/\/Media\/ME7d2f/),
      }),
    ]);
  });

  it('accepts a body API Gateway did not base64-encode', async () => {
    knownSender();
    dynamo.on(PutCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});
    const event = loadEvent<HttpEvent>('sms/twilio-webhook.json');
    const plain = {
      ...event,
      body: Buffer.from(event.body ?? '', 'base64').toString('utf8'),
      isBase64Encoded: false,
    };

    const { status } = await invoke(plain);

    expect(status).toBe(200);
  });

  it('answers a retried MessageSid with empty TwiML and stores nothing new', async () => {
    // Prepare: the first delivery is already stored.
    knownSender();
    const first = {
      pk: 'MESSAGE#sms#SM1f0e8ae6ade43cb3c0ce4525424e404f',
      sk: 'MESSAGE',
      interactionId: INTERACTION,
      customerId: CUSTOMER,
      conversationId: CONVERSATION,
      direction: 'inbound',
      channel: 'sms',
      identities: [{ kind: 'phone', value: CUSTOMER_PHONE, trust: 'verified' }],
      body: 'Hi, my parcel 4711 has not arrived yet. Can you check? Thanks & regards',
      attachments: [],
      providerMessageId: 'SM1f0e8ae6ade43cb3c0ce4525424e404f',
      providerRefs: { provider: 'twilio', to: OUR_NUMBER },
      occurredAt: '2026-11-26T12:25:31.000Z',
      recordedAt: '2026-11-26T12:25:31.100Z',
    };
    dynamo.on(PutCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: marshall(first),
      }),
    );
    sqs.on(SendMessageCommand).resolves({});

    // Act
    const { status, body } = await invoke(loadEvent<HttpEvent>('sms/twilio-webhook.json'));

    // Assess
    expect(status).toBe(200);
    expect(body).toBe(EMPTY_TWIML);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    const handedOff = JSON.parse(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '{}');
    expect(handedOff.interactionId).toBe(INTERACTION);
  });

  it('refuses a request without a signature with 403 and stores nothing', async () => {
    const event = loadEvent<HttpEvent>('sms/twilio-webhook.json');
    delete event.headers['x-twilio-signature'];

    const { status, body } = await invoke(event);

    expect(status).toBe(403);
    expect(JSON.parse(body)).toEqual({
      error: 'forbidden',
      message: 'the request signature is missing or invalid',
    });
    expect(dynamo.calls()).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('refuses a tampered body with 403 and stores nothing', async () => {
    // Prepare: change the text but keep the original signature.
    const original = loadEvent<HttpEvent>('sms/twilio-webhook.json');
    const tampered = formParamsOf(original).map(([name, value]): [string, string] =>
      name === 'Body' ? [name, 'Send the refund to account 666'] : [name, value],
    );
    const event = { ...withSignedForm(original, tampered), headers: original.headers };

    // Act
    const { status } = await invoke(event);

    // Assess
    expect(status).toBe(403);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('refuses a signature made for another URL with 403', async () => {
    const event = loadEvent<HttpEvent>('sms/twilio-webhook.json');
    const params = formParamsOf(event);
    event.headers['x-twilio-signature'] = twilioSignature(
      TWILIO_TEST_AUTH_TOKEN,
      'https://other.example/hook',
      params,
    );

    const { status } = await invoke(event);

    expect(status).toBe(403);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('refuses a body over 16 KB with 413 before checking anything else', async () => {
    const event = twilioEvent({ Padding: 'x'.repeat(17_000) });

    const { status } = await invoke(event);

    expect(status).toBe(413);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('refuses a signed body that is not a form with 415', async () => {
    const event = loadEvent<HttpEvent>('sms/twilio-webhook.json');
    event.headers['content-type'] = 'application/json';
    event.body = Buffer.from('{"From":"+14155552671"}').toString('base64');
    event.headers['x-twilio-signature'] = twilioSignature(
      TWILIO_TEST_AUTH_TOKEN,
      TWILIO_TEST_WEBHOOK_URL,
      [],
    );

    const { status } = await invoke(event);

    expect(status).toBe(415);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('refuses a signed form without From with 400 naming the field', async () => {
    // Prepare
    const event = loadEvent<HttpEvent>('sms/twilio-webhook.json');
    const withoutFrom = formParamsOf(event).filter(([name]) => name !== 'From');

    // Act
    const { status, body } = await invoke(withSignedForm(event, withoutFrom));

    // Assess
    expect(status).toBe(400);
    expect(JSON.parse(body).issues.map((issue: { field: string }) => issue.field)).toEqual(['From']);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('refuses a signed form with a malformed MessageSid with 400', async () => {
    const { status, body } = await invoke(twilioEvent({ MessageSid: 'SM-not-a-sid' }));

    expect(status).toBe(400);
    expect(JSON.parse(body).issues.map((issue: { field: string }) => issue.field)).toEqual(['MessageSid']);
  });

  it('opts the number out on STOP, confirms once through Twilio and does not route it', async () => {
    // Prepare
    knownSender();
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});
    dynamo
      .on(UpdateCommand, { Key: { pk: `CUSTOMER#${CUSTOMER}`, sk: 'PROFILE' } })
      .resolves({ Attributes: customerItem({}) });

    // Act
    const { status, body } = await invoke(twilioEvent({ Body: 'Stop' }));

    // Assess
    expect(status).toBe(200);
    expect(body).toBe(EMPTY_TWIML);
    expect(sqs.calls()).toHaveLength(0);
    const consentUpdate = dynamo
      .commandCalls(UpdateCommand)
      .find((call) => call.args[0].input.Key?.pk === `CUSTOMER#${CUSTOMER}`);
    expect(consentUpdate?.args[0].input.ExpressionAttributeValues?.[':consent']).toMatchObject({
      status: 'opted_out',
      source: 'sms-keyword:STOP',
    });
    expect(twilioApi.requests).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(twilioApi.requests[0]?.body))).toEqual({
      To: CUSTOMER_PHONE,
      From: OUR_NUMBER,
      Body: OPT_OUT_CONFIRMATION,
    });
  });

  it('sends no second confirmation when the STOP webhook is retried', async () => {
    // Prepare: the number is already opted out by the first delivery.
    knownSender();
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({
      Attributes: customerItem({
        sms: { status: 'opted_out', at: '2026-11-26T12:25:31.000Z', source: 'sms-keyword:STOP' },
      }),
    });

    // Act
    const { status } = await invoke(twilioEvent({ Body: 'STOP' }));

    // Assess
    expect(status).toBe(200);
    expect(twilioApi.requests).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('answers 500 without internals when the store fails', async () => {
    dynamo.on(BatchGetCommand).rejects(new Error('socket hang up at 10.0.0.12'));

    const { status, body } = await invoke(loadEvent<HttpEvent>('sms/twilio-webhook.json'));

    expect(status).toBe(500);
    expect(body).not.toContain('10.0.0.12');
  });
});
