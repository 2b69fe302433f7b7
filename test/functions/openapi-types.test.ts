import { describe, expectTypeOf, it } from 'vitest';
import type * as z from 'zod/mini';
import type {
  ChatHistorySchema,
  ChatSessionSchema,
  ConversationViewSchema,
  MergeConfirmationSchema,
  QueueOverviewSchema,
  ReplyPreviewSchema,
  SimulationReportSchema,
  TimelinePageSchema,
  WebFormReceiptSchema,
} from '../../functions/openapi/schemas.js';
import type { ConversationView } from '../../shared/agents/conversation-view.js';
import type { QueueSummary } from '../../shared/agents/queues.js';
import type { ChatSession } from '../../shared/channels/chat/session.js';
import type { VisitorMessages } from '../../shared/channels/chat/visitor-messages.js';
import type { WebFormReceipt } from '../../shared/channels/webform.js';
import type { MergeConfirmation } from '../../shared/identity/confirm-merge.js';
import type { ReplyPreview } from '../../shared/outbound/reply-preview.js';
import type { SimulationReport } from '../../shared/routing/simulate.js';
import type { TimelinePage } from '../../shared/store/timeline.js';

/**
 * The response schemas of the OpenAPI document describe what the handlers return: each domain result
 * type fits its schema (checked by the type-check; a field added to a result and not to its schema
 * fails here, before any end-to-end run).
 */

/** Readonly arrays and properties as plain ones, to compare with zod's output types. */
type Mutable<T> = T extends readonly (infer Item)[]
  ? Mutable<Item>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;
type Documented<S extends z.ZodMiniType> = z.output<S>;
type KeysOf<T> = T extends unknown ? keyof T : never;
type ValueOf<T, K extends PropertyKey> = T extends unknown ? (K extends keyof T ? T[K] : never) : never;
/**
 * Keys the result has and its schema does not, at any depth: the schemas are strict, so such a key
 * would be a response off the contract. `never` when there are none.
 */
type ExtraKeys<A, E> = A extends unknown
  ? A extends readonly (infer Item)[]
    ? ExtraKeys<Item, E extends readonly (infer Documented)[] ? Documented : never>
    : A extends object
      ?
          | Exclude<keyof A, KeysOf<E>>
          | { [K in keyof A]-?: K extends KeysOf<E> ? ExtraKeys<A[K], ValueOf<E, K>> : never }[keyof A]
      : never
  : never;

describe('response schemas of the OpenAPI document', () => {
  it('fit the results the handlers return', () => {
    expectTypeOf<Mutable<WebFormReceipt>>().toExtend<Documented<typeof WebFormReceiptSchema>>();
    expectTypeOf<Mutable<ChatSession & { wsUrl?: string }>>().toExtend<
      Documented<typeof ChatSessionSchema>
    >();
    expectTypeOf<Mutable<VisitorMessages & { visitorId: string }>>().toExtend<
      Documented<typeof ChatHistorySchema>
    >();
    expectTypeOf<Mutable<TimelinePage>>().toExtend<Documented<typeof TimelinePageSchema>>();
    expectTypeOf<Mutable<ReplyPreview>>().toExtend<Documented<typeof ReplyPreviewSchema>>();
    expectTypeOf<Mutable<ConversationView>>().toExtend<Documented<typeof ConversationViewSchema>>();
    expectTypeOf<Mutable<MergeConfirmation>>().toExtend<Documented<typeof MergeConfirmationSchema>>();
    expectTypeOf<Mutable<SimulationReport>>().toExtend<Documented<typeof SimulationReportSchema>>();
    expectTypeOf<Mutable<{ queues: QueueSummary[] }>>().toExtend<Documented<typeof QueueOverviewSchema>>();
  });

  it('leave out no field of those results', () => {
    expectTypeOf<ExtraKeys<WebFormReceipt, Documented<typeof WebFormReceiptSchema>>>().toBeNever();
    expectTypeOf<ExtraKeys<ChatSession, Documented<typeof ChatSessionSchema>>>().toBeNever();
    expectTypeOf<ExtraKeys<VisitorMessages, Documented<typeof ChatHistorySchema>>>().toBeNever();
    expectTypeOf<ExtraKeys<TimelinePage, Documented<typeof TimelinePageSchema>>>().toBeNever();
    expectTypeOf<ExtraKeys<ReplyPreview, Documented<typeof ReplyPreviewSchema>>>().toBeNever();
    expectTypeOf<ExtraKeys<ConversationView, Documented<typeof ConversationViewSchema>>>().toBeNever();
    expectTypeOf<ExtraKeys<MergeConfirmation, Documented<typeof MergeConfirmationSchema>>>().toBeNever();
    expectTypeOf<ExtraKeys<SimulationReport, Documented<typeof SimulationReportSchema>>>().toBeNever();
    expectTypeOf<ExtraKeys<{ queues: QueueSummary[] }, Documented<typeof QueueOverviewSchema>>>().toBeNever();
  });
});
