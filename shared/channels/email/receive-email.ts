import type { S3Client } from '@aws-sdk/client-s3';
import type { Clock } from '../../clock.js';
import { deleteRawMail } from '../../data-rights/raw-mail.js';
import { SenderErasedError } from '../../data-rights/tombstones.js';
import { type IngestResult, ingestInbound } from '../../ingest/ingest.js';
import type { RoutingHandoff } from '../../routing/handoff.js';
import { QuarantinedMessageSchema, type QuarantineReason, type RoutingMode } from '../../schemas/index.js';
import type { Db } from '../../store/db.js';
import { findEmailThreadRefs } from '../../store/email-threads.js';
import { putQuarantined } from '../../store/quarantine.js';
import { clip, replaceLoneSurrogates, singleLine } from '../../text/sanitize.js';
import { EmailHeadersTooLargeError, EmailParseError } from './errors.js';
import { oversizedEmail, oversizedHeadersEmail } from './oversized.js';
import { type ParsedEmail, parseEmail } from './parse-email.js';
import { type RawEmail, rawEmailUri, readRawEmail } from './raw-store.js';
import { inboundObjectKey, type SesMail, type SesReceiptRecord } from './ses-event.js';
import { emailToInbound, type ReceivedEnvelope } from './to-inbound.js';
import { quarantineReasons, reportedVerdicts } from './verdicts.js';

/** Largest raw message read and parsed; SES accepts up to 40 MB, a larger one is recorded by its headers. */
export const MAX_RAW_EMAIL_BYTES = 10 * 1024 * 1024;

/** What receiving an email needs; built once at module scope by the handler (or the local stack). */
export interface EmailReceiver {
  readonly db: Db;
  readonly s3: S3Client;
  /** Bucket and key prefix of the receipt rule's S3 action. */
  readonly bucket: string;
  readonly prefix: string;
  readonly handoff: RoutingHandoff;
  readonly clock: Clock;
  readonly maxRawBytes?: number;
}

/** What became of one received email. */
export type ReceiveResult =
  | {
      readonly outcome: 'quarantined';
      readonly reasons: readonly QuarantineReason[];
      readonly duplicate: boolean;
    }
  | {
      readonly outcome: IngestResult['outcome'];
      readonly routing: RoutingMode;
      /** The reply named one of our Message-IDs and continues that conversation. */
      readonly threaded: boolean;
      /** Recorded by the headers SES reported: the message, or its header section, was too large to read. */
      readonly oversized: boolean;
      readonly result: IngestResult;
    };

/**
 * Receives one email that the SES receipt rule stored in S3 (or the local stack did, the same way):
 *
 * 1. Verdicts: spam or virus FAIL, or a DMARC failure under a reject/quarantine policy → a quarantine
 *    record, without reading the message. Nothing on a timeline, no hand-off, no answer.
 * 2. Reads the raw message and parses it: over `maxRawBytes`, or with a header section over what the
 *    parser reads, it is recorded by the headers SES reported, with a note; a message the parser refuses
 *    (MIME nested past its limits) → quarantine (`unparseable`), never retried.
 *    Then maps it to the canonical message: no usable sender address → quarantine (`no-sender`); From
 *    naming several authors without a Sender → quarantine (`ambiguous-sender`).
 * 3. Threading: a reply naming one of our Message-IDs (In-Reply-To, References) hints ingest at that
 *    conversation, which takes it if it is the sender's and not resolved.
 * 4. Ingest, then hand-off to routing unless the message is record-only (an auto-reply). A message of
 *    a sender erased after SES received it is not recorded: its raw mail is deleted and
 *    SenderErasedError thrown, for the handler to acknowledge (docs/data-rights.md).
 *
 * Idempotent on the SES message id: a retried event finds the interaction or quarantine record and
 * hands off again (routing applies each interaction once). Throws on a missing object, so the Lambda's
 * retries and on-failure destination take the event.
 */
