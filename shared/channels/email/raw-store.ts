import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  NoSuchKey,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { RawEmailMissingError } from './errors.js';

/** Where a raw message is stored. */
export interface RawEmailLocation {
  readonly bucket: string;
  readonly key: string;
}

/** The raw message, or only its size when it is over the limit. */
export type RawEmail =
  | { readonly kind: 'complete'; readonly bytes: Uint8Array }
  | { readonly kind: 'oversized'; readonly size: number };

/** The `s3://bucket/key` form stored with interactions and quarantine records. */
export function rawEmailUri(location: RawEmailLocation): string {
  return `s3://${location.bucket}/${location.key}`;
}

/**
 * Reads a raw message from S3, never more than `maxBytes + 1` bytes: one ranged GetObject tells the full
 * size (Content-Range) and brings the message when it fits. Throws RawEmailMissingError when the object
 * is missing or empty.
 */
export async function readRawEmail(
  s3: S3Client,
  location: RawEmailLocation,
  maxBytes: number,
): Promise<RawEmail> {
  let output: GetObjectCommandOutput;
  try {
    output = await s3.send(
      new GetObjectCommand({ Bucket: location.bucket, Key: location.key, Range: `bytes=0-${maxBytes}` }),
    );
  } catch (error) {
    // An empty object cannot satisfy any byte range.
    if (
      error instanceof NoSuchKey ||
      (error instanceof S3ServiceException && error.name === 'InvalidRange')
    ) {
      throw new RawEmailMissingError('the raw message is missing or empty', { cause: error });
    }
    throw error;
  }
  const size = totalSize(output);
  if (size !== undefined && size > maxBytes) {
    // Only the size was wanted: release the connection instead of downloading the range.
    await output.Body?.transformToWebStream().cancel();
    return { kind: 'oversized', size };
  }
  const bytes = await output.Body?.transformToByteArray();
  if (!bytes || bytes.length === 0) throw new RawEmailMissingError('the raw message is empty');
  if (bytes.length > maxBytes) return { kind: 'oversized', size: size ?? bytes.length };
  return { kind: 'complete', bytes };
}

/** The object's full size: from Content-Range (`bytes 0-99/12345`) for a ranged read, else Content-Length. */
function totalSize(output: GetObjectCommandOutput): number | undefined {
  const total = /\/(\d+)\s*$/.exec(output.ContentRange ?? '')?.[1];
  if (total !== undefined) return Number(total);
  return output.ContentLength;
}
