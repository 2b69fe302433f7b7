import type { SNSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { HttpEvent } from '../../functions/lib/http.js';
import {
  eumInboundMessageSchema,
  eumToInbound,
  SnsEventSchema,
  snsMessageJson,
} from '../../shared/channels/sms/eum-inbound.js';
import {
  parseFormBody,
  twilioToInbound,
  twilioWebhookParamsSchema,
} from '../../shared/channels/sms/twilio-webhook.js';
import { ValidationError } from '../../shared/errors.js';
import { InboundMessageSchema } from '../../shared/schemas/index.js';
import { loadEvent } from '../support/events.js';
import { formParamsOf } from '../support/twilio.js';

const twilioSchema = twilioWebhookParamsSchema();
const eumSchema = eumInboundMessageSchema();

function fixtureParams(fixture: string): Record<string, string> {
  return Object.fromEntries(formParamsOf(loadEvent<HttpEvent>(fixture)));
}

function issuesOf(result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }): string[] {
  return (result.error?.issues ?? []).map((issue) => issue.path.map(String).join('.'));
}

describe('parseFormBody', () => {
  it('decodes plus signs and percent-escapes', () => {
    expect(parseFormBody('Body=Hi+there%21+%26+bye&From=%2B14155552671')).toEqual({
      Body: 'Hi there! & bye',
      From: '+14155552671',
    });
  });

  it('keeps every value of a repeated name, in order', () => {
    expect(parseFormBody('Tag=b&Tag=a&One=1')).toEqual({ Tag: ['b', 'a'], One: '1' });
  });

  it('keeps a __proto__ parameter as plain data', () => {
    const params = parseFormBody('__proto__=x&Body=hi');

    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(Object.keys(params).sort()).toEqual(['Body', '__proto__']);
  });
});

describe('Twilio webhook parameters', () => {
  it('maps an SMS to the canonical message keyed by its MessageSid', () => {
    // Prepare
    const params = twilioSchema.parse(fixtureParams('sms/twilio-webhook.json'));

    // Act
    const message = twilioToInbound(params, '2026-11-26T12:25:31.000Z');

    // Assess
    expect(InboundMessageSchema.parse(message)).toEqual({
      channel: 'sms',
      providerMessageId: 'SM1f0e8ae6ade43cb3c0ce4525424e404f',
      receivedAt: '2026-11-26T12:25:31.000Z',
      identities: [{ kind: 'phone', value: '+14155552671', trust: 'verified' }],
      body: 'Hi, my parcel 4711 has not arrived yet. Can you check? Thanks & regards',
      attachments: [],
      providerRefs: {
        provider: 'twilio',
        to: '+14155550142',
        accountSid: 'AC5ef8732a3c49700934481addd5ce1659',
        messagingServiceSid: 'MG9752274e9e519418a7406176694466fa',
      },
    });
  });

  it('records the media of an MMS by URL and content type', () => {
    const params = twilioSchema.parse(fixtureParams('sms/twilio-mms-webhook.json'));

    const message = twilioToInbound(params, '2026-11-26T12:26:31.000Z');

    expect(message.providerMessageId).toBe('MM8d2b0f3a5c7e9b1d4f6a8c0e2b4d6f81');
    expect(message.attachments).toEqual([
      {
        contentType: 'image/jpeg',
        size: 0,
        location:
          'https://api.twilio.com/2010-04-01/Accounts/AC5ef8732a3c49700934481addd5ce1659/Messages/MM8d2b0f3a5c7e9b1d4f6a8c0e2b4d6f81/Media/ME3c1e7a9f5b2d4c6e8a0b1c2d3e4f5a6b',
      },
      {
        contentType: 'image/png',
        size: 0,
        location:
          'https://api.twilio.com/2010-04-01/Accounts/AC5ef8732a3c49700934481addd5ce1659/Messages/MM8d2b0f3a5c7e9b1d4f6a8c0e2b4d6f81/Media/ME7d2f4b6a8c0e1f3a5b7c9d0e2f4a6b8c',
      },
    ]);
  });

  it('records the body cleaned: CRLF as LF, terminal escapes and bidirectional controls removed', () => {
    // Prepare
    const params = twilioSchema.parse({
      ...fixtureParams('sms/twilio-webhook.json'),
      Body: 'Parcel\r\n4711\u001b[2J\u0000 is \u202elate\u202c\tplease',
    });

    // Act
    const message = twilioToInbound(params, '2026-11-26T12:25:31.000Z');

    // Assess
    expect(message.body).toBe('Parcel\n4711[2J is late\tplease');
  });

  it('normalizes a national From number with the deployment region', () => {
    const params = twilioWebhookParamsSchema('US').parse({
      ...fixtureParams('sms/twilio-webhook.json'),
      From: '(415) 555-2671',
    });

    expect(params.from).toBe('+14155552671');
  });

  it('records the opt-out type Twilio Advanced Opt-Out adds', () => {
    const params = twilioSchema.parse({
      ...fixtureParams('sms/twilio-webhook.json'),
      Body: 'Stop',
      OptOutType: 'STOP',
    });

    expect(twilioToInbound(params, '2026-11-26T12:25:31.000Z').providerRefs.optOutType).toBe('STOP');
  });

  it('names each missing or malformed field', () => {
    const { From: _from, ...withoutFrom } = fixtureParams('sms/twilio-webhook.json');

    const result = twilioSchema.safeParse({ ...withoutFrom, MessageSid: 'SM123', To: 'our number' });

    expect(issuesOf(result).sort()).toEqual(['From', 'MessageSid', 'To']);
  });

  it('refuses a number that is not a phone number', () => {
    const result = twilioSchema.safeParse({ ...fixtureParams('sms/twilio-webhook.json'), From: '+1 000' });

    expect(issuesOf(result)).toEqual(['From']);
  });

  it('refuses a body over 1600 characters', () => {
    const result = twilioSchema.safeParse({
      ...fixtureParams('sms/twilio-webhook.json'),
      Body: 'x'.repeat(1601),
    });

    expect(issuesOf(result)).toEqual(['Body']);
  });

  it('refuses a repeated From', () => {
    const result = twilioSchema.safeParse({
      ...fixtureParams('sms/twilio-webhook.json'),
      From: ['+14155552671', '+14155550100'],
    });

    expect(issuesOf(result)).toEqual(['From']);
  });

  it('refuses media announced by NumMedia but missing or malformed', () => {
    const fixture = fixtureParams('sms/twilio-mms-webhook.json');
    const params = Object.fromEntries(
      Object.entries({ ...fixture, MediaUrl1: 'javascript:alert(1)' }).filter(
        ([name]) => name !== 'MediaContentType0',
      ),
    );

    const result = twilioSchema.safeParse(params);

    expect(issuesOf(result).sort()).toEqual(['MediaContentType0', 'MediaUrl1']);
  });

  it('refuses more than ten media items', () => {
    const result = twilioSchema.safeParse({
      ...fixtureParams('sms/twilio-mms-webhook.json'),
      NumMedia: '11',
    });

    expect(issuesOf(result)).toEqual(['NumMedia']);
  });
});

