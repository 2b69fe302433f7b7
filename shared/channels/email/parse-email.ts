import type { Address, Attachment, Email } from 'postal-mime';
import PostalMime from 'postal-mime';
import { EmailParseError } from './errors.js';
import type { MailHeader } from './headers.js';
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
  readonly from?: Mailbox;
  readonly sender?: Mailbox;
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
 * Throws EmailParseError when the parser refuses the message (nesting or header size limits).
 */
export async function parseEmail(raw: Uint8Array): Promise<ParsedEmail> {
  let email: Email;
  try {
    email = await PostalMime.parse(raw, {
      maxNestingDepth: MAX_NESTING_DEPTH,
      maxRfc822NestingDepth: MAX_RFC822_DEPTH,
      attachmentEncoding: 'arraybuffer',
    });
  } catch (error) {
    throw new EmailParseError('the message could not be parsed as MIME', { cause: error });
  }
  const text = email.text?.trim() ? email.text : undefined;
  const html = email.html?.trim() ? email.html : undefined;
  const from = firstMailbox(email.from ? [email.from] : []);
  const sender = firstMailbox(email.sender ? [email.sender] : []);
  const replyTo = firstMailbox(email.replyTo ?? []);
  const subject = email.subject?.trim();
  return {
    headers: email.headers.map((header) => ({ name: header.key, value: header.value })),
    ...(from ? { from } : {}),
    ...(sender ? { sender } : {}),
    ...(replyTo ? { replyTo } : {}),
    ...(subject ? { subject } : {}),
    text: text ?? (html ? htmlToText(html) : ''),
    textFromHtml: text === undefined && html !== undefined,
    attachments: email.attachments.map(attachmentMetadata),
  };
}

const MAX_NESTING_DEPTH = 50;
const MAX_RFC822_DEPTH = 3;

/** The first mailbox of an address list, looking inside groups; undefined when there is none. */
export function firstMailbox(addresses: readonly Address[]): Mailbox | undefined {
  for (const address of addresses) {
    if (address.group !== undefined) {
      const [member] = address.group;
      if (member) return { address: member.address, name: member.name };
      continue;
    }
    return { address: address.address, name: address.name };
  }
  return undefined;
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
