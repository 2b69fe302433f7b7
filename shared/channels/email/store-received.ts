import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  inboundObjectKey,
  newSesMessageId,
  type SesLambdaEvent,
  type SesReceiptEventInput,
  sesReceiptEvent,
} from './ses-event.js';

/** The SMTP envelope of a message the local stack received. */
export interface SmtpEnvelope {
  /** MAIL FROM; empty for a null sender. */
  readonly mailFrom: string;
  /** RCPT TO addresses. */
  readonly rcptTo: readonly string[];
}

/**
 * What the SES receipt rule does with a received message, for the local stack: stores the raw MIME
 * under `<prefix><new SES message id>` (the S3 action) and returns the event the Lambda action sends.
 * Invoke functions/email/inbound.ts's handler with it.
 */
export async function storeReceivedEmail(
  s3: S3Client,
  target: { readonly bucket: string; readonly prefix: string },
  raw: Uint8Array,
  envelope: SmtpEnvelope,
  options: Pick<SesReceiptEventInput, 'verdicts' | 'receivedAt'> = {},
): Promise<SesLambdaEvent> {
  const messageId = newSesMessageId();
  await s3.send(
    new PutObjectCommand({
      Bucket: target.bucket,
      Key: inboundObjectKey(target.prefix, messageId),
      Body: raw,
      ContentType: 'message/rfc822',
    }),
  );
  return sesReceiptEvent({
    messageId,
    source: envelope.mailFrom,
    recipients: envelope.rcptTo,
    raw,
    ...options,
  });
}
