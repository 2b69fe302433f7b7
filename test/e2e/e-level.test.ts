import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { LocalStack } from '../../local/stack.js';
import { eventually } from '../support/eventually.js';
import { localApi } from '../support/local-api.js';
import { useLocalStack } from '../support/local-stack.js';

/**
 * Issue 7 on the local stack: a web-form question reaches the e-level through the routing queue and the
 * tier-e FIFO queue, is answered by email from the seeded knowledge base and resolved; the reply AGENT
 * reopens it at tier 1, where it is pushed to an agent; a question the knowledge base cannot answer goes
 * to tier 1 at once. Every step is told on the local event bus.
 */

const current = useLocalStack({ seed: false });
let stack: LocalStack;
beforeAll(() => {
  stack = current();
});

const call = localApi(() => stack);

const CustomerSchema = z.looseObject({ customerId: z.string(), openConversationId: z.string().optional() });
const ConversationSchema = z.looseObject({
  conversationId: z.string(),
  status: z.string(),
  tier: z.string(),
  resolutionCode: z.string().optional(),
  assignee: z.object({ agentId: z.string() }).optional(),
  eLevel: z
    .looseObject({ outcome: z.string(), reason: z.string().optional(), title: z.string().optional() })
    .optional(),
  timeline: z.array(
    z.looseObject({ direction: z.string(), body: z.string(), authorId: z.string().optional() }),
  ),
});
const BusEventsSchema = z.object({
  events: z.array(
    z.object({
      event: z.looseObject({
        'detail-type': z.string(),
        source: z.string(),
        detail: z.looseObject({ conversationId: z.string(), eventId: z.string() }),
      }),
    }),
  ),
});

async function conversation(id: string) {
  return ConversationSchema.parse((await call(`/v1/conversations/${id}`, { role: 'supervisor' })).body);
}

/** The domain events of one conversation on the local bus, by detail-type, in publishing order. */
async function busEvents(conversationId: string): Promise<string[]> {
  const listed = BusEventsSchema.parse(await (await fetch(stack.info.events.eventsUrl)).json());
  return listed.events
    .map(({ event }) => event)
    .filter((event) => event.detail.conversationId === conversationId)
    .map((event) => event['detail-type']);
}

describe('the e-level on the local stack', () => {
  const address = `elevel-${Date.now()}@example.com`;
  let conversationId: string;

  it('answers a standard question by email from the knowledge base and resolves the concern', async () => {
    // Act
    const form = await call('/v1/channels/webform', {
      method: 'POST',
      body: { email: address, subject: 'Password', message: 'How do I reset my password? I forgot it.' },
    });

    // Assess
    expect(form.status).toBe(202);
    const customer = CustomerSchema.parse(
      (await call(`/v1/customers?email=${address}`, { role: 'agent' })).body,
    );
    conversationId = customer.openConversationId ?? '';
    const answered = await eventually(async () => {
      const view = await conversation(conversationId);
      return view.status === 'resolved' ? view : undefined;
    });
    expect(answered).toMatchObject({
      tier: 'e',
      resolutionCode: 'e-level-answer',
      eLevel: { outcome: 'answered', title: expect.stringMatching(/password/i) },
    });
    const answer = answered.timeline.find((item) => item.direction === 'outbound');
    expect(answer).toMatchObject({ authorId: 'e-level', body: expect.stringContaining('AGENT') });
    const sent = z
      .array(z.looseObject({ destination: z.looseObject({ to: z.array(z.string()) }) }))
      .parse(((await (await fetch(stack.info.outbox.sesUrl)).json()) as { emails: unknown }).emails);
    expect(sent.some((mail) => mail.destination.to.some((to) => to.includes(address)))).toBe(true);
    expect(
      await eventually(async () => {
        const events = await busEvents(conversationId);
        return events.includes('conversation.resolved') ? events : undefined;
      }),
    ).toEqual(['conversation.opened', 'conversation.resolved']);
  });

  it('reopens the concern at tier 1 on the reply AGENT, with the answer attached, and pushes it to an agent', async () => {
    // Act: the customer answers AGENT from the same form.
    const reply = await call('/v1/channels/webform', {
      method: 'POST',
      body: { email: address, subject: 'Password', message: 'AGENT' },
    });

    // Assess
    expect(reply.status).toBe(202);
    const pushed = await eventually(async () => {
      const view = await conversation(conversationId);
      return view.assignee ? view : undefined;
    });
    expect(pushed).toMatchObject({ status: 'open', tier: '1', eLevel: { outcome: 'answered' } });
    expect(stack.info.agents.find((agent) => agent.id === pushed.assignee?.agentId)?.skills).toContain(
      'general',
    );
    const events = await eventually(async () => {
      const published = await busEvents(conversationId);
      return published.includes('conversation.assigned') ? published : undefined;
    });
    expect(events).toEqual([
      'conversation.opened',
      'conversation.resolved',
      'conversation.reopened',
      'conversation.assigned',
    ]);
  });

  it('hands a question the knowledge base cannot answer to tier 1 with its attempt', async () => {
    // Act
    await call('/v1/channels/webform', {
      method: 'POST',
      body: {
        email: `other-${address}`,
        message: 'My neighbour says your van blocked the street yesterday.',
      },
    });

    // Assess
    const customer = CustomerSchema.parse(
      (await call(`/v1/customers?email=other-${address}`, { role: 'agent' })).body,
    );
    const handed = await eventually(async () => {
      const view = await conversation(customer.openConversationId ?? '');
      return view.eLevel ? view : undefined;
    });
    expect(handed).toMatchObject({
      status: 'open',
      eLevel: { outcome: 'handed-off', reason: 'low-confidence' },
    });
    expect(handed.timeline.filter((item) => item.direction === 'outbound')).toEqual([]);
    const events = await eventually(async () => {
      const published = await busEvents(handed.conversationId);
      return published.includes('conversation.escalated') ? published : undefined;
    });
    expect(events.slice(0, 2)).toEqual(['conversation.opened', 'conversation.escalated']);
  });
});
