import * as z from 'zod/mini';
import { IdSchema, IsoTimestampSchema } from './common.js';

/** Channels consent is tracked for (marketing and service messages on that channel). */
export const ConsentChannelSchema = z.enum(['email', 'sms', 'chat']);
export type ConsentChannel = z.infer<typeof ConsentChannelSchema>;

/** One channel's consent: the latest decision, when and how it was made. */
export const ConsentSchema = z.strictObject({
  status: z.enum(['opted_in', 'opted_out']),
  at: IsoTimestampSchema,
  /**
   * How the decision was made, e.g. `webform`, `sms-keyword:STOP`, `unsubscribe-link:<campaignId>`,
   * `agent`.
   */
  source: z.string().check(z.minLength(1), z.maxLength(100)),
});
export type Consent = z.infer<typeof ConsentSchema>;

export const ConsentMapSchema = z.partialRecord(ConsentChannelSchema, ConsentSchema);
export type ConsentMap = z.infer<typeof ConsentMapSchema>;

/**
 * One decision in a customer's consent history (the profile keeps only the latest per channel): every
 * decision that became the channel's latest, kept for the record of who agreed or refused, when and how.
 */
export const ConsentRecordSchema = z.extend(ConsentSchema, {
  customerId: IdSchema,
  channel: ConsentChannelSchema,
  /** When carebridge stored it (`at` is when the customer decided). */
  recordedAt: IsoTimestampSchema,
});
export type ConsentRecord = z.infer<typeof ConsentRecordSchema>;

/**
 * An IANA time zone name by its shape (`Europe/Berlin`, `America/Argentina/Buenos_Aires`, `UTC`). Whether
 * the runtime knows it is checked when it is set (shared/campaigns/ledger-quiet-hours.ts), not when a
 * profile is read, so a zone a later runtime renames can never make a stored profile unreadable.
 */
export const TimeZoneNameSchema = z
  .string()
  .check(
    z.maxLength(64),
    z.regex(
      /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/,
      'must be an IANA time zone, e.g. Europe/Berlin',
    ),
  );

/** A time of day on a 24-hour clock, `HH:MM`. */
export const LocalTimeSchema = z
  .string()
  .check(z.regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00-23:59)'));

/**
 * When no marketing message reaches the customer, in their local time: from `start` until `end`, across
 * midnight when `start` is later than `end` (21:00-08:00). `start` equal to `end` means no quiet hours.
 */
export const QuietHoursSchema = z.strictObject({ start: LocalTimeSchema, end: LocalTimeSchema });
export type QuietHours = z.infer<typeof QuietHoursSchema>;
