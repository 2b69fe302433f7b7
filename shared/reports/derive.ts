import * as z from 'zod/mini';
import { conversationEvents } from '../events/conversation-events.js';
import { ChannelSchema, type Conversation, DirectionSchema, IsoTimestampSchema } from '../schemas/index.js';
import { conversationFromItem, type Item } from '../store/items.js';
import type { Entity } from '../store/keys.js';
import { TABLE_KEYS } from '../store/table-definition.js';
import {
  COUNTER,
  type Counters,
  campaignOutcomeCounter,
  channelDimension,
  type Dimension,
  durationBucket,
  escalationCounter,
  firstResponseBucketCounter,
  resolutionBucketCounter,
  satisfactionCounter,
  tagCounter,
  tierDimension,
} from './metrics.js';

/** One stored change of an item, as the table's change stream tells it: the item before and after. */
export interface ItemChange {
  /** Absent for an item just created. */
  readonly before?: Item | undefined;
  /** Absent for an item deleted. */
  readonly after?: Item | undefined;
}

/** What one change adds to the aggregates of one day: the same counters for each dimension named. */
export interface Contribution {
  /** `yyyy-mm-dd` (UTC). */
  readonly day: string;
  readonly dimensions: readonly Dimension[];
  readonly counters: Counters;
}

/** A change of an item this code cannot read (another version's shape): it counts nothing. */
export class UnreadableChangeError extends Error {
  override name = 'UnreadableChangeError';
}

/**
 * What a stored change adds to the report aggregates, derived from the item before and after it (never
 * written by the paths that change items, so every path counts the same way):
 * - an interaction created: a message in or out, on its channel and the day it occurred;
 * - a conversation changed: the domain events of the change (shared/events/conversation-events.ts:
 *   opened, reopened, escalated, SLA breached, resolved with its resolution time), its first response
 *   (time from the opening or reopening), an e-level attempt, a satisfaction score, tags put on or taken
 *   off (counted on the day the conversation was opened, so taking a tag off cancels putting it on);
 * - a campaign recipient done: its outcome.
 * Deletions (erasure) count nothing: aggregates keep their counts. Throws UnreadableChangeError for an
 * item of a counted entity that does not parse.
 */
export function contributionsOf(change: ItemChange): Contribution[] {
  const entity = (change.after ?? change.before)?.[TABLE_KEYS.entityAttribute];
  if (change.after === undefined) return [];
  switch (entity) {
    case 'interaction' satisfies Entity:
      return change.before === undefined ? messageContributions(change.after) : [];
    case 'conversation' satisfies Entity:
      return conversationContributions(
        change.before === undefined ? undefined : readConversation(change.before),
        readConversation(change.after),
      );
    case 'campaign-recipient':
      return recipientContributions(change.before, change.after);
    default:
      return [];
  }
}

const MessageFactsSchema = z.looseObject({
  direction: DirectionSchema,
  channel: ChannelSchema,
  occurredAt: IsoTimestampSchema,
});

function messageContributions(item: Item): Contribution[] {
  const parsed = MessageFactsSchema.safeParse(item);
  if (!parsed.success) throw new UnreadableChangeError('an interaction item did not parse');
  const message = parsed.data;
  return [
    {
      day: dayOf(message.occurredAt),
      dimensions: ['all', channelDimension(message.channel)],
      counters: { [message.direction === 'inbound' ? COUNTER.inbound : COUNTER.outbound]: 1 },
    },
  ];
}

function readConversation(item: Item): Conversation {
  try {
    return conversationFromItem(item);
  } catch (error) {
    throw new UnreadableChangeError('a conversation item did not parse', { cause: error });
  }
}

