import PostalMime from 'postal-mime';
import { describe, expect, it, vi } from 'vitest';
import {
  buildTextEmail,
  encodedWords,
  quotedPrintable,
  type TextEmail,
} from '../../shared/channels/email/mime-builder.js';
import { emailSubject, replySubject } from '../../shared/channels/email/ses-sender.js';
import { emailSenderFromEnv } from '../../shared/channels/email/ses-sender-from-env.js';
import { systemClock } from '../../shared/clock.js';
import type { OutboundEnvelope } from '../../shared/outbound/sender.js';
import type { Interaction } from '../../shared/schemas/index.js';
import { createDb } from '../../shared/store/db.js';

function textEmail(changes: Partial<TextEmail> = {}): TextEmail {
  return {
    from: { address: 'support@help.example.com', name: 'Example Support' },
    to: 'ada@example.com',
    replyTo: 'support@help.example.com',
    subject: 'Re: Billing',
    messageId: '<01JDQ3V9XK4T2B7Y8Z0M5N6P7S@help.example.com>',
    date: new Date('2026-11-26T12:00:00.000Z'),
    text: 'Hello',
    ...changes,
  };
}

function lines(raw: Buffer): string[] {
  return raw.toString('latin1').split('\r\n');
}

describe('buildTextEmail', () => {
  it('writes headers a mail client threads by, and reads back as written', async () => {
    // Prepare
    const email = textEmail({
      inReplyTo: '<CAF=reply-1@mail.gmail.com>',
      references: ['<first-1@mail.gmail.com>', '<CAF=reply-1@mail.gmail.com>'],
    });

    // Act
    const raw = buildTextEmail(email);

    // Assess
    const parsed = await PostalMime.parse(raw);
    expect(parsed).toMatchObject({
      from: { address: 'support@help.example.com', name: 'Example Support' },
      to: [{ address: 'ada@example.com', name: '' }],
      replyTo: [{ address: 'support@help.example.com', name: '' }],
      subject: 'Re: Billing',
      messageId: '<01JDQ3V9XK4T2B7Y8Z0M5N6P7S@help.example.com>',
      inReplyTo: '<CAF=reply-1@mail.gmail.com>',
      references: '<first-1@mail.gmail.com> <CAF=reply-1@mail.gmail.com>',
      date: '2026-11-26T12:00:00.000Z',
    });
    expect(lines(raw)).toContain('Date: Thu, 26 Nov 2026 12:00:00 +0000');
    expect(lines(raw)).toContain('Content-Type: text/plain; charset=utf-8');
  });

  it('encodes non-ASCII subjects and names as encoded words of at most 75 characters', async () => {
    const subject = `Re: Lieferung verspätet 📦 ${'ä'.repeat(60)}`;

    const raw = buildTextEmail(
      textEmail({ subject, from: { address: 'support@help.example.com', name: 'Kundenservice Müller' } }),
    );

    const parsed = await PostalMime.parse(raw);
    expect(parsed.subject).toBe(subject);
    expect(parsed.from).toEqual({ address: 'support@help.example.com', name: 'Kundenservice Müller' });
    const words = raw.toString('latin1').match(/=\?UTF-8\?B\?[^?]*\?=/g) ?? [];
    expect(words.length).toBeGreaterThan(2);
    expect(words.every((word) => word.length <= 75)).toBe(true);
    expect(lines(raw).every((line) => line.length <= 998)).toBe(true);
  });

  it('never splits a character across encoded words', () => {
    const words = encodedWords('😀'.repeat(30));

    for (const word of words) {
      const bytes = Buffer.from(word.slice('=?UTF-8?B?'.length, -2), 'base64');
      expect(bytes.toString('utf8')).not.toContain('\ufffd');
    }
  });

  it('keeps header injection out: CR and LF in a subject or address become spaces', async () => {
    const raw = buildTextEmail(
      textEmail({ subject: 'Hi\r\nBcc: victim@example.com', to: 'ada@example.com\r\nBcc: x@example.com' }),
    );

    const parsed = await PostalMime.parse(raw);
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.subject).toBe('Hi Bcc: victim@example.com');
    expect(lines(raw).filter((line) => /^bcc:/i.test(line))).toEqual([]);
  });

  it('folds a long References header', async () => {
    const references = Array.from(
      { length: 12 },
      (_, index) => `<message-${index}-0123456789@mail.example.com>`,
    );

    const raw = buildTextEmail(textEmail({ references }));

    const header = lines(raw).findIndex((line) => line.startsWith('References:'));
    expect(lines(raw)[header + 1]?.startsWith(' ')).toBe(true);
    expect(lines(raw).every((line) => line.length <= 78)).toBe(true);
    expect((await PostalMime.parse(raw)).references).toBe(references.join(' '));
  });

  it('writes the body as quoted-printable UTF-8 that reads back exactly', async () => {
    const text = [
      'Grüße aus Zürich – 100 € = 1 Rechnung 📄',
      'From here on, this line starts with From',
      '.',
      'trailing spaces   ',
      `a very long line ${'lorem ipsum '.repeat(30)}end`,
      '',
      'tab\tinside',
    ].join('\n');

    const raw = buildTextEmail(textEmail({ text }));

    const parsed = await PostalMime.parse(raw);
    expect(parsed.text?.replace(/\n$/, '')).toBe(text);
    const body = lines(raw).slice(lines(raw).indexOf('') + 1);
    expect(body.every((line) => line.length <= 76)).toBe(true);
    expect(body.some((line) => line.startsWith('From '))).toBe(false);
    expect(body).not.toContain('.');
  });

  it('encodes trailing whitespace and equals signs', () => {
    expect(quotedPrintable('a = b ')).toBe('a =3D b=20');
  });
});

