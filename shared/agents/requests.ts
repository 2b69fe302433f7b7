import * as z from 'zod/mini';
import { AgentStatusSchema, AgentTierSchema, SkillSchema } from '../schemas/index.js';
import { singleLineField } from '../text/fields.js';

/** Request bodies of the agent and conversation-workflow routes (strict: unknown keys are refused). */

/** `PUT /v1/agents/{id}` (admin): an agent's tier, skills and capacity. */
export const AgentProfileBodySchema = z.strictObject({
  name: z.optional(singleLineField(200)),
  tier: AgentTierSchema,
  skills: z.array(SkillSchema).check(z.minLength(1), z.maxLength(20)),
  capacity: z.number().check(z.int(), z.minimum(1), z.maximum(50)),
});

/** The agent id in the path: the staff user's JWT subject. */
export const AgentPathSchema = z.strictObject({
  id: z.string().check(z.regex(/^[A-Za-z0-9._@:+-]{1,200}$/, 'must be a user id (JWT subject)')),
});

/** `PUT /v1/agents/me/status`. */
export const AgentStatusBodySchema = z.strictObject({ status: AgentStatusSchema });

const NoteTextSchema = z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(4000));

/** `POST /v1/conversations/{id}/escalate`: a deeper human tier and what the next agent should know. */
export const EscalateBodySchema = z.strictObject({ toTier: AgentTierSchema, note: NoteTextSchema });

/** `POST /v1/conversations/{id}/transfer`: another skill and what the next agent should know. */
export const TransferBodySchema = z.strictObject({ skill: SkillSchema, note: NoteTextSchema });

/** `POST /v1/conversations/{id}/resolve`. */
export const ResolveBodySchema = z.strictObject({
  resolutionCode: z.string().check(z.regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be 1-40 of a-z, 0-9 and -')),
});

/** `POST /v1/conversations/{id}/notes`. */
export const NoteBodySchema = z.strictObject({ text: NoteTextSchema });
