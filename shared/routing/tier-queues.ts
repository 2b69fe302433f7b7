import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import {
  ChannelSchema,
  type Conversation,
  IdSchema,
  IsoTimestampSchema,
  type Tier,
  TierSchema,
} from '../schemas/index.js';
import type { RoutingDefinition } from './definition.js';
import type { RoutingRequest } from './handoff.js';

/**
 * The skill tiers' queues: one FIFO queue per tier (e-level, tiers 1-3). A message says that a
 * conversation waits at that tier; its group is the conversation, so one conversation's messages are
 * worked in order while conversations run in parallel, and its deduplication id is the interaction, so a
 * routing retry within SQS's five-minute window sends nothing twice (later copies are harmless: the tier
 * consumers act once per interaction).
 */

/** What a tier consumer gets: the message that put (or kept) the conversation waiting at its tier. */
export const TierRequestSchema = z.object({
  kind: z.literal('tier'),
  tier: TierSchema,
  skill: z.string().check(z.maxLength(40)),
  customerId: IdSchema,
  conversationId: IdSchema,
  interactionId: IdSchema,
  channel: ChannelSchema,
  occurredAt: IsoTimestampSchema,
  /** The message text, for the e-level's knowledge-base search (absent for a hand-off between tiers). */
  content: z.optional(
    z.object({
      subject: z.optional(z.string().check(z.maxLength(500))),
      body: z.string().check(z.maxLength(4000)),
    }),
  ),
});
export type TierRequest = z.infer<typeof TierRequestSchema>;

/** Queue URL per tier. */
export type TierQueueUrls = Readonly<Record<Tier, string>>;

/**
 * What a routed message asks of its tier, if anything: a conversation that waits on us, unassigned, at
 * the e-level (which answers or hands it on), or at a human tier when the definition pushes work to
 * agents. A conversation an agent holds, one waiting on the customer, or a resolved one needs nothing.
 */
export function tierRequestFor(
  request: RoutingRequest,
  conversation: Conversation,
  definition: RoutingDefinition,
): TierRequest | undefined {
  if (conversation.status !== 'open' || conversation.assignee !== undefined) return undefined;
  if (conversation.tier !== 'e' && definition.assignment !== 'push') return undefined;
  return {
    kind: 'tier',
    tier: conversation.tier,
    skill: conversation.skill ?? definition.defaultAssignment.skill,
    customerId: conversation.customerId,
    conversationId: conversation.conversationId,
    interactionId: request.interactionId,
    channel: request.channel,
    occurredAt: request.occurredAt,
    ...(request.content
      ? {
          content: {
            ...(request.content.subject !== undefined ? { subject: request.content.subject } : {}),
            body: request.content.body,
          },
        }
      : {}),
  };
}

/** A tier request and the identifier its sender reports a failure by (an SQS message id). */
export interface PendingTierRequest {
  readonly id: string;
  readonly request: TierRequest;
}

/** SQS takes at most ten messages per SendMessageBatch. */
const SQS_BATCH = 10;

/**
 * Sends tier requests to their tiers' FIFO queues, a SendMessageBatch per tier and ten messages, in the
 * order the messages occurred (SQS keeps a group's order within a batch). Returns the ids of the
 * requests that were not sent, for the caller to retry.
 */
export async function sendToTiers(
  sqs: SQSClient,
  queueUrls: Partial<TierQueueUrls>,
  pending: readonly PendingTierRequest[],
  /** Told why a batch was refused (its entries are in the result). */
  onError?: (error: unknown) => void,
): Promise<string[]> {
  const byTier = new Map<Tier, PendingTierRequest[]>();
  const ordered = [...pending].sort((a, b) => a.request.occurredAt.localeCompare(b.request.occurredAt));
  for (const entry of ordered) {
    const list = byTier.get(entry.request.tier) ?? [];
    list.push(entry);
    byTier.set(entry.request.tier, list);
  }
  const failed: string[] = [];
  for (const [tier, entries] of byTier) {
    const queueUrl = queueUrls[tier];
    if (queueUrl === undefined) throw new Error(`no queue URL for tier ${tier}`);
    for (let start = 0; start < entries.length; start += SQS_BATCH) {
      const chunk = entries.slice(start, start + SQS_BATCH);
      try {
        const output = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((entry, index) => ({
              Id: String(index),
              MessageBody: JSON.stringify(entry.request),
              MessageGroupId: entry.request.conversationId,
              MessageDeduplicationId: `${entry.request.interactionId}-${tier}`,
            })),
          }),
        );
        for (const failure of output.Failed ?? []) {
          const entry = chunk[Number(failure.Id)];
          if (entry) failed.push(entry.id);
        }
      } catch (error) {
        // The whole batch is retried by the caller; every entry is reported, and why.
        onError?.(error);
        failed.push(...chunk.map((entry) => entry.id));
      }
    }
  }
  return failed;
}

/** Sends one tier request (a hand-off from one tier to another), throwing when SQS refuses it. */
export async function sendToTier(
  sqs: SQSClient,
  queueUrls: Partial<TierQueueUrls>,
  request: TierRequest,
): Promise<void> {
  let cause: unknown;
  const failed = await sendToTiers(sqs, queueUrls, [{ id: request.interactionId, request }], (error) => {
    cause = error;
  });
  if (failed.length > 0) throw new Error(`tier ${request.tier} queue refused the hand-off`, { cause });
}
