import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type Gateway, startGateway } from '../../local/gateway.js';
import {
  createSmsOutbox,
  EUM_API_PATH,
  OUTBOX_PATH,
  type SmsOutbox,
  TWILIO_API_PATH,
} from '../../local/sms-outbox.js';
import { signedTwilioWebhook } from '../../local/twilio-webhook-request.js';
import { eumSender } from '../../shared/channels/sms/eum-sender.js';
import { twilioSender } from '../../shared/channels/sms/twilio-sender.js';
import { isValidTwilioSignature } from '../../shared/channels/sms/twilio-signature.js';
import { parseFormBody } from '../../shared/channels/sms/twilio-webhook.js';
import type { OutboundEnvelope } from '../../shared/outbound/sender.js';
import { twilioSignature } from '../support/twilio.js';

const ACCOUNT_SID = `AC${'0'.repeat(32)}`;
const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
const NUMBER = '+15005550006';
const CUSTOMER = '+14155552671';

let gateway: Gateway;
let outbox: SmsOutbox;

beforeAll(async () => {
  outbox = createSmsOutbox({
    twilioAccountSid: ACCOUNT_SID,
    twilioAuthToken: AUTH_TOKEN,
    twilioNumbers: [NUMBER],
  });
  gateway = await startGateway({ port: 0, serve: () => ({ routes: [], localRoutes: outbox.routes }) });
});

afterAll(async () => {
  await gateway?.stop();
});

beforeEach(async () => {
  await fetch(`${gateway.url}${OUTBOX_PATH}`, { method: 'DELETE' });
});

function envelope(body: string): OutboundEnvelope {
  return {
    interactionId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7S',
    conversationId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7R',
    customerId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q',
    channel: 'sms',
    to: { kind: 'phone', value: CUSTOMER },
    body,
  };
}

function sender(password = AUTH_TOKEN) {
  return twilioSender({
    accountSid: ACCOUNT_SID,
    credentials: { username: ACCOUNT_SID, password },
    from: NUMBER,
    apiBaseUrl: `${gateway.url}${TWILIO_API_PATH}`,
    timeoutMs: 5_000,
  });
}

