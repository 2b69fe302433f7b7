import * as z from 'zod/mini';
import {
  AgentPathSchema,
  AgentProfileBodySchema,
  AgentStatusBodySchema,
  EscalateBodySchema,
  NoteBodySchema,
  ResolveBodySchema,
  TransferBodySchema,
} from '../../shared/agents/requests.js';
import { TagsBodySchema } from '../../shared/agents/tags.js';
import { CampaignDraftSchema, StoredCampaignSchema } from '../../shared/campaigns/definition.js';
import {
  CAMPAIGN_BODY_MAX_BYTES,
  CampaignPathSchema,
  CampaignPreviewSchema,
  CampaignViewSchema,
  RecipientPageSchema,
  RecipientsQuerySchema,
} from '../../shared/campaigns/requests.js';
import { SurveyConfirmBodySchema, SurveyLinkFieldsSchema } from '../../shared/campaigns/survey-link.js';
import { OneClickBodySchema, UnsubscribeTokenFieldsSchema } from '../../shared/campaigns/unsubscribe-link.js';
import {
  CHAT_SESSION_BODY_MAX_BYTES,
  ChatHistoryQuerySchema,
  CreateChatSessionSchema,
} from '../../shared/channels/chat/protocol.js';
import {
  TWILIO_WEBHOOK_MAX_BYTES,
  twilioWebhookParamsSchema,
} from '../../shared/channels/sms/twilio-webhook.js';
import {
  ConversationPathSchema,
  CustomerPathSchema,
  customerLookupQuerySchema,
  TimelineQuerySchema,
} from '../../shared/channels/staff-queries.js';
import {
  MERGE_BODY_MAX_BYTES,
  MergeBodySchema,
  REPLY_BODY_MAX_BYTES,
  ReplyBodySchema,
  SIMULATE_BODY_MAX_BYTES,
  SimulateBodySchema,
} from '../../shared/channels/staff-requests.js';
import { WEBFORM_BODY_MAX_BYTES, webFormSubmissionSchema } from '../../shared/channels/webform.js';
import { CustomerExportSchema } from '../../shared/data-rights/export.js';
import { MergeHistorySchema } from '../../shared/data-rights/merges.js';
import {
  ErasureReportSchema,
  SPLIT_BODY_MAX_BYTES,
  SplitBodySchema,
  SplitResultSchema,
} from '../../shared/data-rights/requests.js';
import { VerificationTokenFieldsSchema } from '../../shared/identity/verification-link.js';
import { ReportQuerySchema, ReportSchema } from '../../shared/reports/report.js';
import {
  IdSchema,
  KB_ARTICLE_BODY_MAX_BYTES,
  KbArticleCreateSchema,
  KbArticleListQuerySchema,
  KbArticleListSchema,
  KbArticlePathSchema,
  KbArticleSchema,
  KbArticleUpdateSchema,
} from '../../shared/schemas/index.js';
import type { StaffRole } from '../lib/http.js';
import type { FUNCTIONS } from '../manifest.js';
import {
  AgentSchema,
  ChatHistorySchema,
  ChatSessionSchema,
  ConversationSchema,
  ConversationViewSchema,
  CustomerSchema,
  InteractionSchema,
  MergeConfirmationSchema,
  NoteSchema,
  OpenApiDocumentSchema,
  QueueOverviewSchema,
  SimulationReportSchema,
  TimelinePageSchema,
  WebFormReceiptSchema,
} from './schemas.js';

/** The name of every HTTP function of functions/manifest.ts: each needs its operation below. */
export type HttpRouteName = Extract<(typeof FUNCTIONS)[number], { readonly kind: 'http' }>['name'];

/** A body and its media type; JSON bodies name the component schema they become. */
export type OperationBody =
  | { readonly mediaType: 'application/json'; readonly component: string; readonly schema: z.ZodMiniType }
  | { readonly mediaType: 'application/x-www-form-urlencoded'; readonly schema: z.ZodMiniType }
  | { readonly mediaType: 'text/html' | 'text/xml' | 'text/csv'; readonly example?: string };

/** Errors particular to one operation (the document adds those of its auth, body and throttling). */
export type SpecificError = 401 | 403 | 404 | 409 | 502 | 503;

