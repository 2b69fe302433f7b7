import {
  PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SmsProviderError } from '../../shared/channels/sms/errors.js';
import { eumSender } from '../../shared/channels/sms/eum-sender.js';
import { smsSenderFromEnv } from '../../shared/channels/sms/sms-sender-from-env.js';
import { type TwilioSenderConfig, twilioSender } from '../../shared/channels/sms/twilio-sender.js';
import { DeliveryError } from '../../shared/errors.js';
import type { OutboundEnvelope } from '../../shared/outbound/sender.js';
import type { Interaction } from '../../shared/schemas/index.js';
import { type FakeProvider, startFakeProvider } from '../support/http-server.js';
import { TWILIO_TEST_ACCOUNT_SID } from '../support/twilio.js';

const pinpoint = mockClient(PinpointSMSVoiceV2Client);
const CREATED = { sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued', to: '+14155552671' };
const SERVICE_SID = 'MG9752274e9e519418a7406176694466fa';

function envelope(changes: Partial<OutboundEnvelope> = {}): OutboundEnvelope {
  return {
    interactionId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7S',
    conversationId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7R',
    customerId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q',
    channel: 'sms',
    to: { kind: 'phone', value: '+14155552671' },
    body: 'Your parcel arrives tomorrow.',
    ...changes,
  };
}

function answering(provider: string, to: string): Interaction {
  return {
    interactionId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7T',
    customerId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q',
    conversationId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7R',
    direction: 'inbound',
    channel: 'sms',
    identities: [{ kind: 'phone', value: '+14155552671', trust: 'verified' }],
    body: 'Where is my parcel?',
    attachments: [],
    providerMessageId: 'SM1f0e8ae6ade43cb3c0ce4525424e404f',
    providerRefs: { provider, to },
    occurredAt: '2026-11-26T12:00:00.000Z',
    recordedAt: '2026-11-26T12:00:00.000Z',
  };
}

describe('twilioSender', () => {
  let twilio: FakeProvider;
  let config: TwilioSenderConfig;

  beforeAll(async () => {
    twilio = await startFakeProvider({ status: 201, body: CREATED });
    config = {
      accountSid: TWILIO_TEST_ACCOUNT_SID,
      credentials: { username: TWILIO_TEST_ACCOUNT_SID, password: 'secret-token' },
      from: '+14155550100',
      apiBaseUrl: twilio.baseUrl,
      timeoutMs: 2_000,
    };
  });

  afterEach(() => {
    twilio.requests.length = 0;
    twilio.answer = { status: 201, body: CREATED };
  });

  afterAll(async () => {
    await twilio.close();
  });

  it("posts Twilio's Messages request with basic auth and a form body", async () => {
    // Act
    const receipt = await twilioSender(config).send(envelope());

    // Assess
    expect(receipt).toEqual({
      providerMessageId: CREATED.sid,
      status: 'sent',
      providerRefs: { provider: 'twilio' },
    });
    const [request] = twilio.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/2010-04-01/Accounts/${TWILIO_TEST_ACCOUNT_SID}/Messages.json`);
    const basic = Buffer.from(`${TWILIO_TEST_ACCOUNT_SID}:secret-token`).toString('base64');
    expect(request?.headers.authorization).toBe(`Basic ${basic}`);
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      To: '+14155552671',
      From: '+14155550100',
      Body: 'Your parcel arrives tomorrow.',
    });
  });

  it('answers from the Twilio number the customer wrote to', async () => {
    await twilioSender(config).send(envelope({ inResponseTo: answering('twilio', '+14155550142') }));

    expect(new URLSearchParams(twilio.requests[0]?.body).get('From')).toBe('+14155550142');
  });

  it('ignores the number of a message that came through another provider', async () => {
    await twilioSender(config).send(envelope({ inResponseTo: answering('eum', '+12065550123') }));

    expect(new URLSearchParams(twilio.requests[0]?.body).get('From')).toBe('+14155550100');
  });

  it('sends through the Messaging Service when one is configured', async () => {
    await twilioSender({ ...config, messagingServiceSid: SERVICE_SID }).send(envelope());

    const form = new URLSearchParams(twilio.requests[0]?.body);
    expect(form.get('MessagingServiceSid')).toBe(SERVICE_SID);
    expect(form.has('From')).toBe(false);
  });

  it("maps a refusal to SmsProviderError with Twilio's code and without the number", async () => {
    // Prepare
    twilio.answer = {
      status: 400,
      body: {
        code: 21211,
        message: "The 'To' number +14155552671 is not a valid phone number.",
        more_info: 'https://www.twilio.com/docs/errors/21211',
        status: 400,
      },
    };

    // Act
    const sending = twilioSender(config).send(envelope());

    // Assess
    await expect(sending).rejects.toBeInstanceOf(SmsProviderError);
    await expect(sending).rejects.toMatchObject({ provider: 'twilio', code: '21211' });
    await expect(sending).rejects.not.toThrow(/4155552671/);
  });

  it('maps an answer that is not JSON to SmsProviderError', async () => {
    twilio.answer = { status: 502, body: '<html>Bad gateway</html>' };

    await expect(twilioSender(config).send(envelope())).rejects.toMatchObject({
      name: 'SmsProviderError',
      code: undefined,
      message: 'Twilio refused the message (HTTP 502)',
    });
  });

  it('refuses an unexpected success body', async () => {
    twilio.answer = { status: 201, body: { status: 'queued' } };

    await expect(twilioSender(config).send(envelope())).rejects.toThrow(
      'Twilio answered with an unexpected body',
    );
  });

  it('gives up after its timeout', async () => {
    twilio.answer = { status: 201, body: CREATED, hang: true };

    await expect(twilioSender({ ...config, timeoutMs: 100 }).send(envelope())).rejects.toThrow(
      'Twilio did not answer in time',
    );
  });

  it('refuses an envelope that is not addressed to a phone', async () => {
    const toEmail = envelope({ to: { kind: 'email', value: 'ada@example.com' } });

    await expect(twilioSender(config).send(toEmail)).rejects.toBeInstanceOf(DeliveryError);
    expect(twilio.requests).toHaveLength(0);
  });
});

describe('eumSender', () => {
  const config = { originationIdentity: 'pool-0123456789abcdef', configurationSetName: 'carebridge-sms' };

  afterEach(() => {
    pinpoint.reset();
  });

  it('sends a transactional SendTextMessage and returns its MessageId', async () => {
    // Prepare
    pinpoint.on(SendTextMessageCommand).resolves({ MessageId: 'eum-message-1' });

    // Act
    const receipt = await eumSender(new PinpointSMSVoiceV2Client({ region: 'us-east-1' }), config).send(
      envelope(),
    );

    // Assess
    expect(receipt).toEqual({
      providerMessageId: 'eum-message-1',
      status: 'sent',
      providerRefs: { provider: 'eum' },
    });
    expect(pinpoint.commandCalls(SendTextMessageCommand)[0]?.args[0].input).toEqual({
      DestinationPhoneNumber: '+14155552671',
      OriginationIdentity: 'pool-0123456789abcdef',
      MessageBody: 'Your parcel arrives tomorrow.',
      MessageType: 'TRANSACTIONAL',
      ConfigurationSetName: 'carebridge-sms',
      Context: { interactionId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7S' },
    });
  });

  it('answers from the End User Messaging number the customer wrote to', async () => {
    pinpoint.on(SendTextMessageCommand).resolves({ MessageId: 'eum-message-2' });

    await eumSender(new PinpointSMSVoiceV2Client({ region: 'us-east-1' }), config).send(
      envelope({ inResponseTo: answering('eum', '+12065550123') }),
    );

    expect(pinpoint.commandCalls(SendTextMessageCommand)[0]?.args[0].input.OriginationIdentity).toBe(
      '+12065550123',
    );
  });

  it('maps a refusal to SmsProviderError named by the exception, without its message', async () => {
    pinpoint.on(SendTextMessageCommand).rejects(
      new ValidationException({
        $metadata: {},
        message: 'Destination +14155552671 is opted out',
        Reason: 'INVALID_PARAMETER',
      }),
    );

    const sending = eumSender(new PinpointSMSVoiceV2Client({ region: 'us-east-1' }), config).send(envelope());

    await expect(sending).rejects.toMatchObject({
      name: 'SmsProviderError',
      provider: 'eum',
      code: 'ValidationException',
    });
    await expect(sending).rejects.not.toThrow(/4155552671/);
  });

  it('refuses an answer without a message id', async () => {
    pinpoint.on(SendTextMessageCommand).resolves({});

    await expect(
      eumSender(new PinpointSMSVoiceV2Client({ region: 'us-east-1' }), config).send(envelope()),
    ).rejects.toThrow('End User Messaging returned no message id');
  });
});

describe('smsSenderFromEnv', () => {
  let twilio: FakeProvider;

  beforeAll(async () => {
    twilio = await startFakeProvider({ status: 201, body: CREATED });
  });

  afterEach(() => {
    pinpoint.reset();
  });

  afterAll(async () => {
    await twilio.close();
  });

  it('sends through Twilio at TWILIO_API_BASE_URL when SMS_PROVIDER is twilio', async () => {
    // Prepare
    vi.stubEnv('SMS_PROVIDER', 'twilio');
    vi.stubEnv('TWILIO_AUTH_TOKEN', 'local-token');
    vi.stubEnv('TWILIO_ACCOUNT_SID', TWILIO_TEST_ACCOUNT_SID);
    vi.stubEnv('TWILIO_FROM_NUMBER', '+14155550100');
    vi.stubEnv('TWILIO_API_BASE_URL', twilio.baseUrl);

    // Act
    const sender = smsSenderFromEnv();
    await sender.send(envelope());

    // Assess
    expect(twilio.requests).toHaveLength(1);
    expect(twilio.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${TWILIO_TEST_ACCOUNT_SID}:local-token`).toString('base64')}`,
    );
  });

  it('sends through End User Messaging when SMS_PROVIDER is eum', async () => {
    vi.stubEnv('SMS_PROVIDER', 'eum');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('EUM_ORIGINATION_IDENTITY', '+12065550123');
    pinpoint.on(SendTextMessageCommand).resolves({ MessageId: 'eum-message-3' });

    const receipt = await smsSenderFromEnv().send(envelope());

    expect(receipt.providerMessageId).toBe('eum-message-3');
    expect(pinpoint.commandCalls(SendTextMessageCommand)[0]?.args[0].input.OriginationIdentity).toBe(
      '+12065550123',
    );
  });

  it('fails at cold start for an unknown provider', async () => {
    vi.stubEnv('SMS_PROVIDER', 'carrier-pigeon');

    expect(() => smsSenderFromEnv()).toThrow('SMS_PROVIDER must be twilio or eum');
  });

  it('fails at cold start without a Twilio number or messaging service', async () => {
    vi.stubEnv('SMS_PROVIDER', 'twilio');
    vi.stubEnv('TWILIO_AUTH_TOKEN', 'local-token');
    vi.stubEnv('TWILIO_ACCOUNT_SID', TWILIO_TEST_ACCOUNT_SID);
    vi.stubEnv('TWILIO_FROM_NUMBER', '');
    vi.stubEnv('TWILIO_MESSAGING_SERVICE_SID', '');

    expect(() => smsSenderFromEnv()).toThrow('Set TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER');
  });
});
