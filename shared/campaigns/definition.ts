import * as z from 'zod/mini';
import { IdSchema, IsoTimestampSchema } from '../schemas/index.js';
import { singleLineField } from '../text/fields.js';
import { SuppressionPolicySchema } from './ledger.js';
import { MarketingCapsSchema } from './ledger-caps.js';
import { SegmentSchema } from './segment.js';

/**
 * A campaign: marketing's procedure as data, validated when the draft is saved. A retention campaign
 * selects its recipients with a segment and walks each through its steps; a follow-up campaign enrols
 * the customer of every resolved conversation (the `conversation.resolved` event) and surveys them.
 */

/** Profile fields a template may use, as `{{name}}`; anything else is refused when the draft is saved. */
export const TEMPLATE_FIELDS = ['name', 'firstName'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;

/** Template text: plain text with `{{field}}` placeholders of TEMPLATE_FIELDS only. */
function templateText(max: number) {
  return z.string().check(
    z.minLength(1),
    z.maxLength(max),
    z.superRefine((text, context) => {
      for (const match of text.matchAll(PLACEHOLDER)) {
        const field = match[1] ?? '';
        if (!(TEMPLATE_FIELDS as readonly string[]).includes(field)) {
          context.addIssue({
            code: 'custom',
            input: text,
            message: `unknown field {{${field}}}; use ${TEMPLATE_FIELDS.map((name) => `{{${name}}}`).join(', ')}`,
          });
        }
      }
    }),
  );
}

const EmailTemplateSchema = z.strictObject({
  subject: z.pipe(singleLineField(200), templateText(200)),
  body: templateText(10_000),
});
const TextTemplateSchema = z.strictObject({ body: templateText(1_000) });

/** A message per channel; a step names the channels it may use, and each needs its template. */
export const TemplatesSchema = z.strictObject({
  email: z.optional(EmailTemplateSchema),
  sms: z.optional(TextTemplateSchema),
  chat: z.optional(TextTemplateSchema),
});
export type Templates = z.infer<typeof TemplatesSchema>;

const StepIdSchema = z.string().check(z.regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be 1-40 of a-z, 0-9 and -'));

/**
 * The steps, in order:
 * - `message`: an offer on a channel: `preferred` (the customer's preferred reachable channel), `other`
 *   (a reachable channel not used before in this campaign), or a named one;
 * - `wait`: up to `hours`, ending early when the customer replies (the reply is routed like any message
 *   and the recipient stops, `replied`);
 * - `contact`: a tier 1 "personal contact" conversation with the campaign's context, for an agent;
 * - `survey`: a satisfaction survey (1-5) on the resolved conversation's channel; a score at or below
 *   `recoverAtMost` reopens the conversation at tier 2 (service recovery); no answer within
 *   `answerHours` closes the survey.
 */
export const StepSchema = z.discriminatedUnion('type', [
  z.strictObject({
    id: StepIdSchema,
    type: z.literal('message'),
    channel: z.enum(['preferred', 'other', 'email', 'sms']),
    templates: TemplatesSchema,
  }),
  z.strictObject({
    id: StepIdSchema,
    type: z.literal('wait'),
    hours: z.number().check(z.int(), z.minimum(1), z.maximum(24 * 60)),
  }),
  z.strictObject({
    id: StepIdSchema,
    type: z.literal('contact'),
    /** What the agent is asked to do, shown as a note on the conversation. */
    note: z.pipe(
      z.string().check(z.minLength(1), z.maxLength(2000)),
      z.transform((text) => text.trim()),
    ),
  }),
  z.strictObject({
    id: StepIdSchema,
    type: z.literal('survey'),
    templates: TemplatesSchema,
    recoverAtMost: z.number().check(z.int(), z.minimum(1), z.maximum(4)),
    answerHours: z.number().check(z.int(), z.minimum(1), z.maximum(24 * 30)),
  }),
]);
export type Step = z.infer<typeof StepSchema>;

export const CampaignDraftSchema = z
  .strictObject({
    name: z.pipe(singleLineField(120), z.string().check(z.minLength(1, 'must not be empty'))),
    kind: z.enum(['retention', 'followup']),
    /** Retention: who is enrolled at launch. Follow-up: none (the customers of resolved conversations). */
    segment: z.optional(SegmentSchema),
    steps: z.array(StepSchema).check(z.minLength(1), z.maxLength(12)),
    /** Marketing messages per customer and channel and rolling window (the contact ledger holds them). */
    caps: z.optional(MarketingCapsSchema),
    /** What holds a message back (open conversation, a recent breach, a low score); DEFAULT_SUPPRESSION if absent. */
    suppression: z.optional(SuppressionPolicySchema),
    /** Email and chat: false lets customers who never decided be written to (soft opt-in). Default true. */
    consentRequired: z.optional(z.boolean()),
    /**
     * Retention: enrol the segment again every `everyDays` while the campaign runs (a weekly sweep: 7),
     * so customers who fell quiet since join; nobody is enrolled twice.
     */
    recurrence: z.optional(
      z.strictObject({ everyDays: z.number().check(z.int(), z.minimum(1), z.maximum(365)) }),
    ),
  })
  .check(
    z.superRefine((draft, context) => {
      if (draft.kind === 'retention' && draft.segment === undefined) {
        context.addIssue({
          code: 'custom',
          input: draft,
          path: ['segment'],
          message: 'a retention campaign needs a segment',
        });
      }
      if (draft.kind === 'followup' && draft.recurrence !== undefined) {
        context.addIssue({
          code: 'custom',
          input: draft,
          path: ['recurrence'],
          message: 'a follow-up campaign runs on every resolution; only retention recurs',
        });
      }
      if (draft.kind === 'followup' && draft.segment !== undefined) {
        context.addIssue({
          code: 'custom',
          input: draft,
          path: ['segment'],
          message: 'a follow-up campaign enrols the customers of resolved conversations; it has no segment',
        });
      }
      const ids = new Set<string>();
      draft.steps.forEach((step, index) => {
        if (ids.has(step.id)) {
          context.addIssue({
            code: 'custom',
            input: step,
            path: ['steps', index, 'id'],
            message: 'must be unique',
          });
        }
        ids.add(step.id);
        if (step.type === 'survey' && draft.kind !== 'followup') {
          context.addIssue({
            code: 'custom',
            input: step,
            path: ['steps', index, 'type'],
            message: 'a survey belongs to a follow-up campaign',
          });
        }
        if (step.type === 'message' || step.type === 'survey') {
          for (const channel of channelsOf(step)) {
            if (step.templates[channel] === undefined) {
              context.addIssue({
                code: 'custom',
                input: step,
                path: ['steps', index, 'templates', channel],
                message: `a ${channel} template is needed: this step may send on ${channel}`,
              });
            }
          }
        }
      });
    }),
  );
export type CampaignDraft = z.infer<typeof CampaignDraftSchema>;

/** The channels a sending step may use, hence the templates it needs. */
export function channelsOf(step: Step): readonly ('email' | 'sms' | 'chat')[] {
  if (step.type === 'survey') return ['email', 'sms'];
  if (step.type !== 'message') return [];
  return step.channel === 'preferred' || step.channel === 'other' ? ['email', 'sms'] : [step.channel];
}

export const CampaignStatusSchema = z.enum(['draft', 'running', 'paused', 'cancelled', 'completed']);
export type CampaignStatus = z.infer<typeof CampaignStatusSchema>;

/** A stored campaign. */
export const StoredCampaignSchema = z.strictObject({
  campaignId: IdSchema,
  draft: CampaignDraftSchema,
  status: CampaignStatusSchema,
  createdBy: z.string().check(z.maxLength(200)),
  createdAt: IsoTimestampSchema,
  updatedAt: IsoTimestampSchema,
  launchedAt: z.optional(IsoTimestampSchema),
  /** The latest enrolment of the segment (launch, then each recurrence) and how many there were. */
  lastEnrolledAt: z.optional(IsoTimestampSchema),
  enrolments: z.optional(z.number().check(z.int(), z.nonnegative())),
  /** The orchestrating state machine execution (Step Functions), once launched. */
  executionArn: z.optional(z.string().check(z.maxLength(2048))),
});
export type StoredCampaign = z.infer<typeof StoredCampaignSchema>;

/** `{{field}}` placeholders filled from the customer's profile (a missing value becomes ''). */
export function render(template: string, profile: { readonly name?: string | undefined }): string {
  const values: Record<TemplateField, string> = {
    name: profile.name ?? '',
    firstName: profile.name?.trim().split(/\s+/)[0] ?? '',
  };
  return template.replace(PLACEHOLDER, (_, field: string) => values[field as TemplateField] ?? '');
}