/** What the document says of one route, beside what the manifest says (method, path, auth). */
export interface OperationContract {
  readonly summary: string;
  readonly description: string;
  readonly tag:
    | 'Channels'
    | 'Chat'
    | 'Customers'
    | 'Conversations'
    | 'Agents'
    | 'Routing'
    | 'Identity'
    | 'Knowledge base'
    | 'Campaigns'
    | 'Reports'
    | 'API';
  /** Staff routes: the roles the handler lets through (test/functions/openapi-roles.test.ts checks them). */
  readonly roles?: readonly StaffRole[];
  /** An object schema of the path parameters. */
  readonly path?: z.ZodMiniType;
  /** An object schema of the query parameters (input side). */
  readonly query?: z.ZodMiniType;
  readonly requestBody?: OperationBody & { readonly required: boolean; readonly maxBytes: number };
  readonly success: {
    readonly status: 200 | 201 | 202;
    readonly description: string;
    readonly body: OperationBody;
    /** Also answers `204` without a body, meaning this. */
    readonly noContent?: string;
    /** The same answer in another media type, which the request chooses (e.g. `?format=csv`). */
    readonly alternative?: OperationBody;
  };
  readonly errors?: Readonly<Partial<Record<SpecificError, string>>>;
}

/** The chat history's path: the visitor id of the session (the token must be that session's). */
const VisitorPathSchema = z.strictObject({ id: IdSchema });

const STAFF_READERS: readonly StaffRole[] = ['agent', 'supervisor', 'admin'];
const SUPERVISORS: readonly StaffRole[] = ['supervisor', 'admin'];
const AGENTS: readonly StaffRole[] = ['agent', 'supervisor'];

/** The answer of the conversation workflow's moves: the conversation as it is now. */
const CONVERSATION_MOVED = {
  status: 200,
  description: 'The conversation as it is now.',
  body: { mediaType: 'application/json', component: 'Conversation', schema: ConversationSchema },
} as const;

/** The errors of the conversation workflow's moves. */
const WORKFLOW_ERRORS = {
  403: 'Another agent holds this conversation (supervisors may act on any).',
  404: 'No such conversation.',
  409: '`conflict`: the conversation is resolved.',
  503: '`busy`: the conversation kept changing; retry.',
} as const;

/** A knowledge-base article as the article routes answer it. */
const KB_ARTICLE = {
  mediaType: 'application/json',
  component: 'KbArticle',
  schema: KbArticleSchema,
} as const;

/** Who reads reports. */
const REPORT_READERS: readonly StaffRole[] = ['supervisor', 'marketing'];

/** Who runs campaigns. */
const MARKETING: readonly StaffRole[] = ['marketing', 'admin'];

/** A campaign as the state-changing campaign routes answer it. */
const CAMPAIGN = {
  mediaType: 'application/json',
  component: 'Campaign',
  schema: StoredCampaignSchema,
} as const;

const campaignAction = (summary: string, description: string): OperationContract => ({
  summary,
  description,
  tag: 'Campaigns',
  roles: MARKETING,
  path: CampaignPathSchema,
  success: { status: 200, description: 'The campaign as it is now.', body: CAMPAIGN },
  errors: { 404: 'No such campaign.', 409: '`conflict`: the campaign is not in a state this applies to.' },
});

/**
 * Every HTTP route's contract, by manifest function name. The request schemas are the ones the handlers
 * validate with; functions/openapi/document.ts turns this into the OpenAPI document.
 */
