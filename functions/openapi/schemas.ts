import * as z from 'zod/mini';
import {
  AgentSchema,
  ConversationSchema,
  CustomerSchema,
  IdSchema,
  InteractionSchema,
  IsoTimestampSchema,
  NoteSchema,
  PrioritySchema,
  TierSchema,
  TrustedIdentitySchema,
} from '../../shared/schemas/index.js';

/**
 * Response bodies of the HTTP API that no domain schema describes yet: what the handlers build from
 * domain results (the TypeScript interfaces of shared/) and what functions/lib/http.ts answers on errors.
 * They exist for the OpenAPI document; test/functions/openapi-types.test.ts checks that each domain
 * result type fits its schema, and the end-to-end suites check every response against the document.
 */

/** `202` of the web form: the recorded message, and nothing about any customer. */
export const WebFormReceiptSchema = z.strictObject({ interactionId: IdSchema });

/** `201` of `POST /v1/chat/sessions`. */
export const ChatSessionSchema = z.strictObject({
  visitorId: IdSchema,
  /** The visitor token: `Authorization: Bearer` for the history, `?token=` for the WebSocket. */
  token: z.string().check(z.minLength(1), z.maxLength(4096)),
  expiresAt: IsoTimestampSchema,
  /** The WebSocket URL to open with `?token=<token>`, when the deployment knows it. */
  wsUrl: z.optional(z.string().check(z.regex(/^wss?:\/\//, 'must be a WebSocket URL'), z.maxLength(2048))),
});

/** One chat message as the visitor sees it (shared/channels/chat/protocol.ts, ChatMessageView). */
export const ChatMessageViewSchema = z.strictObject({
  interactionId: IdSchema,
  from: z.enum(['visitor', 'agent']),
  body: z.string(),
  sentAt: IsoTimestampSchema,
  /** On the visitor's own messages: the idempotency key they sent it with. */
  clientMessageId: z.optional(z.string().check(z.maxLength(64))),
});

/** `200` of `GET /v1/chat/sessions/{id}/messages`: oldest first, at most 100. */
export const ChatHistorySchema = z.strictObject({
  visitorId: IdSchema,
  messages: z.array(ChatMessageViewSchema).check(z.maxLength(100)),
  /** More follow the last one: ask again with `after` = its interactionId. */
  hasMore: z.boolean(),
});

/** `200` of `GET /v1/customers/{id}/timeline`: newest first. */
export const TimelinePageSchema = z.strictObject({
  items: z.array(InteractionSchema).check(z.maxLength(100)),
  /** Opaque; pass back as `cursor` for the next (older) page. Absent on the last page. */
  nextCursor: z.optional(z.string().check(z.maxLength(1024))),
});

const ReplyChannelKeySchema = z.enum(['email', 'sms', 'chat']);

/** Where a reply on one channel would go, with the address's trust, or why it cannot go. */
export const ReplyTargetSchema = z.union([
  z.strictObject({ to: TrustedIdentitySchema }),
  z.strictObject({
    unavailable: z.enum([
      'opted_out',
      'undeliverable',
      'no_address',
      'unverified_address',
      'channel_unavailable',
    ]),
  }),
]);

/** What an agent sees before replying (shared/outbound/reply-preview.ts). */
export const ReplyPreviewSchema = z.strictObject({
  defaultChannel: ReplyChannelKeySchema,
  channels: z.record(ReplyChannelKeySchema, ReplyTargetSchema),
});

/**
 * `200` of `GET /v1/conversations/{id}` (shared/agents/conversation-view.ts): the conversation, its
 * customer, their timeline across channels (first page), the notes and where a reply would go.
 */
export const ConversationViewSchema = z.extend(ConversationSchema, {
  customer: z.pick(CustomerSchema, {
    customerId: true,
    name: true,
    identities: true,
    attributes: true,
    consent: true,
  }),
  timeline: z.array(InteractionSchema).check(z.maxLength(100)),
  timelineCursor: z.optional(z.string().check(z.maxLength(1024))),
  notes: z.array(NoteSchema),
  replyTo: ReplyPreviewSchema,
});

/** `200` of `GET /v1/queues` (shared/agents/queues.ts, QueueSummary). */
export const QueueOverviewSchema = z.strictObject({
  queues: z.array(
    z.strictObject({
      tier: TierSchema,
      skill: z.string(),
      waiting: z.number().check(z.int(), z.nonnegative()),
      oldestWaitSeconds: z.optional(z.number().check(z.nonnegative())),
      slaAtRisk: z.number().check(z.int(), z.nonnegative()),
      agentsAvailable: z.number().check(z.int(), z.nonnegative()),
    }),
  ),
});

/** `200` of `POST /v1/customers/{id}/merge`. */
export const MergeConfirmationSchema = z.strictObject({
  /** The customer everything now belongs to (the oldest). */
  survivorId: IdSchema,
  /** Customers merged into the survivor by this request (empty when they were one already). */
  mergedCustomerIds: z.array(IdSchema).check(z.maxLength(5)),
});

const AssignmentSchema = z.strictObject({
  tier: TierSchema,
  skill: z.string(),
  priority: PrioritySchema,
  rules: z.array(z.string()),
});

const CountsSchema = z.record(z.string(), z.number().check(z.int(), z.nonnegative()));

const DefinitionOutcomeSchema = z.strictObject({
  version: z.string(),
  tiers: z.record(TierSchema, z.number().check(z.int(), z.nonnegative())),
  skills: CountsSchema,
  priorities: z.record(PrioritySchema, z.number().check(z.int(), z.nonnegative())),
  eLevelConversations: z.number().check(z.int(), z.nonnegative()),
  predictedFirstResponseBreaches: z.number().check(z.int(), z.nonnegative()),
  rulesFired: CountsSchema,
});

/** `200` of `POST /v1/routing/simulate` (shared/routing/simulate.ts, SimulationReport). */
export const SimulationReportSchema = z.strictObject({
  window: z.strictObject({ from: IsoTimestampSchema, to: IsoTimestampSchema }),
  messages: z.number().check(z.int(), z.nonnegative()),
  conversations: z.number().check(z.int(), z.nonnegative()),
  complete: z.boolean(),
  readUnits: z.number().check(z.nonnegative()),
  inForce: DefinitionOutcomeSchema,
  candidate: DefinitionOutcomeSchema,
  changedMessages: z.number().check(z.int(), z.nonnegative()),
  examples: z
    .array(
      z.strictObject({
        interactionId: IdSchema,
        conversationId: IdSchema,
        inForce: AssignmentSchema,
        candidate: AssignmentSchema,
      }),
    )
    .check(z.maxLength(20)),
});

/** Domain schemas that are response bodies as they are. */
export { AgentSchema, ConversationSchema, CustomerSchema, InteractionSchema, NoteSchema };

/** `200` of `GET /v1/openapi.json`: an OpenAPI 3.1 document. */
export const OpenApiDocumentSchema = z.looseObject({ openapi: z.string(), info: z.looseObject({}) });

/** Error codes of functions/lib/http.ts (`error`), stable for clients to branch on. */
export const ErrorCodeSchema = z.enum([
  'unauthorized',
  'forbidden',
  'not_found',
  'idempotency_key_reused',
  'conflict',
  'not_deliverable',
  'busy',
  'delivery_failed',
  'payload_too_large',
  'unsupported_media_type',
  'internal_error',
]);

/** Any error the handlers answer (functions/lib/http.ts, errorResponses). */
export const ErrorBodySchema = z.strictObject({
  error: ErrorCodeSchema,
  message: z.string(),
  /** On `not_deliverable`: why the message cannot go to this customer on this channel. */
  reason: z.optional(
    z.enum(['opted_out', 'undeliverable', 'no_address', 'unverified_address', 'channel_unavailable']),
  ),
});

/** `400`: the request failed validation; each issue names a field by its dotted path. */
export const ValidationErrorBodySchema = z.strictObject({
  error: z.literal('validation_failed'),
  message: z.string(),
  issues: z.array(z.strictObject({ field: z.string(), message: z.string() })).check(z.minLength(1)),
});

/** What API Gateway itself answers (authorizer refusal, throttling, oversized request, integration failure). */
export const GatewayMessageSchema = z.strictObject({ message: z.string() });
