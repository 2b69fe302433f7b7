import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** Where raw inbound mail may be deleted: the mail bucket, below the receipt rule's prefix. */
export interface RawMailStore {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly prefix: string;
}

/** A raw message in the mail bucket. */
export interface RawMailObject {
  readonly bucket: string;
  readonly key: string;
}

/**
 * The object an `s3://bucket/key` reference names (an interaction's `providerRefs.rawLocation`, an
 * attachment's `location` with its `#attachment=<n>` suffix, a quarantine record's `rawLocation`), or
 * undefined when it is not one.
 */
export function rawMailObject(uri: string): RawMailObject | undefined {
  const match = /^s3:\/\/([^/#]+)\/([^#]+)/.exec(uri);
  if (!match?.[1] || !match[2]) return undefined;
  return { bucket: match[1], key: match[2] };
}

/** True when the object lies where this deployment's raw mail lives (nothing else is ever deleted). */
export function isRawMail(store: RawMailStore, object: RawMailObject): boolean {
  return object.bucket === store.bucket && object.key.startsWith(store.prefix) && !object.key.includes('..');
}

/** Deletes one raw message; deleting one that is gone already is not an error (S3 answers 204 alike). */
export async function deleteRawMail(store: RawMailStore, object: RawMailObject): Promise<void> {
  if (!isRawMail(store, object)) throw new Error('refusing to delete an object outside the raw mail prefix');
  await store.s3.send(new DeleteObjectCommand({ Bucket: object.bucket, Key: object.key }));
}
