import { addressParser } from 'postal-mime';
import type { MailHeader } from './headers.js';
import { headerValue } from './headers.js';
import { firstMailbox, type ParsedEmail } from './parse-email.js';
import type { SesMail } from './ses-event.js';

/**
 * A stand-in for a message too large to read: what SES reported of its headers (From, Subject,
 * threading and auto-reply headers) and a body saying where the original is. It is recorded and routed
 * like any message, so the customer is not ignored because they attached something big.
 */
export function oversizedEmail(mail: SesMail, size: number, limit: number, rawLocation: string): ParsedEmail {
  const headers: MailHeader[] = mail.headers.map((header) => ({
    name: header.name.toLowerCase(),
    value: header.value,
  }));
  const fromHeader = headerValue(headers, 'from') ?? mail.commonHeaders?.from?.[0];
  const senderHeader = headerValue(headers, 'sender');
  const from = fromHeader ? firstMailbox(addressParser(fromHeader)) : undefined;
  const sender = senderHeader ? firstMailbox(addressParser(senderHeader)) : undefined;
  const subject = (mail.commonHeaders?.subject ?? headerValue(headers, 'subject'))?.trim();
  return {
    headers,
    ...(from ? { from } : {}),
    ...(sender ? { sender } : {}),
    ...(subject ? { subject } : {}),
    text: `[This email is ${megabytes(size)} MB, over the ${megabytes(limit)} MB carebridge reads, so only its headers were recorded. The original is kept at ${rawLocation}.]`,
    textFromHtml: false,
    attachments: [],
  };
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
