import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../functions/lib/http.js';
import { systemClock } from '../../shared/clock.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { setConsent } from '../../shared/store/consent.js';
import { getConversation } from '../../shared/store/conversations.js';
import { loadEvent } from '../support/events.js';
import { useHandlerTable } from '../support/handler-table.js';
import { type FakeProvider, startFakeProvider } from '../support/http-server.js';
import { email, inbound, phone } from '../support/inbound.js';
import { lambdaContext, setHandlerEnv } from '../support/lambda.js';
import { TWILIO_TEST_ACCOUNT_SID, TWILIO_TEST_AUTH_TOKEN } from '../support/twilio.js';

type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

const table = useHandlerTable();
const ses = mockClient(SESv2Client);
let twilio: FakeProvider;
let handler: Handler;

beforeAll(async () => {
  twilio = await startFakeProvider({ status: 201, body: { sid: `SM${'a'.repeat(32)}`, status: 'queued' } });
  setHandlerEnv({
    TABLE_NAME: 'carebridge-test',
    AWS_ENDPOINT_URL_DYNAMODB: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? '',
    SUPPORT_EMAIL_ADDRESS: 'help@support.example.com',
    SMS_PROVIDER: 'twilio',
    TWILIO_AUTH_TOKEN: TWILIO_TEST_AUTH_TOKEN,
    TWILIO_ACCOUNT_SID: TWILIO_TEST_ACCOUNT_SID,
    TWILIO_FROM_NUMBER: '+14155550000',
    TWILIO_API_BASE_URL: twilio.baseUrl,
    CHAT_CALLBACK_URL: 'http://127.0.0.1:9/local',
    CHAT_FALLBACK_QUEUE_URL: 'http://127.0.0.1:9/000000000000/chat-fallback',
  });
  ({ handler } = await import('../../functions/conversations/reply.js'));
});

afterEach(() => ses.reset());
afterAll(async () => twilio.close());

function replyEvent(conversationId: string, body: unknown, groups = '[agent]'): HttpEvent {
  const event = loadEvent<HttpEvent>('http/staff-get-customer.json');
  const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
  claims['cognito:groups'] = groups;
  return {
    ...event,
    routeKey: 'POST /v1/conversations/{id}/replies',
    rawPath: `/v1/conversations/${conversationId}/replies`,
    pathParameters: { id: conversationId },
    headers: { ...event.headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

async function reply(conversationId: string, body: unknown, groups?: string) {
  const result = await handler(
    replyEvent(conversationId, body, groups),
    lambdaContext('conversations-reply'),
  );
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
}

describe('POST /v1/conversations/{id}/replies', () => {
  it("answers a web-form customer by email and puts the conversation on the customer's side", async () => {
    // Prepare
    ses.on(SendEmailCommand).resolves({ MessageId: '0100019a-reply-0001' });
    const received = await ingestInbound(
      table.db,
      inbound([email('form@example.com')], { subject: 'Refund' }),
      systemClock,
    );

    // Act
    const { status, body } = await reply(received.conversationId, { body: 'Your refund is on its way.' });

    // Assess
    expect(status).toBe(201);
    expect(body).toMatchObject({ direction: 'outbound', channel: 'email', deliveryStatus: 'sent' });
    const sent = ses.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(sent?.Destination?.ToAddresses).toEqual(['form@example.com']);
    const conversation = await getConversation(table.db, received.conversationId, true);
    expect(conversation.status).toBe('pending');
    expect(conversation.firstRespondedAt).toBeDefined();
  });

  it('answers an SMS on SMS through the configured provider', async () => {
    const received = await ingestInbound(
      table.db,
      inbound([phone('+14155552671')], { channel: 'sms' }),
      systemClock,
    );

    const { status, body } = await reply(received.conversationId, { body: 'On it.' });

    expect(status).toBe(201);
    expect(body.channel).toBe('sms');
    const request = twilio.requests.at(-1);
    expect(new URLSearchParams(request?.body).get('To')).toBe('+14155552671');
  });

  it('refuses with 409 opted_out when the customer opted out of the channel, and sends nothing', async () => {
    const received = await ingestInbound(
      table.db,
      inbound([phone('+14155552672')], { channel: 'sms' }),
      systemClock,
    );
    await setConsent(
      table.db,
      received.customerId,
      'sms',
      { status: 'opted_out', at: systemClock.now(), source: 'sms-keyword:STOP' },
      systemClock,
    );
    const before = twilio.requests.length;

    const { status, body } = await reply(received.conversationId, { body: 'Hello?' });

    expect(status).toBe(409);
    expect(body).toMatchObject({ error: 'not_deliverable', reason: 'opted_out' });
    expect(twilio.requests).toHaveLength(before);
  });

  it('refuses with 409 no_address a channel the customer has no address for', async () => {
    const received = await ingestInbound(table.db, inbound([email('only-mail@example.com')]), systemClock);

    const { status, body } = await reply(received.conversationId, { body: 'Text me', channel: 'sms' });

    expect(status).toBe(409);
    expect(body.reason).toBe('no_address');
  });

  it('returns 404 for an unknown conversation, 400 for an empty body, 403 for marketing', async () => {
    const received = await ingestInbound(table.db, inbound([email('roles@example.com')]), systemClock);

    const unknown = await reply('01JDQ3V9XK4T2B7Y8Z0M5N6P7Q', { body: 'Hi' });
    const empty = await reply(received.conversationId, { body: '   ' });
    const marketing = await reply(received.conversationId, { body: 'Buy more' }, '[marketing]');

    expect(unknown.status).toBe(404);
    expect(empty.status).toBe(400);
    expect(empty.body.issues[0].field).toBe('body');
    expect(marketing.status).toBe(403);
  });
});