describe('End User Messaging two-way messages', () => {
  it('maps the SNS record to the canonical message keyed by inboundMessageId', () => {
    // Prepare
    const event = SnsEventSchema.parse(loadEvent<SNSEvent>('sms/eum-sns-event.json'));
    const [record] = event.Records;
    if (!record) throw new Error('fixture has no record');

    // Act
    const message = eumToInbound(eumSchema.parse(snsMessageJson(record)), record.Sns.Timestamp);

    // Assess
    expect(InboundMessageSchema.parse(message)).toEqual({
      channel: 'sms',
      providerMessageId: 'cae173d2-66b9-564c-8309-21f858e9fb84',
      receivedAt: '2026-11-26T12:30:05.123Z',
      identities: [{ kind: 'phone', value: '+14155552671', trust: 'verified' }],
      body: 'Is my refund for order 4711 on its way?',
      attachments: [],
      providerRefs: {
        provider: 'eum',
        to: '+12065550123',
        messageKeyword: 'KEYWORD_123456789012',
        previousPublishedMessageId: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
    });
  });

  it('records the body cleaned, an unpaired surrogate replaced rather than refused', () => {
    // Prepare: JSON can carry half a surrogate pair (`\ud83d`), e.g. a message cut in the middle of an emoji.
    const event = SnsEventSchema.parse(loadEvent<SNSEvent>('sms/eum-sns-event.json'));
    const [record] = event.Records;
    if (!record) throw new Error('fixture has no record');
    const json = eumSchema.parse(snsMessageJson(record));

    // Act
    const message = eumToInbound(
      { ...json, messageBody: 'Refund?\r\u2066ok\u2069 \ud83d\u0007' },
      record.Sns.Timestamp,
    );

    // Assess
    expect(message.body).toBe('Refund?\nok \ufffd');
  });

  it('refuses an SNS message that is not JSON', () => {
    const event = SnsEventSchema.parse(loadEvent<SNSEvent>('sms/eum-sns-event.json'));
    const [record] = event.Records;
    if (!record) throw new Error('fixture has no record');

    expect(() => snsMessageJson({ ...record, Sns: { ...record.Sns, Message: 'Hello from SNS!' } })).toThrow(
      ValidationError,
    );
  });

  it('names each missing field of a two-way message', () => {
    const result = eumSchema.safeParse({ destinationNumber: '+12065550123', messageBody: 'hi' });

    expect(issuesOf(result).sort()).toEqual(['inboundMessageId', 'originationNumber']);
  });

  it('refuses an event that is not from SNS', () => {
    const event = loadEvent<SNSEvent>('sms/eum-sns-event.json');
    const [record] = event.Records;
    if (!record) throw new Error('fixture has no record');

    const result = SnsEventSchema.safeParse({ Records: [{ ...record, EventSource: 'aws:sqs' }] });

    expect(issuesOf(result)).toEqual(['Records.0.EventSource']);
  });
});