/** POSTs a form to the local Messages API. */
function createMessage(form: Record<string, string>, password = AUTH_TOKEN): Promise<Response> {
  return fetch(`${gateway.url}${TWILIO_API_PATH}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${password}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form).toString(),
  });
}

const OutboxSchema = z.object({
  messages: z.array(
    z.object({
      id: z.string(),
      provider: z.string(),
      to: z.string(),
      from: z.string().optional(),
      body: z.string(),
      sentAt: z.string(),
    }),
  ),
});

async function outboxTo(to?: string) {
  const query = to === undefined ? '' : `?to=${encodeURIComponent(to)}`;
  return OutboxSchema.parse(await (await fetch(`${gateway.url}${OUTBOX_PATH}${query}`)).json()).messages;
}

describe('local Twilio Messages API', () => {
  it('takes a message from the Twilio sender, answers 201 like Twilio, and keeps it in the outbox', async () => {
    // Act
    const receipt = await sender().send(envelope('Your parcel ships today.'));

    // Assess
    expect(receipt).toEqual({
      providerMessageId: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      status: 'sent',
      providerRefs: { provider: 'twilio' },
    });
    expect(await outboxTo(CUSTOMER)).toEqual([
      {
        id: receipt.providerMessageId,
        provider: 'twilio',
        to: CUSTOMER,
        from: NUMBER,
        body: 'Your parcel ships today.',
        sentAt: expect.any(String),
      },
    ]);
  });

  it('answers with the message resource Twilio returns', async () => {
    // Act
    const response = await createMessage({ To: CUSTOMER, From: NUMBER, Body: 'Hello' });

    // Assess
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({
      sid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      account_sid: ACCOUNT_SID,
      status: 'queued',
      to: CUSTOMER,
      from: NUMBER,
      body: 'Hello',
      direction: 'outbound-api',
      num_segments: '1',
      api_version: '2010-04-01',
      date_created: expect.stringMatching(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/),
    });
  });

  it('refuses a wrong auth token with 401 (Twilio error 20003), which the sender reports, and keeps nothing', async () => {
    // Act
    const response = await createMessage({ To: CUSTOMER, From: NUMBER, Body: 'Hello' }, 'wrong-token');
    const failure = await sender('wrong-token')
      .send(envelope('Hello'))
      .catch((error: unknown) => error);

    // Assess
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 20003, message: 'Authenticate', status: 401 });
    expect(failure).toMatchObject({ name: 'SmsProviderError', provider: 'twilio', code: '20003' });
    expect(await outboxTo()).toEqual([]);
  });

  it.each([
    [{ From: NUMBER, Body: 'x' }, 21604],
    [{ To: '4155552671', From: NUMBER, Body: 'x' }, 21211],
    [{ To: CUSTOMER, Body: 'x' }, 21603],
    [{ To: CUSTOMER, From: '+14155550100', Body: 'x' }, 21606],
    [{ To: CUSTOMER, From: NUMBER }, 21602],
    [{ To: CUSTOMER, From: NUMBER, Body: 'x'.repeat(1601) }, 21617],
  ])('refuses the form %o with 400 and Twilio error %i', async (form, code) => {
    // Act
    const response = await createMessage(form);

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code, status: 400 });
    expect(await outboxTo()).toEqual([]);
  });

  it('lists the outbox oldest first, filtered by recipient', async () => {
    // Prepare
    await createMessage({ To: CUSTOMER, From: NUMBER, Body: 'first' });
    await createMessage({ To: '+14155552672', From: NUMBER, Body: 'other' });
    await createMessage({ To: CUSTOMER, From: NUMBER, Body: 'second' });

    // Act
    const all = await outboxTo();
    const toCustomer = await outboxTo(CUSTOMER);

    // Assess
    expect(all.map((sms) => sms.body)).toEqual(['first', 'other', 'second']);
    expect(toCustomer.map((sms) => sms.body)).toEqual(['first', 'second']);
  });
});

describe('local End User Messaging SendTextMessage', () => {
  it('takes a message from the End User Messaging sender and keeps it in the outbox', async () => {
    // Prepare
    const client = new PinpointSMSVoiceV2Client({
      region: 'us-east-1',
      endpoint: `${gateway.url}${EUM_API_PATH}`,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

    // Act
    const receipt = await eumSender(client, { originationIdentity: NUMBER }).send(
      envelope('Reply STOP to opt out.'),
    );
    client.destroy();

    // Assess
    expect(receipt).toMatchObject({ status: 'sent', providerRefs: { provider: 'eum' } });
    expect(await outboxTo(CUSTOMER)).toEqual([
      {
        id: receipt.providerMessageId,
        provider: 'eum',
        to: CUSTOMER,
        from: NUMBER,
        body: 'Reply STOP to opt out.',
        sentAt: expect.any(String),
      },
    ]);
  });
});

describe('signedTwilioWebhook (npm run local:sms)', () => {
  it('signs the form as Twilio does, for the webhook URL the handler checks against', () => {
    // Prepare
    const webhookUrl = 'http://127.0.0.1:3000/v1/channels/sms/twilio';

    // Act
    const request = signedTwilioWebhook({
      webhookUrl,
      authToken: AUTH_TOKEN,
      accountSid: ACCOUNT_SID,
      to: NUMBER,
      from: CUSTOMER,
      body: 'Where is my parcel? 100% & more',
    });

    // Assess
    const params = parseFormBody(request.body);
    const signature = request.headers['x-twilio-signature'];
    expect(params).toMatchObject({
      From: CUSTOMER,
      To: NUMBER,
      MessageSid: request.messageSid,
      AccountSid: ACCOUNT_SID,
    });
    expect(isValidTwilioSignature(AUTH_TOKEN, signature, webhookUrl, params)).toBe(true);
    expect(signature).toBe(twilioSignature(AUTH_TOKEN, webhookUrl, [...new URLSearchParams(request.body)]));
    expect(isValidTwilioSignature('another-token', signature, webhookUrl, params)).toBe(false);
  });
});
