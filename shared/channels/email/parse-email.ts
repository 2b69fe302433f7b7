import type { Address, Attachment, Email } from 'postal-mime';
import PostalMime, { addressParser } from 'postal-mime';
import { EmailHeadersTooLargeError, EmailParseError } from './errors.js';
import { headerValues, type MailHeader } from './headers.js';
import { htmlToText } from './html-to-text.js';

/** A mailbox as parsed: the address is never taken from a decoded display name. */
export interface Mailbox {
  readonly address: string;
  readonly name: string;
}

/** Attachment metadata; the content stays in the raw message. */
export interface ParsedAttachment {
  readonly filename?: string;
  readonly contentType: string;
  readonly size: number;
}

/** What carebridge reads from a received email. */
export interface ParsedEmail {
  readonly headers: readonly MailHeader[];
  /**
   * Every mailbox of every From header, group members included. RFC 5322 allows several authors (then
   * with a Sender); which one is the identity is decided in emailToInbound, never by taking the first.
   */
  readonly from: readonly Mailbox[];
  /** Every mailbox of the Sender header: one when it is well formed. */
  readonly sender: readonly Mailbox[];
  readonly replyTo?: Mailbox;
  readonly subject?: string;
  /** The text part, or the HTML part turned to text when there is no text part. */
  readonly text: string;
  readonly textFromHtml: boolean;
  readonly attachments: readonly ParsedAttachment[];
}

/**
 * Parses a raw MIME message with postal-mime: RFC 2047 encoded words, any charset (an unknown one is
 * decoded best-effort rather than refused), nested multiparts and attached messages (at most
 * MAX_RFC822_DEPTH levels inline). Addresses come from the address syntax only: an encoded word that
 * decodes to something like an address stays a display name (postal-mime 2.7.4 and later).
 *
 * Throws EmailHeadersTooLargeError, without parsing, when the message's own header section passes
 * MAX_HEADER_BYTES (e.g. a Subject of megabytes), and EmailParseError when the parser refuses the
 * message (MIME nested past MAX_NESTING_DEPTH, headers of all parts together past MAX_HEADER_BYTES).
 */
export async function parseEmail(raw: Uint8Array): Promise<ParsedEmail> {
  if (headerSectionBytes(raw, MAX_HEADER_BYTES) > MAX_HEADER_BYTES) {
    throw new EmailHeadersTooLargeError(MAX_HEADER_BYTES);
  }
  let email: Email;
  try {
    email = await PostalMime.parse(raw, {
      maxNestingDepth: MAX_NESTING_DEPTH,
      maxRfc822NestingDepth: MAX_RFC822_DEPTH,
      maxHeadersSize: MAX_HEADER_BYTES,
      attachmentEncoding: 'arraybuffer',
    });
  } catch (error) {
    throw new EmailParseError('the message could not be parsed as MIME', { cause: error });
  }
  const headers = email.headers.map((header) => ({ name: header.key, value: header.value }));
  const text = email.text?.trim() ? email.text : undefined;
  const html = email.html?.trim() ? email.html : undefined;
  const [replyTo] = mailboxesOf(email.replyTo ?? []);
  const subject = email.subject?.trim();
  return {
    headers,
    from: headerMailboxes(headers, 'from'),
    sender: headerMailboxes(headers, 'sender'),
    ...(replyTo ? { replyTo } : {}),
    ...(subject ? { subject } : {}),
    text: text ?? (html ? htmlToText(html) : ''),
    textFromHtml: text === undefined && html !== undefined,
    attachments: email.attachments.map(attachmentMetadata),
  };
}

const MAX_NESTING_DEPTH = 50;
const MAX_RFC822_DEPTH = 3;
/**
 * Header bytes read: of the message's own header section, and of every part's together. postal-mime
 * decodes a run of adjacent encoded words in time quadratic in its length (about 0.1 s at this size,
 * 20 s at its 2 MB default), so the budget stays well below its default.
 */
export const MAX_HEADER_BYTES = 256 * 1024;

/**
 * The size of the message's header section (up to the first empty line), counted no further than
 * `limit + 1`: enough to tell it is over the limit.
 */
function headerSectionBytes(raw: Uint8Array, limit: number): number {
  const head = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, limit + 3));
  if (head[0] === LF || (head[0] === CR && head[1] === LF)) return 0;
  const ends = [head.indexOf('\n\n'), head.indexOf('\n\r\n')].filter((index) => index >= 0);
  if (ends.length > 0) return Math.min(...ends) + 1;
  return raw.byteLength > head.byteLength ? limit + 1 : head.byteLength;
}

const CR = 0x0d;
const LF = 0x0a;

/** Every mailbox of every header of that name, in order. */
export function headerMailboxes(headers: readonly MailHeader[], name: string): Mailbox[] {
  return headerValues(headers, name).flatMap((value) => mailboxesOf(addressParser(value)));
}

/** Every mailbox of an address list, the members of groups included. */
export function mailboxesOf(addresses: readonly Address[]): Mailbox[] {
  return addresses.flatMap((address) =>
    address.group === undefined
      ? [{ address: address.address, name: address.name }]
      : address.group.map((member) => ({ address: member.address, name: member.name })),
  );
}

function attachmentMetadata(attachment: Attachment): ParsedAttachment {
  const { content } = attachment;
  const size = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
  return {
    ...(attachment.filename ? { filename: attachment.filename } : {}),
    contentType: attachment.mimeType || 'application/octet-stream',
    size,
  };
}
