import { InvalidIdentityError, normalizeEmail } from '../../ingest/identity.js';
import { type InboundMessage, InboundMessageSchema, MAX_BODY_CHARS } from '../../schemas/index.js';
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
}

/** A received email in canonical form, or the reason it cannot be recorded. */
export type InboundEmail =
  | {
      readonly kind: 'message';
      readonly message: InboundMessage;
      /** Message-IDs it answers, in thread-key form, most telling first (see threadLookupKeys). */
      readonly threadKeys: readonly string[];
    }
  | { readonly kind: 'no-sender' };

/** Message-IDs looked up per message: In-Reply-To and the newest References. */
export const MAX_THREAD_KEYS = 20;
export const TRUNCATION_MARKER = '\n\n[… message shortened; the full email is kept with the original]';
const MAX_ATTACHMENTS = 50;
/** Quoted-history stripping reads at most this much text; the body is capped far below it anyway. */
const MAX_TEXT_SCANNED = 1_000_000;

/**
 * Maps a parsed email to the canonical inbound message.
 *
 * The sender identity is one address: From; if From has no usable address (missing, a group, an
 * encoded word that only looks like an address), Sender; then the SMTP envelope sender. Reply-To is
 * never an identity (anyone can name anyone there, and two addresses in one message would merge their
 * customers); it is kept in `providerRefs.replyTo`. No usable address at all: `no-sender`.
 *
 * The display name is kept unless it contains `@` or angle brackets (a name posing as an address).
 * The body is the text part (HTML turned to text when there is none), quoted history stripped
 * (`providerRefs.quotedHistory = stripped`), capped at MAX_BODY_CHARS with a marker. Attachments are
 * metadata pointing into the raw message (`<rawLocation>#attachment=<n>`). Auto-replies are
 * `record-only` with the reason in `providerRefs.autoReply`.
 */
export function emailToInbound(
  parsed: ParsedEmail,
  envelope: ReceivedEnvelope,
  extraRefs: Readonly<Record<string, string>> = {},
): InboundEmail {
  const sender = senderIdentity(parsed, envelope.envelopeSender);
  if (!sender) return { kind: 'no-sender' };

  const { headers } = parsed;
  const messageId = headerValue(headers, 'message-id')?.trim();
  const inReplyTo = parseMessageIds(headerValue(headers, 'in-reply-to'));
  const references = parseMessageIds(headerValue(headers, 'references'));
  const autoReply = autoReplyReason({
    headers,
    senderAddress: sender.address,
    subject: parsed.subject,
    envelopeSender: envelope.envelopeSender,
  });
  const body = stripQuotedHistory(parsed.text.slice(0, MAX_TEXT_SCANNED));
  const replyTo = usableAddress(parsed.replyTo?.address);
  const name = displayName(sender.mailbox?.name);
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
    identities: [{ kind: 'email', value: sender.address }],
    ...(name ? { name } : {}),
    ...(parsed.subject ? { subject: clip(parsed.subject.replace(/\s+/g, ' '), 500) } : {}),
    body: capBody(
      body.text
        .replace(/\r\n?/g, '\n')
        .replace(/^(?:[ \t]*\n)+/, '')
        .trimEnd(),
    ),
    attachments: parsed.attachments.slice(0, MAX_ATTACHMENTS).map((attachment, index) => ({
      ...(attachment.filename ? { filename: clip(attachment.filename, 255) } : {}),
      contentType: clip(attachment.contentType, 255),
      size: attachment.size,
      location: `${envelope.rawLocation}#attachment=${index + 1}`,
    })),
    providerRefs: refs,
    ...(autoReply ? { routing: 'record-only' } : {}),
  });
  return { kind: 'message', message, threadKeys: threadLookupKeys(inReplyTo, references, MAX_THREAD_KEYS) };
}

interface SenderIdentity {
  readonly address: string;
  readonly source: 'from' | 'sender' | 'envelope';
  readonly mailbox?: Mailbox;
}

function senderIdentity(parsed: ParsedEmail, envelopeSender: string): SenderIdentity | undefined {
  const fromAddress = usableAddress(parsed.from?.address);
  if (fromAddress && parsed.from) return { address: fromAddress, source: 'from', mailbox: parsed.from };
  const senderAddress = usableAddress(parsed.sender?.address);
  if (senderAddress && parsed.sender)
    return { address: senderAddress, source: 'sender', mailbox: parsed.sender };
  const envelopeAddress = usableAddress(envelopeSender.replace(/^<|>$/g, ''));
  return envelopeAddress ? { address: envelopeAddress, source: 'envelope' } : undefined;
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
  const name = raw?.replace(/\s+/g, ' ').trim();
  if (!name || /[@<>]/.test(name)) return undefined;
  return clip(name, 200);
}

/** The body within MAX_BODY_CHARS, with a marker when shortened. */
export function capBody(text: string): string {
  if (text.length <= MAX_BODY_CHARS) return text;
  return `${clip(text, MAX_BODY_CHARS - TRUNCATION_MARKER.length).trimEnd()}${TRUNCATION_MARKER}`;
}

/** At most `max` characters, never ending in half a surrogate pair. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
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
