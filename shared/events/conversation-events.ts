import type { Conversation, Escalation } from '../schemas/index.js';

/**
 * Domain events of a conversation's life, for campaigns and reporting. They are derived from the
 * conversation as it was and as it is after each write (the table's change stream on AWS, the local
 * emulator's stream locally), so every path that changes a conversation (ingest, routing, agents, the
 * e-level, the service-level sweep) emits the same events without a write of its own, and an event
 * exists exactly when its change was stored. Events carry ids and routing facts, never personal data
 * or message text.
 */

export const EVENT_SOURCE = 'carebridge.conversations';

export type DomainEventType =
  | 'conversation.opened'
  | 'conversation.assigned'
  | 'conversation.escalated'
  | 'conversation.resolved'
  | 'conversation.reopened'
  | 'sla.breached';

/** What every event says about its conversation. */
interface EventBase {
  /** Deterministic: the same change yields the same id, so a consumer drops a redelivered event by it. */
  readonly eventId: string;
  readonly occurredAt: string;
  readonly conversationId: string;
  readonly customerId: string;
  readonly channel: Conversation['channel'];
  readonly tier: Conversation['tier'];
  readonly skill?: string;
  readonly priority: Conversation['priority'];
  readonly routingVersion: string;
}

export type DomainEvent =
  | (EventBase & { readonly type: 'conversation.opened' })
  | (EventBase & { readonly type: 'conversation.assigned'; readonly agentId: string })
  | (EventBase & {
      readonly type: 'conversation.escalated';
      readonly reason: Escalation['reason'];
      readonly fromTier: Conversation['tier'];
      readonly toTier: Conversation['tier'];
      readonly by?: string;
    })
  | (EventBase & {
      readonly type: 'conversation.resolved';
      readonly resolutionCode?: string;
      /** Minutes from opening (or reopening) to the first response and to resolution. */
      readonly firstResponseMinutes?: number;
      readonly resolutionMinutes: number;
      /** Whether the e-level answered it. */
      readonly automated: boolean;
    })
  | (EventBase & { readonly type: 'conversation.reopened' })
  | (EventBase & {
      readonly type: 'sla.breached';
      readonly level: 'first-response' | 'resolution';
      readonly fromTier: Conversation['tier'];
      readonly toTier: Conversation['tier'];
    });

/** The events of one stored change of a conversation, in the order they happened. */
export function conversationEvents(
  before: Conversation | undefined,
  after: Conversation | undefined,
): DomainEvent[] {
  if (after === undefined) return [];
  const base = (type: DomainEventType, at: string) => ({
    eventId: `${after.conversationId}:${type}:${at}`,
    occurredAt: at,
    conversationId: after.conversationId,
    customerId: after.customerId,
    channel: after.channel,
    tier: after.tier,
    ...(after.skill ? { skill: after.skill } : {}),
    priority: after.priority,
    routingVersion: after.slaPolicyVersion,
  });
  const events: DomainEvent[] = [];
  if (before === undefined)
    events.push({ ...base('conversation.opened', after.openedAt), type: 'conversation.opened' });
  if (after.reopenedAt !== undefined && after.reopenedAt !== before?.reopenedAt) {
    events.push({ ...base('conversation.reopened', after.reopenedAt), type: 'conversation.reopened' });
  }
  const known = new Set((before?.escalations ?? []).map(escalationKey));
  for (const escalation of after.escalations ?? []) {
    if (known.has(escalationKey(escalation))) continue;
    const breach = BREACH_LEVEL[escalation.reason];
    if (breach) {
      events.push({
        ...base('sla.breached', `${escalation.at}#${breach}`),
        occurredAt: escalation.at,
        type: 'sla.breached',
        level: breach,
        fromTier: escalation.fromTier,
        toTier: escalation.toTier,
      });
    }
    events.push({
      ...base('conversation.escalated', `${escalation.at}#${escalation.reason}`),
      occurredAt: escalation.at,
      type: 'conversation.escalated',
      reason: escalation.reason,
      fromTier: escalation.fromTier,
      toTier: escalation.toTier,
      ...(escalation.by ? { by: escalation.by } : {}),
    });
  }
  const assignee = after.assignee;
  if (
    assignee &&
    (before?.assignee?.agentId !== assignee.agentId || before.assignee.assignedAt !== assignee.assignedAt)
  ) {
    events.push({
      ...base('conversation.assigned', `${assignee.assignedAt}#${assignee.agentId}`),
      occurredAt: assignee.assignedAt,
      type: 'conversation.assigned',
      agentId: assignee.agentId,
    });
  }
  if (after.status === 'resolved' && before?.status !== 'resolved' && after.resolvedAt) {
    const from = after.reopenedAt ?? after.openedAt;
    events.push({
      ...base('conversation.resolved', after.resolvedAt),
      type: 'conversation.resolved',
      ...(after.resolutionCode ? { resolutionCode: after.resolutionCode } : {}),
      ...(after.firstRespondedAt && after.firstRespondedAt >= from
        ? { firstResponseMinutes: minutesBetween(from, after.firstRespondedAt) }
        : {}),
      resolutionMinutes: minutesBetween(from, after.resolvedAt),
      automated: after.eLevel?.outcome === 'answered' && after.eLevel.at <= after.resolvedAt,
    });
  }
  return events;
}

const BREACH_LEVEL: Partial<Record<Escalation['reason'], 'first-response' | 'resolution'>> = {
  'first-response-breach': 'first-response',
  'resolution-breach': 'resolution',
};

function escalationKey(escalation: Escalation): string {
  return `${escalation.at}#${escalation.reason}#${escalation.toTier}#${escalation.skill ?? ''}`;
}

function minutesBetween(from: string, to: string): number {
  return Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 60_000));
}
