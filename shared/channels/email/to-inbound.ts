import { InvalidIdentityError, normalizeEmail } from '../../ingest/identity.js';
import {
  type InboundMessage,
  InboundMessageSchema,
  MAX_BODY_CHARS,
  type Trust,
} from '../../schemas/index.js';
import { clip, messageBody, replaceLoneSurrogates, singleLine } from '../../text/sanitize.js';
import { autoReplyReason } from './auto-reply.js';
import { headerValue } from './headers.js';
import { parseMessageIds, threadLookupKeys } from './message-ids.js';
import type { Mailbox, ParsedEmail } from './parse-email.js';
import { stripQuotedHistory } from './strip-quoted.js';

/** What SES (or the local stack) tells about a received message besides its content. */
export interface ReceivedEnvelope {
  /** SES's id of the received message: unique per message, the idempotency key. */
  readonly sesMessageId: string;
  readonly receivedAt: string;
  /** SMTP MAIL FROM; empty for a null sender. */
  readonly envelopeSender: string;
  /** Our addresses it was sent to. */
  readonly recipients: readonly string[];
  /** Where the raw message is kept, `s3://bucket/key`. */
  readonly rawLocation: string;
  /**
   * SES's DMARC verdict was PASS: the From domain is aligned with an SPF or DKIM pass, so a From address
   * can be trusted as the writer's. Absent or false: it is only claimed.
   */
  readonly dmarcPass?: boolean;
}

/** Where the sender address was taken from: the From header, the Sender header or the SMTP envelope. */
export type IdentitySource = 'from' | 'sender' | 'envelope';

/** A received email in canonical form, or the reason it cannot be recorded. */
export type InboundEmail =
  | {
      readonly kind: 'message';
      readonly message: InboundMessage;
      /** Message-IDs it answers, in thread-key form, most telling first (see threadLookupKeys). */
      readonly threadKeys: readonly string[];
      /** Where the sender identity came from; also in `providerRefs.identitySource` unless From. */
      readonly identitySource: IdentitySource;
    }
  | { readonly kind: 'no-sender' }
  /** From names several authors and no (single) Sender says which one sent it. */
  | { readonly kind: 'ambiguous-sender' };

/** Message-IDs looked up per message: In-Reply-To and the newest References. */
export const MAX_THREAD_KEYS = 20;
export const TRUNCATION_MARKER = '\n\n[… message shortened; the full email is kept with the original]';
const MAX_ATTACHMENTS = 50;
const MAX_SUBJECT_CHARS = 500;
const MAX_NAME_CHARS = 200;
/** Quoted-history stripping reads at most this much text; the body is capped far below it anyway. */
const MAX_TEXT_SCANNED = 1_000_000;

/**
 * Maps a parsed email to the canonical inbound message.
 *
 * The sender identity is one address: From when it names one author; when it names several (RFC 5322
 * then requires a Sender), Sender, and without a single usable Sender `ambiguous-sender`, never the
 * first of them. If From has no usable address (missing, an empty group, an encoded word that only
 * looks like an address), Sender; then the SMTP envelope sender. The identity is `verified` only when it
 * is the From address and SES's DMARC verdict passed, `claimed` otherwise. Reply-To is never an
 * identity (anyone can name anyone there, and two addresses in one message would merge their
 * customers); it is kept in `providerRefs.replyTo`. No usable address at all: `no-sender`.
 *
 * Text is cleaned as a provider payload must be: recorded, not refused. Unpaired surrogates become
 * U+FFFD; name, subject and attachment names go through `singleLine`, the body through `messageBody`.
 * The display name is kept unless it contains `@` or angle brackets (a name posing as an address). The
 * subject is clipped to 500 characters. The body is the text part (HTML turned to text when there is
 * none), quoted history stripped (`providerRefs.quotedHistory = stripped`), capped at MAX_BODY_CHARS
 * with a marker. Attachments are metadata pointing into the raw message (`<rawLocation>#attachment=<n>`).
 * Auto-replies are `record-only` with the reason in `providerRefs.autoReply`.
 */
