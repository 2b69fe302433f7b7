import * as z from 'zod/mini';
import { IsoTimestampSchema } from './common.js';
import { SkillSchema } from './skill.js';

/** Human tiers an agent can work: 1 generalists, 2 specialists, 3 experts. */
export const AgentTierSchema = z.enum(['1', '2', '3']);
export type AgentTier = z.infer<typeof AgentTierSchema>;

export const AgentStatusSchema = z.enum(['available', 'away']);
export type AgentStatus = z.infer<typeof AgentStatusSchema>;

/**
 * An agent: who (the staff JWT subject), which tier and skills they work, how many conversations at once.
 * `activeCount` is the number they hold now; a claim never takes it past `capacity`.
 */
export const AgentSchema = z.strictObject({
  agentId: z.string().check(z.minLength(1), z.maxLength(200)),
  name: z.optional(z.string().check(z.maxLength(200))),
  tier: AgentTierSchema,
  skills: z.array(SkillSchema).check(z.minLength(1), z.maxLength(20)),
  capacity: z.number().check(z.int(), z.minimum(1), z.maximum(50)),
  status: AgentStatusSchema,
  activeCount: z.number().check(z.int(), z.nonnegative()),
  updatedAt: IsoTimestampSchema,
});
export type Agent = z.infer<typeof AgentSchema>;

/** An internal note on a conversation: for staff only, never sent to the customer. */
export const NoteSchema = z.strictObject({
  noteId: z.string().check(z.minLength(1), z.maxLength(40)),
  conversationId: z.string().check(z.maxLength(40)),
  authorId: z.string().check(z.minLength(1), z.maxLength(200)),
  text: z.string().check(z.minLength(1), z.maxLength(4000)),
  at: IsoTimestampSchema,
});
export type Note = z.infer<typeof NoteSchema>;