describe('replySubject', () => {
  it('puts "Re: " once before the subject answered', () => {
    expect(replySubject('Billing', true)).toBe('Re: Billing');
    expect(replySubject('Re: Billing', true)).toBe('Re: Billing');
    expect(replySubject('RE: Billing', true)).toBe('RE: Billing');
    expect(replySubject('AW: Rechnung', true)).toBe('AW: Rechnung');
    expect(replySubject('Fwd: Order', true)).toBe('Re: Fwd: Order');
  });

  it('has a subject when there is none to answer', () => {
    expect(replySubject(undefined, true)).toBe('Re: your message');
    expect(replySubject('  ', false)).toBe('Our reply to your message');
    expect(replySubject('\r\n\u202e\u0000', false)).toBe('Our reply to your message');
  });

  it('is one line: line breaks become spaces, other controls and bidirectional overrides go', () => {
    expect(replySubject('Billing\r\nBcc: victim@example.com', true)).toBe(
      'Re: Billing Bcc: victim@example.com',
    );
    expect(replySubject('\u202eRe:\u0007 Order\t4711\u001b', true)).toBe('Re: Order 4711');
  });

  it('stays within the 500 characters an interaction records', () => {
    const subject = replySubject('x'.repeat(600), true);

    expect(subject).toBe(`Re: ${'x'.repeat(496)}`);
  });
});

describe('emailSubject', () => {
  const envelope: OutboundEnvelope = {
    interactionId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7S',
    conversationId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7T',
    customerId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7V',
    channel: 'email',
    to: { kind: 'email', value: 'ada@example.com' },
    subject: 'Conversation subject',
    body: 'Hello',
  };
  const answered = (channel: Interaction['channel'], subject: string): Interaction => ({
    interactionId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7W',
    customerId: envelope.customerId,
    conversationId: envelope.conversationId,
    direction: 'inbound',
    channel,
    identities: [{ kind: 'email', value: 'ada@example.com', trust: 'verified' }],
    subject,
    body: 'Question',
    attachments: [],
    providerMessageId: 'ses-1',
    providerRefs: {},
    occurredAt: '2026-11-26T12:00:00.000Z',
    recordedAt: '2026-11-26T12:00:00.000Z',
  });

  it('answers the subject of the email answered', () => {
    expect(emailSubject({ ...envelope, inResponseTo: answered('email', 'Billing') })).toBe('Re: Billing');
  });

  it('answers the envelope’s (the conversation’s) subject when no email is answered', () => {
    expect(emailSubject(envelope)).toBe('Re: Conversation subject');
    expect(emailSubject({ ...envelope, inResponseTo: answered('webform', 'Form subject') })).toBe(
      'Re: Conversation subject',
    );
  });
});

describe('emailSenderFromEnv', () => {
  const db = createDb('carebridge-test', { region: 'us-east-1' });

  it('builds the email sender from SUPPORT_EMAIL_ADDRESS', () => {
    vi.stubEnv('SUPPORT_EMAIL_ADDRESS', 'Support@Help.Example.com');

    expect(emailSenderFromEnv(db, systemClock).channel).toBe('email');
  });

  it('fails at cold start without a support address', () => {
    vi.stubEnv('SUPPORT_EMAIL_ADDRESS', '');

    expect(() => emailSenderFromEnv(db, systemClock)).toThrow('SUPPORT_EMAIL_ADDRESS');
  });
});
