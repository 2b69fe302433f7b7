import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
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
  await putRawEmail(s3, { bucket: target.bucket, key: inboundObjectKey(target.prefix, messageId) }, raw);
  return sesReceiptEvent({
    messageId,
    source: envelope.mailFrom,
    recipients: envelope.rcptTo,
    raw,
    ...options,
  });
}

/**
 * Largest raw message stored with one PutObject, and the size of each part of a larger one. A request
 * body is what a local S3 (fauxqs: 11 MiB) caps, not an object, and S3 takes parts of 5 MiB and more,
 * so mail up to SES's 40 MB goes in parts.
 */
export const RAW_EMAIL_PART_BYTES = 8 * 1024 * 1024;

/**
 * Stores a raw message: one PutObject up to RAW_EMAIL_PART_BYTES, a multipart upload above (aborted if
 * a part fails, so no orphaned parts remain).
 */
async function putRawEmail(
  s3: S3Client,
  location: { readonly bucket: string; readonly key: string },
  raw: Uint8Array,
): Promise<void> {
  const object = { Bucket: location.bucket, Key: location.key };
  if (raw.byteLength <= RAW_EMAIL_PART_BYTES) {
    await s3.send(new PutObjectCommand({ ...object, Body: raw, ContentType: 'message/rfc822' }));
    return;
  }
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({ ...object, ContentType: 'message/rfc822' }),
  );
  if (!UploadId) throw new Error('S3 started no multipart upload');
  try {
    const parts: { ETag: string | undefined; PartNumber: number }[] = [];
    for (let offset = 0; offset < raw.byteLength; offset += RAW_EMAIL_PART_BYTES) {
      const PartNumber = parts.length + 1;
      const { ETag } = await s3.send(
        new UploadPartCommand({
          ...object,
          UploadId,
          PartNumber,
          Body: raw.subarray(offset, offset + RAW_EMAIL_PART_BYTES),
        }),
      );
      parts.push({ ETag, PartNumber });
    }
    await s3.send(
      new CompleteMultipartUploadCommand({ ...object, UploadId, MultipartUpload: { Parts: parts } }),
    );
  } catch (error) {
    await s3.send(new AbortMultipartUploadCommand({ ...object, UploadId })).catch(() => undefined);
    throw error;
  }
}
