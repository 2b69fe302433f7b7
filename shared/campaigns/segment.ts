import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { ValidationError } from '../errors.js';
import { CUSTOMER_TAG_MAX_LENGTH } from '../schemas/customer.js';
import { fieldIssues } from '../schemas/issues.js';

/** Channels a campaign can reach a customer on. */
export const SegmentChannelSchema = z.enum(['email', 'sms'], {
  error: 'channels may name only email and sms',
});
export type SegmentChannel = z.infer<typeof SegmentChannelSchema>;

export const MAX_SEGMENT_DAYS = 3650;

/**
 * Who a retention or follow-up campaign is for: every condition given must hold (an AND of them).
 * - `lastInteractionOlderThanDays`: the customer's last interaction day is at least N whole UTC days
 *   before today's (index gsi3; the index keeps the day, not the hour);
 * - `noOpenConversation`: true keeps only customers with no open conversation (false is no condition);
 * - `channels`: any of them is reachable (a verified address of that kind not marked undeliverable) and
 *   consented (the customer did not opt out of it);
 * - `tags`: the customer carries every tag listed;
 * - `lifetimeValueAtLeast`: `attributes.lifetimeValue` is known and at least this;
 * - `lastSatisfactionAtMost`: the last satisfaction score (1-5) is known and at most this.
 */
export const SegmentSchema = z
  .strictObject({
    lastInteractionOlderThanDays: z.optional(
      z
        .number('lastInteractionOlderThanDays must be a number of days')
        .check(
          z.int('lastInteractionOlderThanDays must be a whole number of days'),
          z.minimum(1, 'lastInteractionOlderThanDays must be at least 1 day'),
          z.maximum(
            MAX_SEGMENT_DAYS,
            `lastInteractionOlderThanDays must be at most ${MAX_SEGMENT_DAYS} days`,
          ),
        ),
    ),
    noOpenConversation: z.optional(z.boolean('noOpenConversation must be true or false')),
    channels: z.optional(
      z.array(SegmentChannelSchema, 'channels must be a list of channels').check(
        z.minLength(1, 'channels must name at least one channel'),
        z.maxLength(2, 'channels may name at most 2 channels'),
        z.refine((channels) => new Set(channels).size === channels.length, {
          message: 'channels must not repeat a channel',
        }),
      ),
    ),
    tags: z.optional(
      z
        .array(
          z
            .string('a tag in tags must be text')
            .check(
              z.minLength(1, 'tags must not contain an empty tag'),
              z.maxLength(
                CUSTOMER_TAG_MAX_LENGTH,
                `a tag in tags must be at most ${CUSTOMER_TAG_MAX_LENGTH} characters`,
              ),
            ),
          'tags must be a list of tags',
        )
        .check(
          z.minLength(1, 'tags must name at least one tag'),
          z.maxLength(20, 'tags may name at most 20 tags'),
        ),
    ),
    lifetimeValueAtLeast: z.optional(
      z
        .number('lifetimeValueAtLeast must be a number')
        .check(
          z.nonnegative('lifetimeValueAtLeast must not be negative'),
          z.maximum(1e12, 'lifetimeValueAtLeast must be at most 1e12'),
        ),
    ),
    lastSatisfactionAtMost: z.optional(
      z
        .number('lastSatisfactionAtMost must be a score from 1 to 5')
        .check(
          z.int('lastSatisfactionAtMost must be a whole score from 1 to 5'),
          z.minimum(1, 'lastSatisfactionAtMost must be a score from 1 to 5'),
          z.maximum(5, 'lastSatisfactionAtMost must be a score from 1 to 5'),
        ),
    ),
  })
  .check(
    z.refine(hasCondition, {
      message:
        'a segment needs at least one condition: lastInteractionOlderThanDays, noOpenConversation: true, channels, tags, lifetimeValueAtLeast or lastSatisfactionAtMost',
    }),
  );
export type Segment = z.infer<typeof SegmentSchema>;

function hasCondition(segment: {
  lastInteractionOlderThanDays?: number | undefined;
  noOpenConversation?: boolean | undefined;
  channels?: readonly string[] | undefined;
  tags?: readonly string[] | undefined;
  lifetimeValueAtLeast?: number | undefined;
  lastSatisfactionAtMost?: number | undefined;
}): boolean {
  return (
    segment.lastInteractionOlderThanDays !== undefined ||
    segment.noOpenConversation === true ||
    segment.channels !== undefined ||
    segment.tags !== undefined ||
    segment.lifetimeValueAtLeast !== undefined ||
    segment.lastSatisfactionAtMost !== undefined
  );
}

/**
 * A segment from untrusted input (a campaign draft). ValidationError naming each failing field under
 * `path` (e.g. `segment.lastInteractionOlderThanDays`) when it does not validate.
 */
export function parseSegment(input: unknown, path = 'segment'): Segment {
  const parsed = SegmentSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ValidationError('segment failed validation', fieldIssues(parsed.error, path), {
    cause: parsed.error,
  });
}

/**
 * A short stable fingerprint of a segment (its conditions in a canonical order), so a read cursor is
 * only ever resumed on the segment it was issued for.
 */
export function segmentFingerprint(segment: Segment): string {
  const canonical = JSON.stringify(segment, Object.keys(segment).sort());
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}
