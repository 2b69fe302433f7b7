import * as z from 'zod/mini';
import { IsoTimestampSchema } from './common.js';

/** Channels consent is tracked for (marketing and service messages on that channel). */
export const ConsentChannelSchema = z.enum(['email', 'sms', 'chat']);
export type ConsentChannel = z.infer<typeof ConsentChannelSchema>;

/** One channel's consent: the latest decision, when and how it was made. */
export const ConsentSchema = z.strictObject({
  status: z.enum(['opted_in', 'opted_out']),
  at: IsoTimestampSchema,
  /** How the decision was made, e.g. `webform`, `sms-keyword:STOP`, `agent`. */
  source: z.string().check(z.minLength(1), z.maxLength(100)),
});
export type Consent = z.infer<typeof ConsentSchema>;

export const ConsentMapSchema = z.partialRecord(ConsentChannelSchema, ConsentSchema);
export type ConsentMap = z.infer<typeof ConsentMapSchema>;
