import { describe, expect, it } from 'vitest';
import {
  inboundObjectKey,
  newSesMessageId,
  parseSesLambdaEvent,
  SesMessageIdSchema,
  SesReceiptSchema,
  sesReceiptEvent,
} from '../../shared/channels/email/ses-event.js';
import { quarantineReasons, reportedVerdicts } from '../../shared/channels/email/verdicts.js';
import { ValidationError } from '../../shared/errors.js';
import { mime } from '../support/email.js';
import { loadEvent, loadRaw } from '../support/events.js';

describe('SES receipt events', () => {
  it('accepts the real SES Lambda action event', () => {
    const event = parseSesLambdaEvent(loadEvent('email/ses-lambda-event.json'));

    expect(event.Records[0]?.ses.mail).toMatchObject({
      messageId: '6n4thuhcbhpfiuf25gshf70rss364fuejrvmqko1',
      source: 'aws@amazon.com',
      commonHeaders: { subject: 'Test Subject' },
    });
    expect(event.Records[0]?.ses.receipt.spamVerdict).toEqual({ status: 'PASS' });
  });

  it('builds the same shape from a raw message and its SMTP envelope, for the local stack', () => {
    // Prepare
    const raw = mime(
      'From: Ada <ada@example.com>',
      'To: support@help.example.com',
      'Subject: A subject that is',
      '  folded over two lines',
      'Message-ID: <m-1@example.com>',
      '',
      'Body: not a header',
    );

    // Act
    const event = sesReceiptEvent({
      messageId: 'abcdefghij0123456789',
      source: 'ada@example.com',
      recipients: ['support@help.example.com'],
      raw,
      receivedAt: '2026-11-26T12:00:00.000Z',
    });

    // Assess
    const record = event.Records[0];
    expect(record?.eventSource).toBe('aws:ses');
    expect(record?.ses.mail).toMatchObject({
      messageId: 'abcdefghij0123456789',
      timestamp: '2026-11-26T12:00:00.000Z',
      source: 'ada@example.com',
      destination: ['support@help.example.com'],
      commonHeaders: {
        from: ['Ada <ada@example.com>'],
        subject: 'A subject that is folded over two lines',
        messageId: '<m-1@example.com>',
        returnPath: 'ada@example.com',
      },
    });
    expect(record?.ses.mail.headers.map((header) => header.name)).toEqual([
      'Return-Path',
      'From',
      'To',
      'Subject',
      'Message-ID',
    ]);
    expect(record?.ses.receipt).toMatchObject({
      recipients: ['support@help.example.com'],
      spamVerdict: { status: 'PASS' },
      virusVerdict: { status: 'PASS' },
      action: { type: 'Lambda', invocationType: 'Event' },
      processingTimeMillis: 1,
    });
    expect(parseSesLambdaEvent(JSON.parse(JSON.stringify(event))).Records[0]?.ses.mail).toEqual(
      record?.ses.mail,
    );
  });

  it('gives new messages ids of the SES shape and keys them under the prefix', () => {
    const id = newSesMessageId();

    expect(SesMessageIdSchema.safeParse(id).success).toBe(true);
    expect(newSesMessageId()).not.toBe(id);
    expect(inboundObjectKey('inbound/', id)).toBe(`inbound/${id}`);
  });

  it('refuses an event that is not an SES receipt, naming the fields', () => {
    let caught: unknown;
    try {
      parseSesLambdaEvent({ Records: [{ eventSource: 'aws:ses', ses: { mail: {} } }] });
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ValidationError);
    expect(caught).toMatchObject({
      issues: expect.arrayContaining([expect.objectContaining({ path: 'Records.0.ses.mail.messageId' })]),
    });
  });

  it('clips header values the sender made too long instead of refusing the event', () => {
    // Prepare: SES passes the sender's headers on unbounded.
    const event = loadEvent<{ Records: { ses: { mail: Record<string, unknown> } }[] }>(
      'email/ses-lambda-event.json',
    );
    const mail = event.Records[0]?.ses.mail;
    if (!mail) throw new Error('fixture has no record');
    const to = Array.from({ length: 150 }, (_, index) => `person${index}@example.com`);
    mail.commonHeaders = { subject: 's'.repeat(100_000), from: ['a@example.com'], to };
    mail.headers = [
      { name: 'Subject', value: 's'.repeat(100_000) },
      { name: `X-${'n'.repeat(300)}`, value: 'v' },
    ];

    // Act
    const parsed = parseSesLambdaEvent(event).Records[0]?.ses.mail;

    // Assess
    expect(parsed?.commonHeaders?.subject).toBe('s'.repeat(4096));
    expect(parsed?.commonHeaders?.to).toEqual(to.slice(0, 100));
    expect(parsed?.headers[0]?.value).toHaveLength(65_536);
    expect(parsed?.headers[1]?.name).toHaveLength(200);
  });

  it('builds an event for a message with a long Subject, which the handler accepts', () => {
    const raw = mime('From: a@example.com', `Subject: ${'word '.repeat(2_000)}`, '', 'Hello');

    const event = sesReceiptEvent({ source: 'a@example.com', recipients: ['support@help.example.com'], raw });

    expect(parseSesLambdaEvent(event).Records[0]?.ses.mail.commonHeaders?.subject).toHaveLength(4096);
  });

  it('fills headers from a corpus message too', () => {
    const event = sesReceiptEvent({
      source: '',
      recipients: ['support@help.example.com'],
      raw: loadRaw('email/bounce.eml'),
    });

    expect(event.Records[0]?.ses.mail.commonHeaders?.subject).toBe('Undelivered Mail Returned to Sender');
  });
});

describe('quarantineReasons', () => {
  const receipt = (changes: Record<string, unknown>) =>
    SesReceiptSchema.parse({
      timestamp: '2026-11-26T12:00:00.000Z',
      recipients: ['support@help.example.com'],
      ...changes,
    });

  it('holds back spam, viruses and DMARC failures under an enforcing policy', () => {
    expect(
      quarantineReasons(receipt({ spamVerdict: { status: 'FAIL' }, virusVerdict: { status: 'FAIL' } })),
    ).toEqual(['spam', 'virus']);
    expect(
      quarantineReasons(receipt({ dmarcVerdict: { status: 'FAIL' }, dmarcPolicy: 'quarantine' })),
    ).toEqual(['dmarc']);
  });

  it('lets through DMARC failures under a policy of none, and uncertain verdicts', () => {
    expect(quarantineReasons(receipt({ dmarcVerdict: { status: 'FAIL' }, dmarcPolicy: 'none' }))).toEqual([]);
    expect(
      quarantineReasons(
        receipt({ spamVerdict: { status: 'GRAY' }, virusVerdict: { status: 'PROCESSING_FAILED' } }),
      ),
    ).toEqual([]);
    expect(quarantineReasons(receipt({}))).toEqual([]);
  });

  it('reports the verdicts as given', () => {
    expect(
      reportedVerdicts(
        receipt({ spamVerdict: { status: 'FAIL' }, dmarcVerdict: { status: 'FAIL' }, dmarcPolicy: 'reject' }),
      ),
    ).toEqual({
      spam: 'FAIL',
      dmarc: 'FAIL',
      dmarcPolicy: 'reject',
    });
  });
});
