import { describe, expect, it } from 'vitest';
import { EmailParseError } from '../../shared/channels/email/errors.js';
import { parseEmail } from '../../shared/channels/email/parse-email.js';
import { emailToInbound, TRUNCATION_MARKER } from '../../shared/channels/email/to-inbound.js';
import { MAX_BODY_CHARS } from '../../shared/schemas/index.js';
import { inboundFromMime, mime, receivedEnvelope } from '../support/email.js';

describe('email to canonical message', () => {
  it('maps a plain reply: sender, name, subject, threading headers, raw location', async () => {
    const { message, threadKeys } = await inboundFromMime('reply-gmail.eml');

    expect(message).toMatchObject({
      channel: 'email',
      providerMessageId: receivedEnvelope().sesMessageId,
      receivedAt: '2026-11-26T12:00:00.000Z',
      identities: [{ kind: 'email', value: 'ada@example.com' }],
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

    expect(message.identities).toEqual([{ kind: 'email', value: 'rfinnie@domain.dom' }]);
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

    expect(message.identities).toEqual([{ kind: 'email', value: 'bounce+x@sender.example' }]);
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

    expect(message.identities).toEqual([{ kind: 'email', value: 'real-sender@mail.example.net' }]);
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

    expect(message.identities).toEqual([{ kind: 'email', value: 'victim@example.com' }]);
    expect(message.name).toBeUndefined();
  });

  it('decodes an unknown charset best-effort and still records the message', async () => {
    const { message } = await inboundFromMime('unknown-charset.eml');

    expect(message.identities).toEqual([{ kind: 'email', value: 'rene@example.fr' }]);
    expect(message.name).toBe('René');
    expect(message.subject).toBe('Problème de facture');
    expect(message.body).toBe('Ma facture est erronée, merci de vérifier.');
  });

  it('turns HTML-only mail into text and strips its quoted history', async () => {
    const { message } = await inboundFromMime('html-only.eml');

    expect(message.subject).toBe('Lieferung verspätet');
    expect(message.identities).toEqual([{ kind: 'email', value: 'grace.hopper@example.com' }]);
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

    expect(message.identities).toEqual([{ kind: 'email', value: 'ada@example.com' }]);
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
      { kind: 'email', value: 'n@example.com' },
    ]);
  });

  it('has no sender for a message without any usable address', async () => {
    const parsed = await parseEmail(mime('From: undisclosed-recipients:;', 'Subject: x', '', 'body'));

    expect(emailToInbound(parsed, receivedEnvelope({ envelopeSender: '' }))).toEqual({ kind: 'no-sender' });
  });

  it('refuses MIME nested beyond the parser limit', async () => {
    const depth = 60;
    const open = Array.from({ length: depth }, (_, level) => [
      `Content-Type: multipart/mixed; boundary="b${level}"`,
      '',
      `--b${level}`,
    ]).flat();

    await expect(
      parseEmail(mime('From: a@example.com', ...open, 'Content-Type: text/plain', '', 'deep')),
    ).rejects.toBeInstanceOf(EmailParseError);
  });
});
