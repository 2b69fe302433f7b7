import * as z from 'zod/mini';
import { ChannelSchema, IdSchema, IsoTimestampSchema } from './common.js';
import { ConsentMapSchema } from './consent.js';
import { TrustedIdentitySchema } from './identity.js';

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
  createdAt: IsoTimestampSchema,
  updatedAt: IsoTimestampSchema,
});
export type Customer = z.infer<typeof CustomerSchema>;