export async function receiveEmail(
  receiver: EmailReceiver,
  record: SesReceiptRecord['ses'],
): Promise<ReceiveResult> {
  const { mail, receipt } = record;
  const location = { bucket: receiver.bucket, key: inboundObjectKey(receiver.prefix, mail.messageId) };
  const envelope: ReceivedEnvelope = {
    sesMessageId: mail.messageId,
    receivedAt: new Date(mail.timestamp).toISOString(),
    envelopeSender: mail.source,
    recipients: receipt.recipients,
    rawLocation: rawEmailUri(location),
    dmarcPass: receipt.dmarcVerdict?.status === 'PASS',
  };

  const verdictReasons = quarantineReasons(receipt);
  if (verdictReasons.length > 0) return quarantine(receiver, record, envelope, verdictReasons);

  const maxBytes = receiver.maxRawBytes ?? MAX_RAW_EMAIL_BYTES;
  const raw = await readRawEmail(receiver.s3, location, maxBytes);
  const content = await readContent(raw, mail, maxBytes, envelope.rawLocation);
  if (content === 'unparseable') return quarantine(receiver, record, envelope, ['unparseable']);
  const inbound = emailToInbound(content.parsed, envelope, content.refs);
  if (inbound.kind === 'no-sender') return quarantine(receiver, record, envelope, ['no-sender']);
  if (inbound.kind === 'ambiguous-sender')
    return quarantine(receiver, record, envelope, ['ambiguous-sender']);

  const [thread] = await findEmailThreadRefs(receiver.db, inbound.threadKeys);
  const message = thread
    ? {
        ...inbound.message,
        providerRefs: { ...inbound.message.providerRefs, threadConversationId: thread.conversationId },
      }
    : inbound.message;
  let result: IngestResult;
  try {
    result = await ingestInbound(receiver.db, message, receiver.clock, {
      conversationHint: thread?.conversationId,
    });
  } catch (error) {
    // An erasure covers the mail that was on its way: nothing is recorded and the raw message goes too.
    if (error instanceof SenderErasedError) {
      await deleteRawMail({ s3: receiver.s3, bucket: receiver.bucket, prefix: receiver.prefix }, location);
    }
    throw error;
  }
  const routing = message.routing ?? 'route';
  if (routing === 'route') await receiver.handoff(result);
  return {
    outcome: result.outcome,
    routing,
    threaded: thread !== undefined && result.conversationId === thread.conversationId,
    oversized: content.oversized,
    result,
  };
}

interface EmailContent {
  readonly parsed: ParsedEmail;
  /** References noting how it was read (`oversizedBytes`, `oversizedHeaders`). */
  readonly refs: Readonly<Record<string, string>>;
  readonly oversized: boolean;
}

/**
 * The message parsed; SES's headers with a note when it or its header section is too large to read;
 * `unparseable` when the parser refuses it (a retry would only refuse it again).
 */
async function readContent(
  raw: RawEmail,
  mail: SesMail,
  maxBytes: number,
  rawLocation: string,
): Promise<EmailContent | 'unparseable'> {
  if (raw.kind === 'oversized') {
    return {
      parsed: oversizedEmail(mail, raw.size, maxBytes, rawLocation),
      refs: { oversizedBytes: String(raw.size) },
      oversized: true,
    };
  }
  try {
    return { parsed: await parseEmail(raw.bytes), refs: {}, oversized: false };
  } catch (error) {
    if (error instanceof EmailHeadersTooLargeError) {
      return {
        parsed: oversizedHeadersEmail(mail, error.limit, rawLocation),
        refs: { oversizedHeaders: String(error.limit) },
        oversized: true,
      };
    }
    if (error instanceof EmailParseError) return 'unparseable';
    throw error;
  }
}

async function quarantine(
  receiver: EmailReceiver,
  { mail, receipt }: SesReceiptRecord['ses'],
  envelope: ReceivedEnvelope,
  reasons: QuarantineReason[],
): Promise<ReceiveResult> {
  // Every From address, so a reviewer sees all the authors a message claimed.
  const from = headerText(mail.commonHeaders?.from?.join(', '), 998);
  const subject = headerText(mail.commonHeaders?.subject, 500);
  const held = QuarantinedMessageSchema.parse({
    channel: 'email',
    providerMessageId: mail.messageId,
    receivedAt: envelope.receivedAt,
    reasons,
    envelopeSender: clip(mail.source, 320),
    ...(from ? { from } : {}),
    ...(subject ? { subject } : {}),
    recipients: receipt.recipients.slice(0, 50).map((recipient) => clip(recipient, 320)),
    verdicts: reportedVerdicts(receipt),
    rawLocation: envelope.rawLocation,
    quarantinedAt: receiver.clock.now(),
  });
  const stored = await putQuarantined(receiver.db, held);
  return { outcome: 'quarantined', reasons, duplicate: stored === 'duplicate' };
}

/** A header SES reported, as a single line for a reviewer to read; empty when there is none. */
function headerText(value: string | undefined, max: number): string {
  return value === undefined ? '' : clip(singleLine(replaceLoneSurrogates(value)), max);
}
