import { describe, expect, it } from 'vitest';
import { autoReplyReason } from '../../shared/channels/email/auto-reply.js';
import type { MailHeader } from '../../shared/channels/email/headers.js';
import { decodeEntities, htmlToText } from '../../shared/channels/email/html-to-text.js';
import { parseMessageIds, threadKeyOf, threadLookupKeys } from '../../shared/channels/email/message-ids.js';
import { stripQuotedHistory } from '../../shared/channels/email/strip-quoted.js';

describe('htmlToText', () => {
  it('turns blocks, breaks and lists into lines and drops scripts, styles and the head', () => {
    const html =
      '<html><head><title>t</title><style>p{}</style></head><body><h1>Hi</h1><p>one<br>two</p>' +
      '<ul><li>a</li><li>b</li></ul><ol><li>x</li><li>y</li></ol><script>evil()</script><div>end</div></body></html>';

    expect(htmlToText(html)).toBe('Hi\n\none\ntwo\n\n- a\n- b\n\n1. x\n2. y\n\nend');
  });

  it('collapses whitespace (no-break spaces included) and decodes character references', () => {
    expect(htmlToText('<p>  a \n\t b&nbsp;&amp;&lt;c&gt; &#233;&#x1F600; &unknown;</p>')).toBe(
      'a b &<c> é😀 &unknown;',
    );
  });

  it('keeps a link target after its text unless the text already shows it', () => {
    expect(htmlToText('<a href="https://x.example/a?b=1&amp;c=2">here</a>')).toBe(
      'here <https://x.example/a?b=1&c=2>',
    );
    expect(htmlToText('<a href="https://x.example/">https://x.example/</a>')).toBe('https://x.example/');
    expect(htmlToText('<a href="javascript:alert(1)">click</a>')).toBe('click');
    expect(htmlToText('<a href="mailto:a@b.example?subject=x">write</a>')).toBe('write <a@b.example>');
  });

  it('writes blockquotes as quoted lines', () => {
    expect(
      htmlToText('<p>answer</p><blockquote><p>earlier</p><blockquote>oldest</blockquote></blockquote>'),
    ).toBe('answer\n\n> earlier\n>\n> > oldest');
  });

  it('keeps preformatted text as written', () => {
    expect(htmlToText('<pre>a  b\n  c</pre>')).toBe('a  b\n  c');
  });

  it('survives unclosed tags, stray angle brackets and comments', () => {
    expect(htmlToText('1 < 2 <!-- hidden --> and <b>bold <script>never closed')).toBe('1 < 2 and bold');
    expect(htmlToText('<p>x<!-- unterminated')).toBe('x');
  });

  it('converts a document of more than a million characters', () => {
    const html = '<div><p>word <b>bold</b></p></div>'.repeat(50_000);

    const text = htmlToText(html);

    expect(text.startsWith('word bold')).toBe(true);
  });

  it('leaves text without references unchanged', () => {
    expect(decodeEntities('plain')).toBe('plain');
    expect(decodeEntities('&#0; &#xD800;')).toBe('\ufffd \ufffd');
  });
});

describe('stripQuotedHistory', () => {
  it('removes a Gmail attribution and the quoted lines below it', () => {
    const body =
      'Thanks!\n\nOn Wed, Nov 25, 2026 at 6:40 PM Support <s@x.example> wrote:\n> earlier\n> text\n';

    expect(stripQuotedHistory(body)).toEqual({ text: 'Thanks!', stripped: true });
  });

  it('removes an attribution that Gmail wrapped over two lines', () => {
    const body = 'Thanks!\n\nOn Wed, Nov 25, 2026 at 6:40 PM Support <\ns@x.example> wrote:\n\n> earlier';

    expect(stripQuotedHistory(body).text).toBe('Thanks!');
  });

  it('removes an Outlook original message and header block', () => {
    expect(
      stripQuotedHistory('Yes.\n\n-----Original Message-----\nFrom: a\nSent: b\nTo: c\n\nold').text,
    ).toBe('Yes.');
    expect(
      stripQuotedHistory(
        'Yes.\n\n________________________________\nFrom: S <s@x>\nSent: Monday\nTo: A\nSubject: Hi\n\nold',
      ).text,
    ).toBe('Yes.');
    expect(
      stripQuotedHistory('Ja.\n\nVon: S <s@x>\nGesendet: Montag\nAn: A\nBetreff: Hallo\n\nalt').text,
    ).toBe('Ja.');
  });

  it('removes a trailing quote without attribution', () => {
    expect(stripQuotedHistory('New text\n\n> old\n> older\n').text).toBe('New text');
  });

  it('keeps answers interleaved with quotes', () => {
    const body = '> Which day?\nTuesday.\n> What time?\nTen.';

    expect(stripQuotedHistory(body)).toEqual({ text: body, stripped: false });
  });

  it('keeps a forwarded message', () => {
    const body =
      'FYI, see below.\n\n---------- Forwarded message ---------\nFrom: Shop <s@x>\nDate: Mon\nSubject: Order\nTo: me\n\nYour order';

    expect(stripQuotedHistory(body)).toEqual({ text: body, stripped: false });
  });

  it('keeps an attached message the parser wrote out', () => {
    const body =
      'See attached.\n\n--------------------\nFrom:    Shop <s@x>\nSubject: Order\nDate:    1/1\nTo:      me\n--------------------\n\nYour order';

    expect(stripQuotedHistory(body).stripped).toBe(false);
  });

  it('does not mistake a sentence for an attribution', () => {
    const body = 'On Monday my colleague wrote: the invoice is wrong.\nPlease check.';

    expect(stripQuotedHistory(body).stripped).toBe(false);
  });

  it('keeps a message that is only a quote', () => {
    const body = 'On Mon, A <a@x> wrote:\n> only quoted';

    expect(stripQuotedHistory(body)).toEqual({ text: body, stripped: false });
  });
});

