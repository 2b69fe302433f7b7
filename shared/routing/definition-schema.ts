import * as z from 'zod/mini';
import { ChannelSchema, MAX_TAGS, PrioritySchema, TagSchema, TierSchema } from '../schemas/index.js';

/**
 * The routing definition: the standard operating procedure as data, versioned, in the repository
 * (shared/routing/definition.json). Which tier, skill and priority a concern gets, and the service levels
 * per tier and priority. Conversations record the version they were routed under. A candidate definition
 * can be tried against recorded messages before release (`POST /v1/routing/simulate`).
 */

const NameSchema = z.string().check(z.regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be 1-40 of a-z, 0-9 and -'));
const TermsSchema = z
  .array(z.string().check(z.minLength(1), z.maxLength(100)))
  .check(z.minLength(1), z.maxLength(100));

/** What a rule looks at; every condition given must hold, a list matches when any entry does. */
export const RuleConditionSchema = z.strictObject({
  channels: z.optional(z.array(ChannelSchema).check(z.minLength(1), z.maxLength(4))),
  /** Whole words of the subject or body, case-insensitive. */
  keywords: z.optional(TermsSchema),
  /** Phrases found anywhere in the subject or body, case-insensitive, spacing normalized. */
  phrases: z.optional(TermsSchema),
  /** Primary language subtags (`de`, `fr`) of the message, when its channel tells the language. */
  languages: z.optional(
    z
      .array(z.string().check(z.regex(/^[a-z]{2,3}$/, 'must be a language subtag such as de')))
      .check(z.minLength(1), z.maxLength(50)),
  ),
  customer: z.optional(
    z.strictObject({
      vip: z.optional(z.literal(true)),
      openComplaintsAtLeast: z.optional(z.number().check(z.int(), z.positive(), z.maximum(1000))),
      lifetimeValueAtLeast: z.optional(z.number().check(z.nonnegative(), z.maximum(1e12))),
    }),
  ),
  history: z.optional(
    z.strictObject({
      /** The customer writes again on an open concern before we answered. */
      repeatContact: z.optional(z.literal(true)),
    }),
  ),
});
export type RuleCondition = z.infer<typeof RuleConditionSchema>;

/** What a rule does, applied in this order: set, then raise (never lower), then move deeper. */
export const RuleActionSchema = z.strictObject({
  tier: z.optional(TierSchema),
  tierAtLeast: z.optional(TierSchema),
  skill: z.optional(NameSchema),
  priority: z.optional(PrioritySchema),
  priorityAtLeast: z.optional(PrioritySchema),
  /** Tiers deeper (e → 1 → 2 → 3); at tier 3 each step raises the priority instead. */
  deeper: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(3))),
  /** Tags the conversation gets (added to those it has; reports count them). */
  tags: z.optional(z.array(TagSchema).check(z.minLength(1), z.maxLength(MAX_TAGS))),
});
export type RuleAction = z.infer<typeof RuleActionSchema>;

export const RoutingRuleSchema = z.strictObject({
  id: NameSchema,
  description: z.optional(z.string().check(z.maxLength(300))),
  when: RuleConditionSchema,
  route: RuleActionSchema,
});
export type RoutingRule = z.infer<typeof RoutingRuleSchema>;

const MinutesSchema = z.number().check(z.int(), z.positive(), z.maximum(525_600));
const LevelSchema = z.strictObject({ firstResponseMinutes: MinutesSchema, resolutionMinutes: MinutesSchema });
const LevelsByPrioritySchema = z.strictObject({
  low: LevelSchema,
  normal: LevelSchema,
  high: LevelSchema,
  urgent: LevelSchema,
});

export const RoutingDefinitionSchema = z
  .strictObject({
    version: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,50}$/, 'must be 1-50 letters, digits or . _ -')),
    description: z.optional(z.string().check(z.maxLength(500))),
    skills: z.array(NameSchema).check(z.minLength(1), z.maxLength(50)),
    defaultAssignment: z.strictObject({ tier: TierSchema, skill: NameSchema, priority: PrioritySchema }),
    /**
     * A repeat contact: the customer writes again on a concern that waits on us, at least this many
     * minutes after their previous message (a second message a moment later is not chasing us).
     */
    repeatContactMinutes: z.number().check(z.int(), z.nonnegative(), z.maximum(10_080)),
    /** A message within this many hours of a conversation's resolution reopens it; later, it opens a new one. */
    reopenWindowHours: z.number().check(z.int(), z.nonnegative(), z.maximum(720)),
    /**
     * `pull`: agents take the next concern (`POST /v1/agents/me/next`); `push`: besides, routing offers a
     * concern that starts waiting to an available agent of its tier and skill (the same atomic claim).
     */
    assignment: z.enum(['pull', 'push']),
    /**
     * When the e-level answers from the knowledge base: the best article's search score and the share of
     * the message's words it matches must both reach these; below, the concern goes to tier 1.
     */
    eLevel: z.strictObject({
      minScore: z.number().check(z.nonnegative(), z.maximum(1000)),
      minCoverage: z.number().check(z.minimum(0), z.maximum(1)),
    }),
    rules: z.array(RoutingRuleSchema).check(z.maxLength(200)),
    serviceLevels: z.strictObject({
      e: LevelsByPrioritySchema,
      '1': LevelsByPrioritySchema,
      '2': LevelsByPrioritySchema,
      '3': LevelsByPrioritySchema,
    }),
  })
  .check(
    z.superRefine((definition, context) => {
      const skills = new Set(definition.skills);
      if (!skills.has(definition.defaultAssignment.skill)) {
        context.addIssue({
          code: 'custom',
          path: ['defaultAssignment', 'skill'],
          message: 'must be one of the definition`s skills',
        });
      }
      const ids = new Set<string>();
      definition.rules.forEach((rule, index) => {
        if (ids.has(rule.id)) {
          context.addIssue({ code: 'custom', path: ['rules', index, 'id'], message: 'must be unique' });
        }
        ids.add(rule.id);
        if (rule.route.skill !== undefined && !skills.has(rule.route.skill)) {
          context.addIssue({
            code: 'custom',
            path: ['rules', index, 'route', 'skill'],
            message: 'must be one of the definition`s skills',
          });
        }
        if (Object.keys(rule.when).length === 0) {
          context.addIssue({
            code: 'custom',
            path: ['rules', index, 'when'],
            message: 'must name a condition',
          });
        }
        if (Object.keys(rule.route).length === 0) {
          context.addIssue({
            code: 'custom',
            path: ['rules', index, 'route'],
            message: 'must name an action',
          });
        }
      });
    }),
  );
export type RoutingDefinition = z.infer<typeof RoutingDefinitionSchema>;