function conversationContributions(before: Conversation | undefined, after: Conversation): Contribution[] {
  const contributions: Contribution[] = [];
  const channel = channelDimension(after.channel);
  const add = (at: string, dimensions: readonly Dimension[], counters: Counters) => {
    contributions.push({ day: dayOf(at), dimensions, counters });
  };
  const start = after.reopenedAt ?? after.openedAt;

  for (const event of conversationEvents(before, after)) {
    switch (event.type) {
      case 'conversation.opened':
        // A conversation's tier at its opening is routing's starting point, not a decision: by channel only.
        add(event.occurredAt, ['all', channel], { [COUNTER.opened]: 1 });
        break;
      case 'conversation.reopened':
        add(event.occurredAt, ['all', channel, tierDimension(event.tier)], { [COUNTER.reopened]: 1 });
        break;
      case 'conversation.escalated':
        add(event.occurredAt, ['all', channel, tierDimension(event.fromTier)], {
          [escalationCounter(event.reason)]: 1,
        });
        break;
      case 'sla.breached':
        add(event.occurredAt, ['all', channel, tierDimension(event.fromTier)], {
          [event.level === 'first-response' ? COUNTER.firstResponseBreaches : COUNTER.resolutionBreaches]: 1,
        });
        break;
      case 'conversation.resolved': {
        const withinSla =
          !breachedSince(after, start) &&
          after.resolvedAt !== undefined &&
          after.resolvedAt <= after.resolutionDueAt;
        add(event.occurredAt, ['all', channel, tierDimension(event.tier)], {
          [COUNTER.resolved]: 1,
          [COUNTER.resolutionMinutes]: event.resolutionMinutes,
          [resolutionBucketCounter(durationBucket(event.resolutionMinutes))]: 1,
          ...(event.automated ? { [COUNTER.resolvedByELevel]: 1 } : {}),
          ...(withinSla ? { [COUNTER.resolvedWithinSla]: 1 } : {}),
        });
        break;
      }
      default:
        break;
    }
  }

  const responded = after.firstRespondedAt;
  if (responded !== undefined && responded !== before?.firstRespondedAt && responded >= start) {
    const minutes = minutesBetween(start, responded);
    const withinSla =
      !breachedSince(after, start, 'first-response-breach') && responded <= after.firstResponseDueAt;
    add(responded, ['all', channel, tierDimension(after.tier)], {
      [COUNTER.responded]: 1,
      [COUNTER.firstResponseMinutes]: minutes,
      [firstResponseBucketCounter(durationBucket(minutes))]: 1,
      ...(withinSla ? { [COUNTER.respondedWithinSla]: 1 } : {}),
    });
  }

  const attempt = after.eLevel;
  if (
    attempt !== undefined &&
    (attempt.at !== before?.eLevel?.at || attempt.interactionId !== before.eLevel.interactionId)
  ) {
    add(attempt.at, ['all', channel, tierDimension('e')], {
      [attempt.outcome === 'answered' ? COUNTER.eLevelAnswered : COUNTER.eLevelHandedOff]: 1,
    });
  }

  const score = after.satisfaction;
  if (score !== undefined && score.at !== before?.satisfaction?.at) {
    add(score.at, ['all', channel, tierDimension(after.tier)], {
      [satisfactionCounter(score.score)]: 1,
      [COUNTER.satisfactionSum]: score.score,
    });
  }

  const tags = tagChanges(before?.tags ?? [], after.tags ?? []);
  if (Object.keys(tags).length > 0) add(after.openedAt, ['all', channel], tags);
  return contributions;
}

/** Whether a missed service level (of one kind, or either) moved the conversation since `start`. */
function breachedSince(
  conversation: Conversation,
  start: string,
  reason?: 'first-response-breach' | 'resolution-breach',
): boolean {
  return (conversation.escalations ?? []).some(
    (escalation) =>
      escalation.at >= start &&
      (reason === undefined
        ? escalation.reason === 'first-response-breach' || escalation.reason === 'resolution-breach'
        : escalation.reason === reason),
  );
}

/** +1 for each tag put on, -1 for each taken off. */
function tagChanges(before: readonly string[], after: readonly string[]): Counters {
  const counters: Counters = {};
  for (const tag of after) if (!before.includes(tag)) counters[tagCounter(tag)] = 1;
  for (const tag of before) if (!after.includes(tag)) counters[tagCounter(tag)] = -1;
  return counters;
}

const RecipientFactsSchema = z.looseObject({
  status: z.enum(['active', 'done']),
  // Any outcome name (shared/campaigns/store.ts RecipientOutcomeSchema), so a new one is counted too.
  outcome: z.optional(z.string().check(z.regex(/^[a-z][a-z-]{0,39}$/))),
  updatedAt: IsoTimestampSchema,
});

function recipientContributions(before: Item | undefined, after: Item): Contribution[] {
  const next = RecipientFactsSchema.safeParse(after);
  if (!next.success) throw new UnreadableChangeError('a campaign recipient item did not parse');
  if (next.data.status !== 'done' || next.data.outcome === undefined) return [];
  if (before !== undefined && RecipientFactsSchema.safeParse(before).data?.status === 'done') return [];
  return [
    {
      day: dayOf(next.data.updatedAt),
      dimensions: ['all'],
      counters: { [campaignOutcomeCounter(next.data.outcome)]: 1 },
    },
  ];
}

function dayOf(timestamp: string): string {
  return timestamp.slice(0, 10);
}

function minutesBetween(from: string, to: string): number {
  return Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 60_000));
}