describe('autoReplyReason', () => {
  const signals = (
    headers: Record<string, string>,
    changes: Partial<Parameters<typeof autoReplyReason>[0]> = {},
  ) => ({
    headers: Object.entries(headers).map(([name, value]): MailHeader => ({ name, value })),
    senderAddress: 'ada@example.com',
    subject: 'Billing question',
    envelopeSender: 'ada@example.com',
    ...changes,
  });

  it('finds nothing in a message a person wrote', () => {
    expect(autoReplyReason(signals({ 'auto-submitted': 'no', precedence: 'first-class' }))).toBeUndefined();
  });

  it.each([
    [{ 'auto-submitted': 'auto-replied' }, 'auto-submitted'],
    [{ 'auto-submitted': 'auto-generated; type=vacation' }, 'auto-submitted'],
    [{ 'x-autoreply': 'yes' }, 'x-autoreply'],
    [{ 'x-autorespond': 'vacation' }, 'x-autoreply'],
    [{ precedence: 'bulk' }, 'precedence'],
    [{ precedence: 'auto_reply' }, 'precedence'],
    [{ 'content-type': 'multipart/report; report-type=delivery-status; boundary=x' }, 'report'],
    [{ 'return-path': '<>' }, 'null-sender'],
  ])('recognises %j', (headers, reason) => {
    expect(autoReplyReason(signals(headers))).toBe(reason);
  });

  it('recognises a null envelope sender and system senders', () => {
    expect(autoReplyReason(signals({}, { envelopeSender: '' }))).toBe('null-sender');
    expect(autoReplyReason(signals({}, { senderAddress: 'MAILER-DAEMON@mx.example' }))).toBe('system-sender');
    expect(autoReplyReason(signals({}, { senderAddress: 'postmaster@mx.example' }))).toBe('system-sender');
  });

  it.each([
    'Automatic reply: Re: Billing',
    'Out of Office: Billing',
    'Out of Office',
    'Abwesenheitsnotiz: Rechnung',
    'Undeliverable: Re: Billing',
  ])('recognises the subject %s', (subject) => {
    expect(autoReplyReason(signals({}, { subject }))).toBe('subject');
  });

  it('does not take a person asking about office hours for an auto-reply', () => {
    expect(autoReplyReason(signals({}, { subject: 'Out of office hours support?' }))).toBeUndefined();
  });
});

describe('Message-IDs', () => {
  it('reads bracketed and bare ids from a header', () => {
    expect(parseMessageIds('<a@x> (comment) <b@y>')).toEqual(['a@x', 'b@y']);
    expect(parseMessageIds('a@x b@y')).toEqual(['a@x', 'b@y']);
    expect(parseMessageIds('junk')).toEqual([]);
    expect(parseMessageIds(undefined)).toEqual([]);
  });

  it('reduces every regional SES form to one key', () => {
    expect(threadKeyOf('<0100abc@email.amazonses.com>')).toBe('0100abc@amazonses.com');
    expect(threadKeyOf('<0100abc@eu-west-1.amazonses.com>')).toBe('0100abc@amazonses.com');
    expect(threadKeyOf('<ID@Help.Example.COM>')).toBe('ID@help.example.com');
    expect(threadKeyOf('no-at-sign')).toBeUndefined();
  });

  it('looks up In-Reply-To first, then References newest first', () => {
    expect(threadLookupKeys(['c@x'], ['a@x', 'b@x', 'c@x'], 10)).toEqual(['c@x', 'b@x', 'a@x']);
    expect(threadLookupKeys([], ['a@x', 'b@x', 'c@x'], 2)).toEqual(['c@x', 'b@x']);
  });
});