export function emailToInbound(
  parsed: ParsedEmail,
  envelope: ReceivedEnvelope,
  extraRefs: Readonly<Record<string, string>> = {},
): InboundEmail {
  const sender = senderIdentity(parsed, envelope.envelopeSender);
  if (sender === 'ambiguous') return { kind: 'ambiguous-sender' };
  if (!sender) return { kind: 'no-sender' };

  const { headers } = parsed;
  const messageId = headerValue(headers, 'message-id')?.trim();
  const inReplyTo = parseMessageIds(headerValue(headers, 'in-reply-to'));
  const references = parseMessageIds(headerValue(headers, 'references'));
  const subject = parsed.subject === undefined ? '' : lineText(parsed.subject, MAX_SUBJECT_CHARS);
  const autoReply = autoReplyReason({
    headers,
    senderAddress: sender.address,
    subject: subject || undefined,
    envelopeSender: envelope.envelopeSender,
  });
  const body = stripQuotedHistory(messageBody(replaceLoneSurrogates(clip(parsed.text, MAX_TEXT_SCANNED))));
  const replyTo = usableAddress(parsed.replyTo?.address);
  const name = displayName(sender.mailbox?.name);
  const trust: Trust = sender.source === 'from' && envelope.dmarcPass === true ? 'verified' : 'claimed';
  const refs: Record<string, string> = {
    rawLocation: envelope.rawLocation,
    ...(messageId ? { messageId: messageId.slice(0, 2048) } : {}),
    ...(inReplyTo.length > 0 ? { inReplyTo: fitIds(inReplyTo) } : {}),
    ...(references.length > 0 ? { references: fitIds(references) } : {}),
    ...(envelope.recipients[0] ? { recipient: envelope.recipients[0].slice(0, 320) } : {}),
    ...(replyTo && replyTo !== sender.address ? { replyTo } : {}),
    ...(sender.source !== 'from' ? { identitySource: sender.source } : {}),
    ...(autoReply ? { autoReply } : {}),
    ...(body.stripped ? { quotedHistory: 'stripped' } : {}),
    ...(parsed.textFromHtml ? { bodySource: 'html' } : {}),
    ...(parsed.attachments.length > MAX_ATTACHMENTS
      ? { attachmentsOmitted: String(parsed.attachments.length - MAX_ATTACHMENTS) }
      : {}),
    ...extraRefs,
  };
  const message = InboundMessageSchema.parse({
    channel: 'email',
    providerMessageId: envelope.sesMessageId,
    receivedAt: envelope.receivedAt,
    identities: [{ kind: 'email', value: sender.address, trust }],
    ...(name ? { name } : {}),
    ...(subject ? { subject } : {}),
    body: capBody(body.text.replace(/^(?:[ \t]*\n)+/, '').trimEnd()),
    attachments: parsed.attachments.slice(0, MAX_ATTACHMENTS).map((attachment, index) => {
      const filename = attachment.filename === undefined ? '' : lineText(attachment.filename, 255);
      return {
        ...(filename ? { filename } : {}),
        contentType: lineText(attachment.contentType, 255) || 'application/octet-stream',
        size: attachment.size,
        location: `${envelope.rawLocation}#attachment=${index + 1}`,
      };
    }),
    providerRefs: refs,
    ...(autoReply ? { routing: 'record-only' } : {}),
  });
  return {
    kind: 'message',
    message,
    threadKeys: threadLookupKeys(inReplyTo, references, MAX_THREAD_KEYS),
    identitySource: sender.source,
  };
}

interface SenderIdentity {
  readonly address: string;
  readonly source: IdentitySource;
  readonly mailbox?: Mailbox;
}

/** The sender identity; `ambiguous` when From names several authors and no single Sender picks one. */
function senderIdentity(
  parsed: ParsedEmail,
  envelopeSender: string,
): SenderIdentity | 'ambiguous' | undefined {
  const authors = usableMailboxes(parsed.from);
  const senders = usableMailboxes(parsed.sender);
  const [sender] = senders.length === 1 ? senders : [];
  const [author, ...coauthors] = authors;
  if (author && coauthors.length === 0) return { ...author, source: 'from' };
  if (sender) return { ...sender, source: 'sender' };
  if (author) return 'ambiguous';
  const envelopeAddress = usableAddress(envelopeSender.replace(/^<|>$/g, ''));
  return envelopeAddress ? { address: envelopeAddress, source: 'envelope' } : undefined;
}

/** The distinct usable addresses of a mailbox list, each with the first mailbox naming it. */
function usableMailboxes(mailboxes: readonly Mailbox[]): { address: string; mailbox: Mailbox }[] {
  const found = new Map<string, Mailbox>();
  for (const mailbox of mailboxes) {
    const address = usableAddress(mailbox.address);
    if (address && !found.has(address)) found.set(address, mailbox);
  }
  return [...found].map(([address, mailbox]) => ({ address, mailbox }));
}

function usableAddress(raw: string | undefined): string | undefined {
  if (!raw?.trim()) return undefined;
  try {
    return normalizeEmail(raw);
  } catch (error) {
    if (error instanceof InvalidIdentityError) return undefined;
    throw error;
  }
}

function displayName(raw: string | undefined): string | undefined {
  const name = raw === undefined ? '' : lineText(raw, MAX_NAME_CHARS);
  if (!name || /[@<>]/.test(name)) return undefined;
  return name;
}

/** Header text for a single-line field: lone surrogates replaced, controls removed, at most `max`. */
function lineText(raw: string, max: number): string {
  return clip(singleLine(replaceLoneSurrogates(raw)), max);
}

/** The body within MAX_BODY_CHARS, with a marker when shortened. */
export function capBody(text: string): string {
  if (text.length <= MAX_BODY_CHARS) return text;
  return `${clip(text, MAX_BODY_CHARS - TRUNCATION_MARKER.length).trimEnd()}${TRUNCATION_MARKER}`;
}

/** Message-IDs as a header value within 2048 characters: the first (thread root) and the newest that fit. */
function fitIds(ids: readonly string[]): string {
  const bracketed = ids.map((id) => `<${id}>`);
  const [root, ...rest] = bracketed;
  if (root === undefined) return '';
  const tail: string[] = [];
  let length = root.length;
  for (const id of rest.reverse()) {
    if (length + 1 + id.length > 2048) break;
    tail.unshift(id);
    length += 1 + id.length;
  }
  return [root, ...tail].join(' ');
}
