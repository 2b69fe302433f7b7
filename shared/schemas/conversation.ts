import * as z from 'zod/mini';
import { ChannelSchema, IdSchema, IsoTimestampSchema, PrioritySchema, TierSchema } from './common.js';

export const ConversationStatusSchema = z.enum(['open', 'pending', 'resolved']);
export type ConversationStatus = z.infer<typeof ConversationStatusSchema>;

/**
 * A concern, from the first message to resolution, across channels. `open` waits on us, `pending`
 * waits on the customer, `resolved` is done.
 */
export const ConversationSchema = z.strictObject({
  conversationId: IdSchema,
  customerId: IdSchema,
  status: ConversationStatusSchema,
  /** Channel of the message that opened it. */
  channel: ChannelSchema,
  tier: TierSchema,
  priority: PrioritySchema,
  subject: z.optional(z.string().check(z.maxLength(500))),
  openedAt: IsoTimestampSchema,
  /** Version of the SLA policy the due times were computed under. */
  slaPolicyVersion: z.string().check(z.maxLength(50)),
  firstResponseDueAt: IsoTimestampSchema,
  resolutionDueAt: IsoTimestampSchema,
  firstRespondedAt: z.optional(IsoTimestampSchema),
  lastInboundAt: z.optional(IsoTimestampSchema),
  lastOutboundAt: z.optional(IsoTimestampSchema),
  resolvedAt: z.optional(IsoTimestampSchema),
  updatedAt: IsoTimestampSchema,
});
export type Conversation = z.infer<typeof ConversationSchema>;
