import * as z from 'zod/mini';
import { ValidationError } from '../errors.js';

const KeyPartSchema = z.string().check(z.minLength(1), z.maxLength(1024));

/** A table key to resume after: the base table's for a scan, with gsi3's for an index read. */
const StartKeySchema = z.strictObject({
  pk: KeyPartSchema,
  sk: KeyPartSchema,
  gsi3pk: z.optional(KeyPartSchema),
  gsi3sk: z.optional(KeyPartSchema),
});
export type SegmentStartKey = z.infer<typeof StartKeySchema>;

/**
 * Where a segment read stopped. `segment` is the segment's fingerprint; an index read pins the cutoff day
 * it started with (so every wave of one campaign reads one definition of "old enough") and the month it
 * is in; a scan only needs its start key.
 */
const SegmentPositionSchema = z.discriminatedUnion('read', [
  z.strictObject({
    v: z.literal(1),
    read: z.literal('index'),
    segment: z.string().check(z.maxLength(64)),
    cutoffDay: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/)),
    month: z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/)),
    after: z.optional(StartKeySchema),
  }),
  z.strictObject({
    v: z.literal(1),
    read: z.literal('scan'),
    segment: z.string().check(z.maxLength(64)),
    after: StartKeySchema,
  }),
]);
export type SegmentPosition = z.infer<typeof SegmentPositionSchema>;

const MAX_CURSOR_CHARS = 4096;

/** The opaque cursor of a position: base64url JSON, for a Step Functions loop to hand back as it is. */
export function encodeSegmentCursor(position: SegmentPosition): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/**
 * The position a cursor names, checked against the segment it is used with. ValidationError naming
 * `cursor` when it is not one of ours, or was issued for another segment.
 */
export function decodeSegmentCursor(cursor: string, segmentFingerprint: string): SegmentPosition {
  const parsed =
    cursor.length <= MAX_CURSOR_CHARS ? SegmentPositionSchema.safeParse(jsonOf(cursor)) : undefined;
  if (!parsed?.success) throw invalidCursor('is not a segment cursor');
  if (parsed.data.segment !== segmentFingerprint) throw invalidCursor('was issued for another segment');
  return parsed.data;
}

function jsonOf(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function invalidCursor(message: string): ValidationError {
  return new ValidationError('segment read failed validation', [{ path: 'cursor', message }]);
}
