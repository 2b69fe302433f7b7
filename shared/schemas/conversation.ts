import * as z from 'zod/mini';
import { ChannelSchema, IdSchema, IsoTimestampSchema, PrioritySchema, TierSchema } from './common.js';
import { TagsSchema } from './tag.js';

/** One routing decision: where the message put the concern and which rules fired, under which definition. */
export const RoutingDecisionRecordSchema = z.strictObject({
  interactionId: IdSchema,
  at: IsoTimestampSchema,
  tier: TierSchema,
  skill: z.string().check(z.maxLength(40)),
  priority: PrioritySchema,
  rules: z.array(z.string().check(z.maxLength(40))).check(z.maxLength(200)),
  definitionVersion: z.string().check(z.maxLength(50)),
});
export type RoutingDecisionRecord = z.infer<typeof RoutingDecisionRecordSchema>;

/**
 * Routing decisions kept on a conversation, newest last. Bounded so the conversation item stays within
 * one write unit in the common case; older decisions drop off.
 */
export const MAX_ROUTING_DECISIONS = 5;

/** Who works a conversation now: an agent (JWT subject) who claimed it, and since when. */
export const AssigneeSchema = z.strictObject({
  agentId: z.string().check(z.minLength(1), z.maxLength(200)),
  assignedAt: IsoTimestampSchema,
});
export type Assignee = z.infer<typeof AssigneeSchema>;

/** Why a conversation moved tier or skill: an agent, or a missed service level. */
export const EscalationSchema = z.strictObject({
  at: IsoTimestampSchema,
  reason: z.enum([
    'escalated',
    'transferred',
    'first-response-breach',
    'resolution-breach',
    /** The e-level could not answer (or the customer wrote again about the answered concern). */
    'e-level-handoff',
    /** A low satisfaction score reopened the resolved concern at tier 2. */
    'service-recovery',
  ]),
  fromTier: TierSchema,
  toTier: TierSchema,
  fromPriority: PrioritySchema,
  toPriority: PrioritySchema,
  skill: z.optional(z.string().check(z.maxLength(40))),
  /** The staff member (JWT subject); absent for an automatic move. */
  by: z.optional(z.string().check(z.maxLength(200))),
});
export type Escalation = z.infer<typeof EscalationSchema>;

/** Tier and skill moves kept on a conversation, newest last. */
export const MAX_ESCALATIONS = 20;

/**
 * What the e-level did with the concern: answered from a knowledge-base article (and resolved it), or
 * handed it to tier 1 and why. Staff see the article it tried, with its search score.
 */
export const ELevelAttemptSchema = z.strictObject({
  /** The message the e-level looked at. */
  interactionId: IdSchema,
  at: IsoTimestampSchema,
  outcome: z.enum(['answered', 'handed-off']),
  reason: z.optional(z.enum(['low-confidence', 'second-contact', 'undeliverable'])),
  articleId: z.optional(IdSchema),
  title: z.optional(z.string().check(z.maxLength(200))),
  /** The article's search score and the share of the message's words it matched (0-1). */
  score: z.optional(z.number()),
  coverage: z.optional(z.number().check(z.minimum(0), z.maximum(1))),
  /** The answer sent (an outbound interaction on the timeline). */
  answerInteractionId: z.optional(IdSchema),
});
export type ELevelAttempt = z.infer<typeof ELevelAttemptSchema>;

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
  /** The skill that works it (shared/routing/definition.json); set by routing. */
  skill: z.optional(z.string().check(z.maxLength(40))),
  /** Why it is where it is: the routing decisions of its latest messages, newest last. */
  routingDecisions: z.optional(
    z.array(RoutingDecisionRecordSchema).check(z.maxLength(MAX_ROUTING_DECISIONS)),
  ),
  /** The agent working it; an open conversation without one waits in its tier and skill's work queue. */
  assignee: z.optional(AssigneeSchema),
  /** Tier, skill and priority moves by agents and by missed service levels, newest last. */
  escalations: z.optional(z.array(EscalationSchema).check(z.maxLength(MAX_ESCALATIONS))),
  /** A satisfaction survey sent after resolution (a follow-up campaign), waiting for its score. */
  survey: z.optional(
    z.strictObject({
      campaignId: IdSchema,
      recipientId: IdSchema,
      sentAt: IsoTimestampSchema,
      /** A score at or below this reopens the conversation at tier 2 (service recovery). */
      recoverAtMost: z.number().check(z.int(), z.minimum(1), z.maximum(4)),
      /** When the customer answered (then `satisfaction` holds the score). */
      answeredAt: z.optional(IsoTimestampSchema),
    }),
  ),
  /** The customer's satisfaction score for this conversation (1 worst to 5 best). */
  satisfaction: z.optional(
    z.strictObject({
      score: z.number().check(z.int(), z.minimum(1), z.maximum(5)),
      at: IsoTimestampSchema,
      channel: ChannelSchema,
    }),
  ),
  /** The e-level's latest attempt on this concern. */
  eLevel: z.optional(ELevelAttemptSchema),
  subject: z.optional(z.string().check(z.maxLength(500))),
  openedAt: IsoTimestampSchema,
  /** Version of the routing definition (and its SLA policy) the due times were computed under. */
  slaPolicyVersion: z.string().check(z.maxLength(50)),
  firstResponseDueAt: IsoTimestampSchema,
  resolutionDueAt: IsoTimestampSchema,
  firstRespondedAt: z.optional(IsoTimestampSchema),
  lastInboundAt: z.optional(IsoTimestampSchema),
  lastOutboundAt: z.optional(IsoTimestampSchema),
  resolvedAt: z.optional(IsoTimestampSchema),
  /** Why it was resolved (`answered`, `duplicate`, `no-reply`, …), as the agent said. */
  resolutionCode: z.optional(z.string().check(z.maxLength(40))),
  /** When a message reopened it after it was resolved. */
  reopenedAt: z.optional(IsoTimestampSchema),
  /** What the concern was about (`complaint`, `praise`, …), set by agents and routing rules; sorted. */
  tags: z.optional(TagsSchema),
  updatedAt: IsoTimestampSchema,
});
export type Conversation = z.infer<typeof ConversationSchema>;
