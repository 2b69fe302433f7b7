import type { S3Client } from '@aws-sdk/client-s3';
import type { Clock } from '../../clock.js';
import { type IngestResult, ingestInbound } from '../../ingest/ingest.js';
import type { RoutingHandoff } from '../../routing/handoff.js';
import { QuarantinedMessageSchema, type QuarantineReason, type RoutingMode } from '../../schemas/index.js';
import type { Db } from '../../store/db.js';
import { findEmailThreadRefs } from '../../store/email-threads.js';
import { putQuarantined } from '../../store/quarantine.js';
import { oversizedEmail } from './oversized.js';
import { parseEmail } from './parse-email.js';
import { rawEmailUri, readRawEmail } from './raw-store.js';
import { inboundObjectKey, type SesReceiptRecord } from './ses-event.js';
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
      readonly oversized: boolean;
      readonly result: IngestResult;
    };

/**
 * Receives one email that the SES receipt rule stored in S3 (or the local stack did, the same way):
 *
 * 1. Verdicts: spam or virus FAIL, or a DMARC failure under a reject/quarantine policy → a quarantine
 *    record, without reading the message. Nothing on a timeline, no hand-off, no answer.
 * 2. Reads the raw message (over `maxRawBytes`: recorded by its headers with a note), parses it and maps
 *    it to the canonical message; no usable sender address → quarantine (`no-sender`).
 * 3. Threading: a reply naming one of our Message-IDs (In-Reply-To, References) hints ingest at that
 *    conversation, which takes it if it is the sender's and not resolved.
 * 4. Ingest, then hand-off to routing unless the message is record-only (an auto-reply).
 *
 * Idempotent on the SES message id: a retried event finds the interaction or quarantine record and
 * hands off again (routing applies each interaction once). Throws on a missing object or an
 * unparseable message, so the Lambda's retries and on-failure destination take the event.
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
  };

  const verdictReasons = quarantineReasons(receipt);
  if (verdictReasons.length > 0) return quarantine(receiver, record, envelope, verdictReasons);

  const maxBytes = receiver.maxRawBytes ?? MAX_RAW_EMAIL_BYTES;
  const raw = await readRawEmail(receiver.s3, location, maxBytes);
  const parsed =
    raw.kind === 'complete'
      ? await parseEmail(raw.bytes)
      : oversizedEmail(mail, raw.size, maxBytes, envelope.rawLocation);
  const inbound = emailToInbound(
    parsed,
    envelope,
    raw.kind === 'oversized' ? { oversizedBytes: String(raw.size) } : {},
  );
  if (inbound.kind === 'no-sender') return quarantine(receiver, record, envelope, ['no-sender']);

  const [thread] = await findEmailThreadRefs(receiver.db, inbound.threadKeys);
  const message = thread
    ? {
        ...inbound.message,
        providerRefs: { ...inbound.message.providerRefs, threadConversationId: thread.conversationId },
      }
    : inbound.message;
  const result = await ingestInbound(receiver.db, message, receiver.clock, {
    conversationHint: thread?.conversationId,
  });
  const routing = message.routing ?? 'route';
  if (routing === 'route') await receiver.handoff(result);
  return {
    outcome: result.outcome,
    routing,
    threaded: thread !== undefined && result.conversationId === thread.conversationId,
    oversized: raw.kind === 'oversized',
    result,
  };
}

async function quarantine(
  receiver: EmailReceiver,
  { mail, receipt }: SesReceiptRecord['ses'],
  envelope: ReceivedEnvelope,
  reasons: QuarantineReason[],
): Promise<ReceiveResult> {
  const from = mail.commonHeaders?.from?.[0];
  const subject = mail.commonHeaders?.subject?.trim();
  const held = QuarantinedMessageSchema.parse({
    channel: 'email',
    providerMessageId: mail.messageId,
    receivedAt: envelope.receivedAt,
    reasons,
    envelopeSender: mail.source.slice(0, 320),
    ...(from ? { from: from.slice(0, 998) } : {}),
    ...(subject ? { subject: subject.slice(0, 500) } : {}),
    recipients: receipt.recipients.slice(0, 50).map((recipient) => recipient.slice(0, 320)),
    verdicts: reportedVerdicts(receipt),
    rawLocation: envelope.rawLocation,
    quarantinedAt: receiver.clock.now(),
  });
  const stored = await putQuarantined(receiver.db, held);
  return { outcome: 'quarantined', reasons, duplicate: stored === 'duplicate' };
}
