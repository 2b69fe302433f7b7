import * as z from 'zod';
import { ChannelSchema, IdSchema, IsoTimestampSchema } from './common.js';
import { ConsentMapSchema } from './consent.js';
import { IdentityRefSchema } from './identity.js';

/** A customer: one person, every identity they wrote from, one timeline. */
export const CustomerSchema = z.strictObject({
  customerId: IdSchema,
  name: z.string().max(200).optional(),
  identities: z.array(IdentityRefSchema).max(50),
  consent: ConsentMapSchema,
  preferredChannel: ChannelSchema.optional(),
  openConversationId: IdSchema.optional(),
  /** Customers merged into this one; their interactions belong to this timeline. */
  mergedFrom: z.array(IdSchema).max(100),
  /** Set on a customer that was merged away; reads follow it to the survivor. */
  mergedInto: IdSchema.optional(),
  lastInteractionAt: IsoTimestampSchema.optional(),
  createdAt: IsoTimestampSchema,
  updatedAt: IsoTimestampSchema,
});
export type Customer = z.infer<typeof CustomerSchema>;