export const OPERATIONS: Readonly<Record<HttpRouteName, OperationContract>> = {
  webform: {
    summary: 'Submit the web form',
    description:
      'A public contact form. Give an email or a phone (or both); a site that knows its logged-in user signs them (`emailSignature`, `phoneSignature`: hex HMAC-SHA256 of the canonical value under the identity secret) to make them verified, otherwise they are claims (docs/identity-trust.md). `submissionId` makes a retry idempotent. `website` is a honeypot: leave it empty. The answer is the same for a new submission, its retry and a bot: never a customer id.',
    tag: 'Channels',
    requestBody: {
      mediaType: 'application/json',
      component: 'WebFormSubmission',
      schema: webFormSubmissionSchema(),
      required: true,
      maxBytes: WEBFORM_BODY_MAX_BYTES,
    },
    success: {
      status: 202,
      description: 'Recorded (or recorded before, for a retry).',
      body: { mediaType: 'application/json', component: 'WebFormReceipt', schema: WebFormReceiptSchema },
    },
    errors: { 409: '`idempotency_key_reused`: this `submissionId` was used with other content.' },
  },
  'sms-twilio-webhook': {
    summary: "Twilio's incoming-message webhook",
    description:
      'Called by Twilio for every SMS or MMS to our numbers, signed with `X-Twilio-Signature`. STOP, START and HELP change consent. A retried `MessageSid` is recorded once.',
    tag: 'Channels',
    requestBody: {
      mediaType: 'application/x-www-form-urlencoded',
      schema: twilioWebhookParamsSchema(),
      required: true,
      maxBytes: TWILIO_WEBHOOK_MAX_BYTES,
    },
    success: {
      status: 200,
      description: 'Empty TwiML: nothing to answer in-line.',
      body: {
        mediaType: 'text/xml',
        example: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
      },
    },
    errors: { 403: 'The signature is missing or invalid.' },
  },
  'chat-create-session': {
    summary: 'Start a chat session',
    description:
      'Anyone may start one; nothing is stored until the first message. Open the WebSocket at `wsUrl?token=<token>` and send `{"action":"sendMessage","clientMessageId","text"}` frames (docs/chat.md). An email signed by the site (`emailSignature`) is verified, otherwise a claim. The body may be omitted.',
    tag: 'Chat',
    requestBody: {
      mediaType: 'application/json',
      component: 'CreateChatSession',
      schema: CreateChatSessionSchema,
      required: false,
      maxBytes: CHAT_SESSION_BODY_MAX_BYTES,
    },
    success: {
      status: 201,
      description: 'A visitor id and its token, valid 24 hours.',
      body: { mediaType: 'application/json', component: 'ChatSession', schema: ChatSessionSchema },
    },
  },
  'chat-list-messages': {
    summary: "A chat visitor's history",
    description:
      "The visitor's own chat messages and the replies sent to them, oldest first, at most 100 (`hasMore` says more follow: ask again with `after`). Replies still waiting for the visitor become delivered. Needs the session's visitor token.",
    tag: 'Chat',
    path: VisitorPathSchema,
    query: ChatHistoryQuerySchema,
    success: {
      status: 200,
      description: 'The messages.',
      body: { mediaType: 'application/json', component: 'ChatHistory', schema: ChatHistorySchema },
    },
    errors: { 401: 'No valid visitor token, or the token of another session.' },
  },
  'customers-find': {
    summary: 'Find a customer by email or phone',
    description:
      'Give exactly one of `email` or `phone` (normalized as ingest does: email lower-cased, phone to E.164).',
    tag: 'Customers',
    roles: STAFF_READERS,
    query: customerLookupQuerySchema(),
    success: {
      status: 200,
      description: 'The customer holding that identity.',
      body: { mediaType: 'application/json', component: 'Customer', schema: CustomerSchema },
    },
    errors: { 404: 'Nobody holds that identity.' },
  },
  'customers-get': {
    summary: 'A customer profile',
    description: 'Identities with their trust, consent per channel; a merged-away id gives the survivor.',
    tag: 'Customers',
    roles: STAFF_READERS,
    path: CustomerPathSchema,
    success: {
      status: 200,
      description: 'The profile.',
      body: { mediaType: 'application/json', component: 'Customer', schema: CustomerSchema },
    },
    errors: { 404: 'No such customer.' },
  },
  'customers-merge': {
    summary: 'Confirm that customers are one person',
    description:
      'Merges the customers (the oldest survives, nothing is lost) and makes every identity they hold verified; audited. Typically confirms a `possibleMatches` entry of an interaction.',
    tag: 'Customers',
    roles: SUPERVISORS,
    path: CustomerPathSchema,
    requestBody: {
      mediaType: 'application/json',
      component: 'MergeRequest',
      schema: MergeBodySchema,
      required: true,
      maxBytes: MERGE_BODY_MAX_BYTES,
    },
    success: {
      status: 200,
      description: 'Merged.',
      body: {
        mediaType: 'application/json',
        component: 'MergeConfirmation',
        schema: MergeConfirmationSchema,
      },
    },
    errors: {
      404: 'One of the customers does not exist.',
      503: '`busy`: the customers kept changing; retry.',
    },
  },
  'agents-put-profile': {
    summary: "Create or update an agent's profile",
    description:
      "The agent's tier, skills (those of the routing definition) and capacity (conversations at once). A new agent starts away. `id` is the staff user's JWT subject.",
    tag: 'Agents',
    roles: ['admin'],
    path: AgentPathSchema,
    requestBody: {
      mediaType: 'application/json',
      component: 'AgentProfileRequest',
      schema: AgentProfileBodySchema,
      required: true,
      maxBytes: 4 * 1024,
    },
    success: {
      status: 200,
      description: 'The profile.',
      body: { mediaType: 'application/json', component: 'Agent', schema: AgentSchema },
    },
  },
  'agents-status': {
    summary: 'Set your availability',
    description: 'Available agents are given conversations by `POST /v1/agents/me/next`; away ones are not.',
    tag: 'Agents',
    roles: AGENTS,
    requestBody: {
      mediaType: 'application/json',
      component: 'AgentStatusRequest',
      schema: AgentStatusBodySchema,
      required: true,
      maxBytes: 1024,
    },
    success: {
      status: 200,
      description: 'Your profile.',
      body: { mediaType: 'application/json', component: 'Agent', schema: AgentSchema },
    },
    errors: { 404: 'You have no agent profile.' },
  },
  'agents-next': {
    summary: 'Take the next conversation',
    description:
      'Claims the next conversation you may work (your skills, your tier and the shallower human tiers), most urgent first, then earliest due. Two agents never get the same one, and nobody exceeds their capacity.',
    tag: 'Agents',
    roles: AGENTS,
    success: {
      status: 200,
      description: 'The conversation, now yours.',
      body: { mediaType: 'application/json', component: 'Conversation', schema: ConversationSchema },
      noContent: 'Nothing to do.',
    },
    errors: {
      404: 'You have no agent profile.',
      409: '`conflict`: you are away or at capacity.',
      503: '`busy`: other agents took every conversation in view; retry.',
    },
  },
  'conversations-escalate': {
    summary: 'Escalate to a deeper tier',
    description:
      'Moves the conversation to a deeper human tier, leaving its agent; the note travels with it.',
    tag: 'Conversations',
    roles: AGENTS,
    path: ConversationPathSchema,
    requestBody: {
      mediaType: 'application/json',
      component: 'EscalateRequest',
      schema: EscalateBodySchema,
      required: true,
      maxBytes: 8 * 1024,
    },
    success: CONVERSATION_MOVED,
    errors: WORKFLOW_ERRORS,
  },
  'conversations-transfer': {
    summary: "Transfer to another skill's queue",
    description:
      "Moves the conversation to another skill's queue, leaving its agent; the note travels with it.",
    tag: 'Conversations',
    roles: AGENTS,
    path: ConversationPathSchema,
    requestBody: {
      mediaType: 'application/json',
      component: 'TransferRequest',
      schema: TransferBodySchema,
      required: true,
      maxBytes: 8 * 1024,
    },
    success: CONVERSATION_MOVED,
    errors: WORKFLOW_ERRORS,
  },
  'conversations-resolve': {
    summary: 'Resolve a conversation',
    description: 'Done, with a resolution code; its agent gets the slot back.',
    tag: 'Conversations',
    roles: AGENTS,
    path: ConversationPathSchema,
    requestBody: {
      mediaType: 'application/json',
      component: 'ResolveRequest',
      schema: ResolveBodySchema,
      required: true,
      maxBytes: 1024,
    },
    success: CONVERSATION_MOVED,
    errors: WORKFLOW_ERRORS,
  },
  'conversations-notes': {
    summary: 'Add an internal note',
    description: 'For staff only; never sent to the customer.',
    tag: 'Conversations',
    roles: AGENTS,
    path: ConversationPathSchema,
    requestBody: {
      mediaType: 'application/json',
      component: 'NoteRequest',
      schema: NoteBodySchema,
      required: true,
      maxBytes: 8 * 1024,
    },
    success: {
      status: 201,
      description: 'The note.',
      body: { mediaType: 'application/json', component: 'Note', schema: NoteSchema },
    },
    errors: { 404: 'No such conversation.' },
  },
  'queues-get': {
    summary: 'Work queues',
    description:
      'Per tier and skill: how many conversations wait, the oldest wait, how many are at risk of missing their service level, and the agents available.',
    tag: 'Agents',
    roles: SUPERVISORS,
    success: {
      status: 200,
      description: 'The queues.',
      body: { mediaType: 'application/json', component: 'QueueOverview', schema: QueueOverviewSchema },
    },
  },
  'routing-simulate': {
    summary: 'Dry-run a candidate routing definition',
    description:
      'Replays the recorded messages of the last `days` days through the definition in force and the candidate, writing nothing, and reports how tiers, skills, priorities, e-level answers and predicted first-response breaches would change.',
    tag: 'Routing',
    roles: SUPERVISORS,
    requestBody: {
      mediaType: 'application/json',
      component: 'SimulateRequest',
      schema: SimulateBodySchema,
      required: true,
      maxBytes: SIMULATE_BODY_MAX_BYTES,
    },
    success: {
      status: 200,
      description: 'Both outcomes and where they differ.',
      body: { mediaType: 'application/json', component: 'SimulationReport', schema: SimulationReportSchema },
    },
  },
  'identity-verify-page': {
    summary: 'The page a verification link opens',
    description:
      'Changes nothing (mail scanners follow links): shows a Confirm button that posts the token back.',
    tag: 'Identity',
    query: VerificationTokenFieldsSchema,
    success: { status: 200, description: 'The confirmation page.', body: { mediaType: 'text/html' } },
    errors: { 401: 'A page saying the link is invalid or expired.' },
  },
  'identity-verify': {
    summary: 'Confirm an email address',
    description:
      "The verification page's Confirm form: proves the email the link was mailed to. The answer is the same whatever the proof did.",
    tag: 'Identity',
    requestBody: {
      mediaType: 'application/x-www-form-urlencoded',
      schema: VerificationTokenFieldsSchema,
      required: true,
      maxBytes: 4 * 1024,
    },
    success: { status: 200, description: 'A page saying thank you.', body: { mediaType: 'text/html' } },
    errors: { 401: 'A page saying the link is invalid or expired.' },
  },
  'customers-timeline': {
    summary: "A customer's timeline",
    description:
      'Interactions of every channel, in and out, newest first; pass `nextCursor` back as `cursor`.',
    tag: 'Customers',
    roles: STAFF_READERS,
    path: CustomerPathSchema,
    query: TimelineQuerySchema,
    success: {
      status: 200,
      description: 'One page.',
      body: { mediaType: 'application/json', component: 'TimelinePage', schema: TimelinePageSchema },
    },
    errors: { 404: 'No such customer.' },
  },
  'customers-export': {
    summary: 'Export everything held about a customer',
    description:
      'Data access (docs/data-rights.md): the profiles (the customer and every customer merged into it: both sides of each merge), identity items, consent (latest and history), contact ledgers, conversations with their notes, interactions, campaign enrolments, the raw emails kept in object storage (`s3://` locations) and the interactions they belong to, quarantined mail from their addresses, email threading refs, chat connections, verification and web-form markers, merge records and the audit trail; `counts` per kind, and `other` for any item of a kind this version has no schema for. Audited (who, when, counts).',
    tag: 'Customers',
    roles: ['admin'],
    path: CustomerPathSchema,
    success: {
      status: 200,
      description: 'The export.',
      body: { mediaType: 'application/json', component: 'CustomerExport', schema: CustomerExportSchema },
    },
    errors: {
      404: 'No such customer.',
      409: '`conflict`: the export is larger than one response carries (5.5 MB).',
    },
  },
  'customers-erase': {
    summary: 'Erase a customer',
    description:
      'Erasure (docs/data-rights.md): every item of the customer and of the customers merged into it (profiles, identities, conversations and notes, interactions, consent records and ledgers, campaign recipients, email threading refs, chat connections, markers, quarantined mail, merge records) and their raw emails in object storage. Their identities and ids leave tombstones (a hash, for 30 days), so a message received before the erasure and still on its way is dropped; one received after it is a new contact. Aggregates keep their counts; audit records (ids and counts only) stay, and the erasure is audited. A retry finishes an erasure that was cut short.',
    tag: 'Customers',
    roles: ['admin'],
    path: CustomerPathSchema,
    success: {
      status: 200,
      description: 'Erased: what, by kind and count.',
      body: { mediaType: 'application/json', component: 'ErasureReport', schema: ErasureReportSchema },
    },
    errors: { 404: 'No such customer (or erased already).' },
  },
  'customers-merges': {
    summary: 'The merges that made a customer',
    description:
      'Every merge into the customer or into a customer merged into it, oldest first: which identities each side held (with their trust then), why (`rule`: `verified-identities`, `verification-link` or `staff` with `by`), when, and the splits that undid it since; `unrecorded` lists customers merged before merges were recorded.',
    tag: 'Customers',
    roles: ['admin'],
    path: CustomerPathSchema,
    success: {
      status: 200,
      description: 'The merge history.',
      body: { mediaType: 'application/json', component: 'MergeHistory', schema: MergeHistorySchema },
    },
    errors: { 404: 'No such customer.' },
  },
  'customers-split': {
    summary: 'Undo a merge',
    description:
      'Name identities (as the profile lists them) that a merge brought in: each customer that brought one is restored with every identity it brought (their trust then), its own interactions, the messages recorded since from its identities alone, the conversations the merge moved and those its messages opened since, and its consent plus any opt-out recorded since. Customers merged into it stay merged into it. Audited.',
    tag: 'Customers',
    roles: ['admin'],
    path: CustomerPathSchema,
    requestBody: {
      mediaType: 'application/json',
      component: 'SplitRequest',
      schema: SplitBodySchema,
      required: true,
      maxBytes: SPLIT_BODY_MAX_BYTES,
    },
    success: {
      status: 200,
      description: 'Split: the customers restored.',
      body: { mediaType: 'application/json', component: 'SplitResult', schema: SplitResultSchema },
    },
    errors: {
      404: 'No such customer.',
      409: '`conflict`: too many writes for one split; split one customer at a time.',
      503: '`busy`: the customers kept changing; retry.',
    },
  },
  'conversations-get': {
    summary: 'A conversation, with its whole context',
    description:
      "Status, tier, skill, priority, SLA due times, assignee, the routing decisions and escalations behind them; the customer, their timeline across channels (first page; read further with the customer's timeline and `timelineCursor`), the notes, and `replyTo`: per channel, the address a reply would go to with its trust, or why there is none.",
    tag: 'Conversations',
    roles: STAFF_READERS,
    path: ConversationPathSchema,
    success: {
      status: 200,
      description: 'The conversation.',
      body: { mediaType: 'application/json', component: 'ConversationView', schema: ConversationViewSchema },
    },
    errors: { 404: 'No such conversation.' },
  },
  'conversations-reply': {
    summary: 'Reply to a customer',
    description:
      "Delivered on the customer's last inbound channel unless `channel` names another, recorded on the timeline with its delivery status. A chat reply to a visitor who is away stays `queued` until they come back (and goes by email after a delay when they gave one).",
    tag: 'Conversations',
    roles: ['agent', 'supervisor'],
    path: ConversationPathSchema,
    requestBody: {
      mediaType: 'application/json',
      component: 'ReplyRequest',
      schema: ReplyBodySchema,
      required: true,
      maxBytes: REPLY_BODY_MAX_BYTES,
    },
    success: {
      status: 201,
      description: 'The outbound interaction.',
      body: { mediaType: 'application/json', component: 'Interaction', schema: InteractionSchema },
    },
    errors: {
      404: 'No such conversation.',
      409: '`not_deliverable` with a `reason`: opted out, undeliverable, no address, an unverified address, or no provider for the channel.',
      502: '`delivery_failed`: the provider refused or failed.',
      503: '`busy`: the conversation kept changing; retry.',
    },
  },
  'kb-articles-create': {
    summary: 'Create a knowledge-base article',
    description:
      'An answer the e-level may send to a standard concern: `title`, `body` (the text the customer gets), `keywords` (words customers use for it, searched beside the title), `skill` (one of the routing definition). A draft unless `status` is `published`; only published articles answer customers.',
    tag: 'Knowledge base',
    roles: ['admin'],
    requestBody: {
      mediaType: 'application/json',
      component: 'KbArticleCreateRequest',
      schema: KbArticleCreateSchema,
      required: true,
      maxBytes: KB_ARTICLE_BODY_MAX_BYTES,
    },
    success: { status: 201, description: 'The article, with its new id.', body: KB_ARTICLE },
  },
  'kb-articles-list': {
    summary: 'Knowledge-base articles',
    description: 'Every article, or those of one `status`; by status, then oldest first.',
    tag: 'Knowledge base',
    roles: ['admin'],
    query: KbArticleListQuerySchema,
    success: {
      status: 200,
      description: 'The articles.',
      body: { mediaType: 'application/json', component: 'KbArticleList', schema: KbArticleListSchema },
    },
  },
  'kb-articles-get': {
    summary: 'A knowledge-base article',
    description: 'One article, draft or published.',
    tag: 'Knowledge base',
    roles: ['admin'],
    path: KbArticlePathSchema,
    success: { status: 200, description: 'The article.', body: KB_ARTICLE },
    errors: { 404: 'No such article.' },
  },
  'kb-articles-update': {
    summary: 'Replace a knowledge-base article',
    description:
      'The new content replaces the old (`keywords` or `skill` left out are removed); the id and `createdAt` stay. Give `expectedUpdatedAt` (the `updatedAt` you read) to update only if nobody changed the article since; without it the last write wins.',
    tag: 'Knowledge base',
    roles: ['admin'],
    path: KbArticlePathSchema,
    requestBody: {
      mediaType: 'application/json',
      component: 'KbArticleUpdateRequest',
      schema: KbArticleUpdateSchema,
      required: true,
      maxBytes: KB_ARTICLE_BODY_MAX_BYTES,
    },
    success: { status: 200, description: 'The article as it is now.', body: KB_ARTICLE },
    errors: {
      404: 'No such article.',
      409: '`conflict`: the article changed after `expectedUpdatedAt`; read it again.',
    },
  },
  'kb-articles-delete': {
    summary: 'Delete a knowledge-base article',
    description: 'The article is gone at once; the e-level stops answering with it within its cache time.',
    tag: 'Knowledge base',
    roles: ['admin'],
    path: KbArticlePathSchema,
    // The document generator has no success without a body yet: a deletion only ever answers 204.
    success: {
      status: 200,
      description: 'Not answered: a deletion answers 204 without a body.',
      body: KB_ARTICLE,
      noContent: 'Deleted.',
    },
    errors: { 404: 'No such article.' },
  },
  'api-description': {
    summary: 'This document',
    description:
      'The OpenAPI 3.1 description of this API, generated from the schemas the handlers validate with.',
    tag: 'API',
    success: {
      status: 200,
      description: 'The OpenAPI document.',
      body: { mediaType: 'application/json', component: 'OpenApiDocument', schema: OpenApiDocumentSchema },
    },
  },
  'campaigns-create': {
    summary: 'Create a campaign draft',
    description:
      'A retention (`segment` required) or follow-up campaign (enrols the customers of resolved conversations): `steps` of `message` (with a template per channel it may use), `wait`, `contact` (a tier 1 personal-contact conversation) and `survey` (follow-up), `caps`, `suppression`. Templates may use `{{name}}` and `{{firstName}}`; everything is validated when the draft is saved (400 names the field). events/campaigns holds ready drafts.',
    tag: 'Campaigns',
    roles: MARKETING,
    requestBody: {
      mediaType: 'application/json',
      component: 'CampaignDraft',
      schema: CampaignDraftSchema,
      required: true,
      maxBytes: CAMPAIGN_BODY_MAX_BYTES,
    },
    success: { status: 201, description: 'The draft, with its id.', body: CAMPAIGN },
  },
  'campaigns-get': {
    summary: 'A campaign and its counters',
    description:
      'The campaign, its status, and counters per step: targeted, sent, deferred, suppressed by reason (`suppressed:<reason>`), replied, escalated, failed, answered, no-answer.',
    tag: 'Campaigns',
    roles: MARKETING,
    path: CampaignPathSchema,
    success: {
      status: 200,
      description: 'The campaign.',
      body: { mediaType: 'application/json', component: 'CampaignView', schema: CampaignViewSchema },
    },
    errors: { 404: 'No such campaign.' },
  },
  'campaigns-preview': {
    summary: 'Preview a campaign (dry run)',
    description:
      "The segment's size (up to 10,000; `complete` says whether it was counted to the end), the read units the preview cost, and the first message rendered for the first members. A segment that only a scan of the whole table could read says so (`needsScan`, `reason`). Nothing is sent or written.",
    tag: 'Campaigns',
    roles: MARKETING,
    path: CampaignPathSchema,
    success: {
      status: 200,
      description: 'What a launch would do.',
      body: { mediaType: 'application/json', component: 'CampaignPreview', schema: CampaignPreviewSchema },
    },
    errors: { 404: 'No such campaign.' },
  },
  'campaigns-launch': campaignAction(
    'Launch a campaign',
    'Starts a draft: its Step Functions execution enrols the segment and sends waves of due recipients. Launching twice is 409.',
  ),
  'campaigns-pause': campaignAction(
    'Pause a campaign',
    'A running campaign stops sending; recipients keep their place.',
  ),
  'campaigns-resume': campaignAction(
    'Resume a campaign',
    'A paused campaign sends again, from where each recipient is.',
  ),
  'campaigns-cancel': campaignAction(
    'Cancel a campaign',
    'Stops the campaign for good: its execution is stopped and no recipient gets another message.',
  ),
  'campaigns-recipients': {
    summary: "A campaign's recipients",
    description:
      'Recipients with their step, outcome (replied, opted-out, suppressed with its reason, escalated, surveyed, no-answer…) and history, `status` `active` or `done`, page by page (`cursor` from the previous page).',
    tag: 'Campaigns',
    roles: MARKETING,
    path: CampaignPathSchema,
    query: RecipientsQuerySchema,
    success: {
      status: 200,
      description: 'A page of recipients.',
      body: { mediaType: 'application/json', component: 'RecipientPage', schema: RecipientPageSchema },
    },
    errors: { 404: 'No such campaign.' },
  },
  'reports-summary': {
    summary: 'How care performs',
    description:
      "For the days `from` to `to` (UTC, inclusive, at most 366; an inverted or longer range is 400 naming `to`), grouped by `channel`, `tier` or `day` (the default): messages in and out, conversations opened, reopened and resolved, first-response and resolution times (average, and p50/p90 as the upper bound of their histogram bucket, in minutes), service-level attainment and breaches, escalations by reason, the e-level's answers and hand-offs, satisfaction (average and distribution), campaign outcomes and tags; `totals` for the whole range. Served from daily aggregates kept from the table's change stream, so it costs one Query per month of the range whatever the traffic was (`readUnits`); the aggregates may lag the latest changes by seconds and may count a change twice after a stream retry (docs/reporting.md). `format=csv` answers the same as text/csv, one row per group and a `total` row.",
    tag: 'Reports',
    roles: REPORT_READERS,
    query: ReportQuerySchema,
    success: {
      status: 200,
      description: 'The report (JSON, or CSV with `format=csv`).',
      body: { mediaType: 'application/json', component: 'Report', schema: ReportSchema },
      alternative: {
        mediaType: 'text/csv',
        example:
          'channel,inbound,outbound,opened,…,tag:complaint\r\nemail,12,9,7,…,1\r\n…\r\ntotal,40,31,22,…,3\r\n',
      },
    },
  },
  'conversations-tags': {
    summary: "Set a conversation's tags",
    description:
      'What the concern was about (`complaint`, `praise`, `product-feedback`, …): the list replaces the tags the conversation had (at most 10, each 1-40 of a-z, 0-9 and -, a repeated one kept once; an empty list clears them), in any status. Routing rules add their tags to these. Reports count conversations by tag.',
    tag: 'Conversations',
    roles: AGENTS,
    path: ConversationPathSchema,
    requestBody: {
      mediaType: 'application/json',
      component: 'TagsRequest',
      schema: TagsBodySchema,
      required: true,
      maxBytes: 2 * 1024,
    },
    success: CONVERSATION_MOVED,
    errors: { 404: 'No such conversation.', 503: '`busy`: the conversation kept changing; retry.' },
  },
  'campaigns-survey-page': {
    summary: 'The page a survey score link opens',
    description:
      'A score link (1 to 5) of a satisfaction survey email, opened in a browser. Changes nothing (mail scanners follow links): shows the score with a Send button that posts back to the same URL. A link that is not valid is 400, an expired one (after 30 days) 410, as HTML pages naming no customer.',
    tag: 'Campaigns',
    query: SurveyLinkFieldsSchema,
    success: { status: 200, description: 'The confirmation page.', body: { mediaType: 'text/html' } },
  },
  'campaigns-survey-answer': {
    summary: 'Answer a satisfaction survey by link',
    description:
      "Records the link's score on the surveyed conversation (the first answer counts; a second click changes nothing). A score at or below the survey's threshold reopens the concern at tier 2 (service recovery). The page is the same whatever happened.",
    tag: 'Campaigns',
    query: SurveyLinkFieldsSchema,
    requestBody: {
      mediaType: 'application/x-www-form-urlencoded',
      schema: SurveyConfirmBodySchema,
      required: true,
      maxBytes: 1024,
    },
    success: { status: 200, description: 'A thank-you page.', body: { mediaType: 'text/html' } },
  },
  'campaigns-unsubscribe-page': {
    summary: 'The page an unsubscribe link opens',
    description:
      'The `List-Unsubscribe` link of a campaign message, opened in a browser. Changes nothing (mail scanners follow links): shows an Unsubscribe button that posts the one-click form back to the same URL. A link that is not valid is 400, an expired one (after 30 days) 410, as HTML pages naming no customer.',
    tag: 'Campaigns',
    query: UnsubscribeTokenFieldsSchema,
    success: { status: 200, description: 'The confirmation page.', body: { mediaType: 'text/html' } },
  },
  'campaigns-unsubscribe': {
    summary: 'Unsubscribe in one click (RFC 8058)',
    description:
      "What a mail provider posts when the reader presses its Unsubscribe button (`List-Unsubscribe-Post: List-Unsubscribe=One-Click`), and what the confirmation page posts: opts the link's customer out of the link's channel (consent source `unsubscribe-link:<campaignId>`). multipart/form-data is accepted too. Idempotent: a repeat answers the same and changes nothing. A link that is not valid is 400, an expired one 410, as HTML pages naming no customer.",
    tag: 'Campaigns',
    query: UnsubscribeTokenFieldsSchema,
    requestBody: {
      mediaType: 'application/x-www-form-urlencoded',
      schema: OneClickBodySchema,
      required: true,
      maxBytes: 4 * 1024,
    },
    success: {
      status: 200,
      description: 'A page saying the customer is unsubscribed.',
      body: { mediaType: 'text/html' },
    },
  },
};
