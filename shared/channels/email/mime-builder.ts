import { singleLine } from '../../text/sanitize.js';

/** A plain-text email, ready to be written as RFC 5322 / MIME. */
export interface TextEmail {
  readonly from: { readonly address: string; readonly name?: string | undefined };
  readonly to: string;
  readonly replyTo?: string | undefined;
  readonly subject: string;
  /** With angle brackets, e.g. `<01J…@support.example.com>`. */
  readonly messageId: string;
  /** Message-IDs with angle brackets. */
  readonly inReplyTo?: string | undefined;
  readonly references?: readonly string[] | undefined;
  readonly date: Date;
  readonly text: string;
  /** RFC 8058 one-click unsubscribe (campaign email): `List-Unsubscribe` and `List-Unsubscribe-Post`. */
  readonly listUnsubscribe?: { readonly url: string } | undefined;
}

/**
 * Writes a plain-text email: UTF-8 body in quoted-printable (lines of at most 76 characters, `From `
 * and `.` at a line start encoded), non-ASCII subjects and names as RFC 2047 encoded words, long headers
 * folded, every header value made a single line (CR, LF and other controls removed, see `singleLine`)
 * so no header can be injected.
 */
export function buildTextEmail(email: TextEmail): Buffer {
  const headers = [
    `From: ${mailbox(email.from.address, email.from.name)}`,
    `To: ${mailbox(email.to)}`,
    ...(email.replyTo ? [`Reply-To: ${mailbox(email.replyTo)}`] : []),
    foldTokens('Subject', subjectTokens(email.subject)),
    `Date: ${rfc5322Date(email.date)}`,
    `Message-ID: ${headerSafe(email.messageId)}`,
    ...(email.inReplyTo ? [`In-Reply-To: ${headerSafe(email.inReplyTo)}`] : []),
    ...(email.references && email.references.length > 0
      ? [foldTokens('References', email.references.map(headerSafe))]
      : []),
    ...(email.listUnsubscribe
      ? [
          `List-Unsubscribe: <${headerSafe(email.listUnsubscribe.url).replace(/[<>\s]/g, '')}>`,
          'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
        ]
      : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
  ];
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${quotedPrintable(email.text)}\r\n`, 'utf8');
}

/** Removes what could end a header line or confuse a parser (a single line, see `singleLine`). */
function headerSafe(value: string): string {
  return singleLine(value);
}

const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;

function mailbox(address: string, name?: string): string {
  const safeAddress = headerSafe(address).replace(/[<>\s]/g, '');
  const safeName = name === undefined ? '' : headerSafe(name);
  if (!safeName) return safeAddress;
  const phrase = ASCII_PRINTABLE.test(safeName)
    ? `"${safeName.replace(/["\\]/g, '\\$&')}"`
    : encodedWords(safeName).join(' ');
  return `${phrase} <${safeAddress}>`;
}

function subjectTokens(subject: string): string[] {
  const safe = singleLine(subject);
  // An ASCII subject that itself looks like an encoded word is encoded, so it reads back as written.
  if (ASCII_PRINTABLE.test(safe) && !safe.includes('=?'))
    return safe.split(' ').filter((word) => word !== '');
  return encodedWords(safe);
}

/** RFC 2047 B encoded words of at most 75 characters, never splitting a character. */
export function encodedWords(text: string): string[] {
  const words: string[] = [];
  let chunk: number[] = [];
  for (const character of text) {
    const bytes = [...Buffer.from(character, 'utf8')];
    if (chunk.length + bytes.length > MAX_WORD_BYTES) {
      words.push(encodedWord(chunk));
      chunk = [];
    }
    chunk.push(...bytes);
  }
  if (chunk.length > 0) words.push(encodedWord(chunk));
  return words;
}

// `=?UTF-8?B?` + `?=` leave 63 characters of base64 in a 75-character word: 45 bytes.
const MAX_WORD_BYTES = 45;

function encodedWord(bytes: number[]): string {
  return `=?UTF-8?B?${Buffer.from(bytes).toString('base64')}?=`;
}

/** `Name: token token …` folded before a token that would pass 78 characters. */
function foldTokens(name: string, tokens: readonly string[]): string {
  const lines: string[] = [];
  let line = `${name}:`;
  for (const token of tokens) {
    if (line.length + 1 + token.length > 78 && line.trim() !== `${name}:`) {
      lines.push(line);
      line = ` ${token}`;
    } else {
      line = `${line} ${token}`;
    }
  }
  lines.push(line);
  return lines.join('\r\n');
}

function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

const MAX_QP_LINE = 76;

/** Quoted-printable (RFC 2045) of UTF-8 text with CRLF line ends. */
export function quotedPrintable(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => quotedPrintableLine(Buffer.from(line, 'utf8')))
    .join('\r\n');
}

function quotedPrintableLine(bytes: Buffer): string {
  const lines: string[] = [];
  let current = '';
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index] ?? 0;
    const last = index === bytes.length - 1;
    let token = qpToken(byte, last, current === '', bytes, index);
    // Leave room for the `=` of a soft line break.
    if (current.length + token.length > MAX_QP_LINE - 1) {
      lines.push(`${current}=`);
      current = '';
      token = qpToken(byte, last, true, bytes, index);
    }
    current += token;
  }
  lines.push(current);
  return lines.join('\r\n');
}

function qpToken(byte: number, last: boolean, lineStart: boolean, bytes: Buffer, index: number): string {
  const hex = `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  if (byte === 0x20 || byte === 0x09) return last ? hex : String.fromCharCode(byte);
  if (byte < 33 || byte > 126 || byte === 0x3d) return hex;
  // A `.` alone or `From ` at a line start trips some mail gateways.
  if (lineStart && byte === 0x2e) return hex;
  if (lineStart && byte === 0x46 && bytes.subarray(index, index + 5).toString('latin1') === 'From ')
    return hex;
  return String.fromCharCode(byte);
}
