import * as z from 'zod/mini';
import { ChannelSchema, IdSchema, IsoTimestampSchema } from './common.js';
import { ConsentMapSchema, QuietHoursSchema, TimeZoneNameSchema } from './consent.js';
import { TrustedIdentitySchema } from './identity.js';

export const CUSTOMER_TAG_MAX_LENGTH = 64;
/** A tag on a customer: a short label such as `newsletter` or `b2b`. */
export const CustomerTagSchema = z.string().check(z.minLength(1), z.maxLength(CUSTOMER_TAG_MAX_LENGTH));

/** A customer: one person, every identity they wrote from, one timeline. */
export const CustomerSchema = z.strictObject({
  customerId: IdSchema,
  name: z.optional(z.string().check(z.maxLength(200))),
  /** Identities this customer owns (each has its identity item pointing here), with their trust. */
  identities: z.array(TrustedIdentitySchema).check(z.maxLength(50)),
  consent: ConsentMapSchema,
  preferredChannel: z.optional(ChannelSchema),
  /** What routing rules may look at, when known (set by integrations and staff; never by customers). */
  attributes: z.optional(
    z.strictObject({
      vip: z.optional(z.boolean()),
      lifetimeValue: z.optional(z.number().check(z.nonnegative(), z.maximum(1e12))),
      openComplaints: z.optional(z.number().check(z.int(), z.nonnegative(), z.maximum(1000))),
    }),
  ),
  openConversationId: z.optional(IdSchema),
  /** The conversation resolved last, while none is open: a message within the reopen window reopens it. */
  lastResolved: z.optional(z.strictObject({ conversationId: IdSchema, resolvedAt: IsoTimestampSchema })),
  /** Customers merged into this one; their interactions belong to this timeline. */
  mergedFrom: z.array(IdSchema).check(z.maxLength(100)),
  /** Set on a customer that was merged away; reads follow it to the survivor. */
  mergedInto: z.optional(IdSchema),
  lastInteractionAt: z.optional(IsoTimestampSchema),
  /** The customer's IANA time zone, for quiet hours; absent: the campaign's default zone. */
  timeZone: z.optional(TimeZoneNameSchema),
  /** The customer's own quiet hours for marketing, instead of the default 21:00-08:00. */
  quietHours: z.optional(QuietHoursSchema),
  /** When a conversation of this customer last missed a service level (campaigns hold back after one). */
  lastSlaBreachAt: z.optional(IsoTimestampSchema),
  /** Labels integrations and staff put on a customer (segments select on them). */
  tags: z.optional(z.array(CustomerTagSchema).check(z.maxLength(50))),
  /** The latest satisfaction score the customer gave (1 worst to 5 best), and when. */
  lastSatisfaction: z.optional(
    z.strictObject({
      score: z.number().check(z.int(), z.minimum(1), z.maximum(5)),
      at: IsoTimestampSchema,
    }),
  ),
  createdAt: IsoTimestampSchema,
  updatedAt: IsoTimestampSchema,
});
export type Customer = z.infer<typeof CustomerSchema>;
