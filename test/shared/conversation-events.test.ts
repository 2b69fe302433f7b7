import { describe, expect, it } from 'vitest';
import { conversationEvents } from '../../shared/events/conversation-events.js';
import type { Conversation } from '../../shared/schemas/index.js';

const opened: Conversation = {
  conversationId: '01JDQ3V9XK4T2B7Y8Z0M5N6C01',
  customerId: '01JDQ3V9XK4T2B7Y8Z0M5N6C02',
  status: 'open',
  channel: 'webform',
  tier: '1',
  skill: 'billing',
  priority: 'normal',
  openedAt: '2026-11-26T09:00:00.000Z',
  slaPolicyVersion: '2026-11-v3',
  firstResponseDueAt: '2026-11-26T17:00:00.000Z',
  resolutionDueAt: '2026-11-29T09:00:00.000Z',
  updatedAt: '2026-11-26T09:00:00.000Z',
};

const types = (events: ReturnType<typeof conversationEvents>) => events.map((event) => event.type);

describe('domain events of a conversation change', () => {
  it('opens once, on the write that created the conversation, with ids and routing facts only', () => {
    const events = conversationEvents(undefined, opened);

    expect(events).toEqual([
      {
        type: 'conversation.opened',
        eventId: `${opened.conversationId}:conversation.opened:${opened.openedAt}`,
        occurredAt: opened.openedAt,
        conversationId: opened.conversationId,
        customerId: opened.customerId,
        channel: 'webform',
        tier: '1',
        skill: 'billing',
        priority: 'normal',
        routingVersion: '2026-11-v3',
      },
    ]);
    expect(conversationEvents(opened, { ...opened, lastInboundAt: '2026-11-26T09:05:00.000Z' })).toEqual([]);
  });

  it('tells an assignment, an escalation with its breach, a resolution with its times, and a reopening', () => {
    const assigned = { ...opened, assignee: { agentId: 'agent-1', assignedAt: '2026-11-26T09:10:00.000Z' } };
    const breached: Conversation = {
      ...opened,
      tier: '2',
      escalations: [
        {
          at: '2026-11-26T17:00:01.000Z',
          reason: 'first-response-breach',
          fromTier: '1',
          toTier: '2',
          fromPriority: 'normal',
          toPriority: 'normal',
        },
      ],
    };
    const resolved: Conversation = {
      ...breached,
      status: 'resolved',
      firstRespondedAt: '2026-11-26T18:00:00.000Z',
      resolvedAt: '2026-11-26T19:00:00.000Z',
      resolutionCode: 'answered',
    };
    const reopened: Conversation = { ...resolved, status: 'open', reopenedAt: '2026-11-27T08:00:00.000Z' };

    expect(types(conversationEvents(opened, assigned))).toEqual(['conversation.assigned']);
    expect(conversationEvents(opened, assigned)[0]).toMatchObject({ agentId: 'agent-1' });
    expect(types(conversationEvents(assigned, breached))).toEqual(['sla.breached', 'conversation.escalated']);
    expect(conversationEvents(assigned, breached)[0]).toMatchObject({
      level: 'first-response',
      fromTier: '1',
      toTier: '2',
    });
    expect(conversationEvents(breached, resolved)).toEqual([
      expect.objectContaining({
        type: 'conversation.resolved',
        resolutionCode: 'answered',
        firstResponseMinutes: 540,
        resolutionMinutes: 600,
        automated: false,
      }),
    ]);
    expect(types(conversationEvents(resolved, reopened))).toEqual(['conversation.reopened']);
  });

  it('gives the same change the same event ids, so a redelivered change is recognised', () => {
    const assigned = { ...opened, assignee: { agentId: 'agent-1', assignedAt: '2026-11-26T09:10:00.000Z' } };

    expect(conversationEvents(opened, assigned)).toEqual(conversationEvents(opened, assigned));
    expect(conversationEvents(undefined, undefined)).toEqual([]);
  });
});
