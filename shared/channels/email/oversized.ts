import { addressParser } from 'postal-mime';
import type { MailHeader } from './headers.js';
import { headerValue } from './headers.js';
import { headerMailboxes, mailboxesOf, type ParsedEmail } from './parse-email.js';
import type { SesMail } from './ses-event.js';

/**
 * A stand-in for a message too large to read: what SES reported of its headers (From, Subject,
 * threading and auto-reply headers) and a body saying where the original is. It is recorded and routed
 * like any message, so the customer is not ignored because they attached something big.
 */
export function oversizedEmail(mail: SesMail, size: number, limit: number, rawLocation: string): ParsedEmail {
  return sesHeadersEmail(
    mail,
    `[This email is ${megabytes(size)} MB, over the ${megabytes(limit)} MB carebridge reads, so only its headers were recorded. The original is kept at ${rawLocation}.]`,
  );
}

/**
 * A stand-in for a message whose own header section is larger than carebridge parses (a Subject of
 * megabytes, say): recorded by what SES reported of its headers, like an oversized message.
 */
export function oversizedHeadersEmail(mail: SesMail, limit: number, rawLocation: string): ParsedEmail {
  return sesHeadersEmail(
    mail,
    `[The headers of this email are over the ${kilobytes(limit)} KB carebridge reads, so only the headers the mail service reported were recorded. The original is kept at ${rawLocation}.]`,
  );
}

/** The message as SES's headers tell it, with `note` for a body. Every From mailbox is kept. */
function sesHeadersEmail(mail: SesMail, note: string): ParsedEmail {
  const headers: MailHeader[] = mail.headers.map((header) => ({
    name: header.name.toLowerCase(),
    value: header.value,
  }));
  // SES lists the headers only up to a size; commonHeaders still has From then.
  const from = headerValue(headers, 'from')
    ? headerMailboxes(headers, 'from')
    : (mail.commonHeaders?.from ?? []).flatMap((value) => mailboxesOf(addressParser(value)));
  const subject = (mail.commonHeaders?.subject ?? headerValue(headers, 'subject'))?.trim();
  return {
    headers,
    from,
    sender: headerMailboxes(headers, 'sender'),
    ...(subject ? { subject } : {}),
    text: note,
    textFromHtml: false,
    attachments: [],
  };
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

function kilobytes(bytes: number): string {
  return String(Math.round(bytes / 1024));
}
