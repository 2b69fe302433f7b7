import { describe, expect, it } from 'vitest';
import { EmailHeadersTooLargeError, EmailParseError } from '../../shared/channels/email/errors.js';
import { MAX_HEADER_BYTES, parseEmail } from '../../shared/channels/email/parse-email.js';
import { emailToInbound, TRUNCATION_MARKER } from '../../shared/channels/email/to-inbound.js';
import { MAX_BODY_CHARS } from '../../shared/schemas/index.js';
import { foldedHeader, inboundFromMime, mime, nestedMime, receivedEnvelope } from '../support/email.js';
import { loadRaw } from '../support/events.js';

describe('email to canonical message', () => {
  it('maps a plain reply: sender, name, subject, threading headers, raw location', async () => {
    const { message, threadKeys } = await inboundFromMime('reply-gmail.eml');

    expect(message).toMatchObject({
      channel: 'email',
      providerMessageId: receivedEnvelope().sesMessageId,
      receivedAt: '2026-11-26T12:00:00.000Z',
      identities: [{ kind: 'email', value: 'ada@example.com', trust: 'claimed' }],
      name: 'Ada Lovelace',
      subject: 'Re: Billing',
      body: 'Thanks, that fixed it.',
      providerRefs: {
        messageId: '<CAF=reply-1@mail.gmail.com>',
        inReplyTo: '<01JDQ3V9XK4T2B7Y8Z0M5N6P7S@help.example.com>',
        references: '<first-1@mail.gmail.com> <01JDQ3V9XK4T2B7Y8Z0M5N6P7S@help.example.com>',
        rawLocation: receivedEnvelope().rawLocation,
        recipient: 'support@help.example.com',
        quotedHistory: 'stripped',
      },
    });
    expect(message.routing).toBeUndefined();
    expect(threadKeys).toEqual(['01JDQ3V9XK4T2B7Y8Z0M5N6P7S@help.example.com', 'first-1@mail.gmail.com']);
  });

  it('reads the MIME torture test: nested multiparts and messages, every attachment as metadata', async () => {
    const { message } = await inboundFromMime('mimetorture.eml');

    expect(message.identities).toEqual([{ kind: 'email', value: 'rfinnie@domain.dom', trust: 'claimed' }]);
    expect(message.subject).toBe("Ryan Finnie's MIME Torture Test v1.0");
    expect(message.body).toContain("Welcome to Ryan Finnie's MIME torture test.");
    // Attached messages are shown inline, not mistaken for quoted history.
    expect(message.body).toContain('by this point, I should be the 3rd layer deep!');
    expect(message.providerRefs.quotedHistory).toBeUndefined();
    expect(message.attachments.map((attachment) => attachment.filename)).toEqual([
      'foo.gz',
      'blah.gz',
      'blah1.gz',
      undefined,
      'htmlfile.html',
      'smiley-3.png',
      'dot.gif',
      'signature.asc',
      undefined,
    ]);
    expect(message.attachments[0]).toEqual({
      filename: 'foo.gz',
      contentType: 'application/x-gzip',
      size: 42,
      location: `${receivedEnvelope().rawLocation}#attachment=1`,
    });
  });

  it('takes the envelope sender when there is no From header (mixed multipart)', async () => {
    const { message } = await inboundFromMime('mixed.eml');

    expect(message.identities).toEqual([
      { kind: 'email', value: 'bounce+x@sender.example', trust: 'claimed' },
    ]);
    expect(message.providerRefs.identitySource).toBe('envelope');
    expect(message.body).toBe(
      'This e-mail message has been scanned for Viruses and Content and cleared\n\n\nGood Morning;',
    );
  });

  it('records a calendar invitation with its text and the invitation as attachments', async () => {
    const { message } = await inboundFromMime('calendar-event.eml');

    expect(message.subject).toBe(
      'Invitation: Test event ⏰ @ Thu Apr 11, 2024 11am - 12pm (GMT+3) (andris@ethereal.email)',
    );
    expect(message.body.startsWith('Test event ⏰')).toBe(true);
    expect(message.attachments.map((attachment) => attachment.contentType)).toEqual([
      'text/calendar',
      'application/ics',
    ]);
    expect(message.routing).toBeUndefined();
  });

  it('records a delivery status notification as record-only', async () => {
    const { message } = await inboundFromMime('bounce.eml');

    expect(message.routing).toBe('record-only');
    expect(message.providerRefs.autoReply).toBe('auto-submitted');
    expect(message.attachments.map((attachment) => attachment.contentType)).toEqual([
      'message/delivery-status',
      'message/rfc822',
    ]);
  });

  it('records an abuse report (ARF) as record-only', async () => {
    const { message } = await inboundFromMime('arf.eml');

    expect(message.routing).toBe('record-only');
    expect(message.providerRefs.autoReply).toBe('report');
  });

  it('records an out-of-office reply as record-only', async () => {
    const { message } = await inboundFromMime('out-of-office.eml');

    expect(message.routing).toBe('record-only');
    expect(message.body).toBe('I am out of the office until Monday.');
  });

  it('never takes an address out of an encoded word in From', async () => {
    const { message } = await inboundFromMime('encoded-word-spoof.eml', {
      envelopeSender: 'real-sender@mail.example.net',
    });

    expect(message.identities).toEqual([
      { kind: 'email', value: 'real-sender@mail.example.net', trust: 'claimed' },
    ]);
    expect(message.providerRefs.identitySource).toBe('envelope');
    expect(message.name).toBeUndefined();
    expect(JSON.stringify(message)).not.toContain('attacker@evil.com');
  });

  it('drops a display name that poses as an address', async () => {
    const raw = mime(
      'From: =?utf-8?b?YXR0YWNrZXJAZXZpbC5jb20=?= <victim@example.com>',
      'Subject: hi',
      '',
      'body',
    );

    const { message } = await inboundFromMime(raw);

    expect(message.identities).toEqual([{ kind: 'email', value: 'victim@example.com', trust: 'claimed' }]);
    expect(message.name).toBeUndefined();
  });

  it('decodes an unknown charset best-effort and still records the message', async () => {
    const { message } = await inboundFromMime('unknown-charset.eml');

    expect(message.identities).toEqual([{ kind: 'email', value: 'rene@example.fr', trust: 'claimed' }]);
    expect(message.name).toBe('René');
    expect(message.subject).toBe('Problème de facture');
    expect(message.body).toBe('Ma facture est erronée, merci de vérifier.');
  });

  it('turns HTML-only mail into text and strips its quoted history', async () => {
    const { message } = await inboundFromMime('html-only.eml');

    expect(message.subject).toBe('Lieferung verspätet');
    expect(message.identities).toEqual([
      { kind: 'email', value: 'grace.hopper@example.com', trust: 'claimed' },
    ]);
    expect(message.body).toBe(
      'Hello,\n\nmy parcel #4711 is late & the tracking page\nsays "unknown".\n\n- Ordered: Monday\n- Promised: Wednesday\n\nSee the tracking page <https://track.example.com/4711>.',
    );
    expect(message.providerRefs).toMatchObject({ bodySource: 'html', quotedHistory: 'stripped' });
  });

  it('strips an Outlook reply header block', async () => {
    const { message } = await inboundFromMime('reply-outlook.eml');

    expect(message.body).toBe('Tuesday at 10 works for me.\n\nAlan');
  });

  it('keeps Reply-To as a reference, never as an identity', async () => {
    const raw = mime(
      'From: Ada <ada@example.com>',
      'Reply-To: someone-else@example.net',
      'Subject: x',
      '',
      'Hello',
    );

    const { message } = await inboundFromMime(raw);

    expect(message.identities).toEqual([{ kind: 'email', value: 'ada@example.com', trust: 'claimed' }]);
    expect(message.providerRefs.replyTo).toBe('someone-else@example.net');
  });

  it('caps a long body with a marker', async () => {
    const raw = mime('From: a@example.com', 'Subject: long', '', 'x'.repeat(MAX_BODY_CHARS + 5000));

    const { message } = await inboundFromMime(raw);

    expect(message.body.length).toBeLessThanOrEqual(MAX_BODY_CHARS);
    expect(message.body.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('keeps the first 50 attachments and counts the rest', async () => {
    const parts = Array.from({ length: 55 }, (_, index) => [
      '--b',
      `Content-Type: application/octet-stream; name="f${index}.bin"`,
      'Content-Disposition: attachment',
      '',
      'data',
    ]).flat();
    const raw = mime(
      'From: a@example.com',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      ...parts,
      '--b--',
    );

    const { message } = await inboundFromMime(raw);

    expect(message.attachments).toHaveLength(50);
    expect(message.providerRefs.attachmentsOmitted).toBe('5');
  });

  it('records malformed MIME best-effort: broken boundaries, no blank line, binary noise', async () => {
    const broken = mime(
      'From: Broken <broken@example.com>',
      'Content-Type: multipart/mixed; boundary="never-closed"',
      '',
      '--never-closed',
      'Content-Type: text/plain',
      '',
      'still readable',
    );
    const noise = Buffer.concat([mime('From: n@example.com', ''), Buffer.from([0, 255, 254, 10, 65, 66])]);

    expect((await inboundFromMime(broken)).message.body).toBe('still readable');
    expect((await inboundFromMime(noise)).message.identities).toEqual([
      { kind: 'email', value: 'n@example.com', trust: 'claimed' },
    ]);
  });

  it('has no sender for a message without any usable address', async () => {
    const parsed = await parseEmail(mime('From: undisclosed-recipients:;', 'Subject: x', '', 'body'));

    expect(emailToInbound(parsed, receivedEnvelope({ envelopeSender: '' }))).toEqual({ kind: 'no-sender' });
  });

  it('refuses MIME nested beyond the parser limit', async () => {
    await expect(parseEmail(nestedMime(60, 'From: a@example.com'))).rejects.toBeInstanceOf(EmailParseError);
  });

  it('refuses a header section over the limit without parsing it, naming it too large', async () => {
    // Prepare: a Subject of about 300 KB, folded as mail clients do.
    const words = Array.from({ length: 30_000 }, (_, index) => `word${index}`);
    const raw = mime('From: a@example.com', ...foldedHeader('Subject', words), '', 'body');

    // Act
    const parsing = parseEmail(raw);

    // Assess
    await expect(parsing).rejects.toBeInstanceOf(EmailHeadersTooLargeError);
    await expect(parsing).rejects.toMatchObject({ limit: MAX_HEADER_BYTES });
  });

  it('parses a long header section within the limit', async () => {
    const words = Array.from({ length: 10_000 }, (_, index) => `word${index}`);

    const parsed = await parseEmail(
      mime('From: a@example.com', ...foldedHeader('Subject', words), '', 'body'),
    );

    expect(parsed.subject).toBe(words.join(' '));
  });
});

describe('email sender identity and trust', () => {
  it('verifies the From address only when SES’s DMARC verdict passed', async () => {
    // Prepare
    const parsed = await parseEmail(loadRaw('email/reply-gmail.eml'));

    // Act
    const passed = emailToInbound(parsed, receivedEnvelope({ dmarcPass: true }));
    const unknown = emailToInbound(parsed, receivedEnvelope());
    const failed = emailToInbound(parsed, receivedEnvelope({ dmarcPass: false }));

    // Assess
    expect(passed).toMatchObject({
      kind: 'message',
      identitySource: 'from',
      message: { identities: [{ kind: 'email', value: 'ada@example.com', trust: 'verified' }] },
    });
    for (const inbound of [unknown, failed]) {
      expect(inbound).toMatchObject({
        kind: 'message',
        message: { identities: [{ kind: 'email', value: 'ada@example.com', trust: 'claimed' }] },
      });
    }
  });

  it('only claims an address taken from the envelope, whatever DMARC said', async () => {
    const parsed = await parseEmail(loadRaw('email/mixed.eml'));

    const inbound = emailToInbound(parsed, receivedEnvelope({ dmarcPass: true }));

    expect(inbound).toMatchObject({
      kind: 'message',
      identitySource: 'envelope',
      message: {
        identities: [{ kind: 'email', value: 'bounce+x@sender.example', trust: 'claimed' }],
        providerRefs: { identitySource: 'envelope' },
      },
    });
  });

  it('exposes every author of a From header', async () => {
    const parsed = await parseEmail(loadRaw('email/multiple-from.eml'));

    expect(parsed.from).toEqual([
      { address: 'ada@example.com', name: 'Ada Lovelace' },
      { address: 'charles@example.com', name: 'Charles Babbage' },
    ]);
    expect(parsed.sender).toEqual([]);
  });

  it('never picks the first of several From authors when no Sender says who sent it', async () => {
    // Prepare
    const listed = await parseEmail(loadRaw('email/multiple-from.eml'));
    const repeated = await parseEmail(
      mime('From: Ada <ada@example.com>', 'From: Mallory <mallory@example.net>', 'Subject: x', '', 'hi'),
    );

    // Act
    const inbound = [listed, repeated].map((parsed) => emailToInbound(parsed, receivedEnvelope()));

    // Assess
    expect(inbound).toEqual([{ kind: 'ambiguous-sender' }, { kind: 'ambiguous-sender' }]);
  });

  it('takes the Sender of a message with several authors, as a claim even when DMARC passed', async () => {
    const parsed = await parseEmail(loadRaw('email/multiple-from-sender.eml'));

    const inbound = emailToInbound(parsed, receivedEnvelope({ dmarcPass: true }));

    expect(inbound).toMatchObject({
      kind: 'message',
      identitySource: 'sender',
      message: {
        identities: [{ kind: 'email', value: 'charles@example.com', trust: 'claimed' }],
        name: 'Charles Babbage',
        providerRefs: { identitySource: 'sender' },
      },
    });
  });

  it('counts one author when From names the same address twice', async () => {
    const parsed = await parseEmail(
      mime('From: Ada <ada@example.com>, "Ada L." <ADA@example.com>', 'Subject: x', '', 'hi'),
    );

    const inbound = emailToInbound(parsed, receivedEnvelope({ dmarcPass: true }));

    expect(inbound).toMatchObject({
      kind: 'message',
      identitySource: 'from',
      message: { identities: [{ value: 'ada@example.com', trust: 'verified' }], name: 'Ada' },
    });
  });
});

describe('email text hygiene', () => {
  const encoded = (text: string) => `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;

  it('clips an over-long subject to 500 characters on one line', async () => {
    const words = Array.from({ length: 1_000 }, (_, index) => `w${index}`);
    const raw = mime('From: a@example.com', ...foldedHeader('Subject', words), '', 'body');

    const { message } = await inboundFromMime(raw);

    expect(message.subject).toBe(words.join(' ').slice(0, 500));
  });

  it('removes controls and bidirectional overrides from the name, subject and attachment names', async () => {
    // Prepare: encoded words can carry anything once decoded, CR and LF included.
    const raw = mime(
      `From: ${encoded('Ada\u001b[31m \u202eLovelace\u0000')} <ada@example.com>`,
      `Subject: ${encoded('Billing\r\nBcc: victim@example.com\t\u2066x\u2069')}`,
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'See attached.',
      '--b',
      'Content-Type: application/octet-stream',
      `Content-Disposition: attachment; filename="${encoded('invoice\u202egpj.exe')}"`,
      '',
      'data',
      '--b--',
    );

    // Act
    const { message } = await inboundFromMime(raw);

    // Assess
    expect(message.name).toBe('Ada[31m Lovelace');
    expect(message.subject).toBe('Billing Bcc: victim@example.com x');
    expect(message.attachments[0]?.filename).toBe('invoicegpj.exe');
  });

  it('keeps the body’s lines and tabs but removes terminal escapes, NUL and bidirectional controls', async () => {
    const raw = mime(
      'From: a@example.com',
      'Subject: x',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Order=094711=1B[2J=00',
      'arrived =E2=80=AEbroken=E2=80=AC=0Dtoday',
    );

    const { message } = await inboundFromMime(raw);

    expect(message.body).toBe('Order\t4711[2J\narrived broken\ntoday');
  });
});
