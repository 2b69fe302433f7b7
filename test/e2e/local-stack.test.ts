import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import type { LocalStack } from '../../local/stack.js';
import { eventually } from '../support/eventually.js';
import { type ApiReply, localApi } from '../support/local-api.js';
import { useLocalStack } from '../support/local-stack.js';

/**
 * The whole local stack on free ports, driven over HTTP like a client would: web form in, staff API
 * out, the routing consumer in between. Waits poll for a condition with a bound; nothing is timed.
 */

const current = useLocalStack();
let stack: LocalStack;
beforeAll(() => {
  stack = current();
});

const call = localApi(() => stack);

function submitWebForm(submission: Record<string, unknown>): Promise<ApiReply> {
  return call('/v1/channels/webform', { method: 'POST', body: submission });
}

/** The web form's public answer: the recorded message, nothing about any customer. */
const ReceiptSchema = z.strictObject({ interactionId: z.string() });
interface Ids {
  readonly customerId: string;
  readonly conversationId: string;
  readonly interactionId: string;
}
const ValidationReplySchema = z.object({
  issues: z.array(z.object({ field: z.string(), message: z.string() })),
});
const CustomerSchema = z.object({
  customerId: z.string(),
  lastInteractionAt: z.string().optional(),
  openConversationId: z.string().optional(),
});
const ConversationSchema = z.object({
  customerId: z.string(),
  status: z.string(),
  lastInboundAt: z.string().optional(),
});
const RoutedSchema = z.looseObject({
  tier: z.string(),
  skill: z.string().optional(),
  routingDecisions: z.array(z.object({ rules: z.array(z.string()) })).default([]),
});
const TimelineSchema = z.object({
  items: z.array(
    z.looseObject({ interactionId: z.string(), subject: z.string().optional(), occurredAt: z.string() }),
  ),
});

describe('local stack, end to end', () => {
  const run = randomUUID().slice(0, 8);
  const email = `e2e-${run}@example.com`;
  const first = {
    email: `  E2E-${run}@Example.com `,
    name: 'Edith Clarke',
    subject: 'Invoice',
    message: 'My invoice shows the wrong address.',
    submissionId: `e2e-${run}-1`,
  };
  let ids: Ids;

  /** What staff see of the customer holding `address`: its id and open conversation. */
  async function customerOf(address: string) {
    const found = await call(`/v1/customers?email=${encodeURIComponent(address)}`, { role: 'agent' });
    expect(found.status).toBe(200);
    return CustomerSchema.parse(found.body);
  }

  it('serves the local routes only on 127.0.0.1', () => {
    const urls = [
      stack.info.apiUrl,
      stack.info.dynamodb.endpoint,
      stack.info.sqs.endpoint,
      stack.info.ses.endpoint,
    ];
    for (const url of urls) expect(new URL(url).hostname).toBe('127.0.0.1');
  });

  it('records a web form and answers 202 with the interaction id only', async () => {
    // Act
    const reply = await submitWebForm(first);

    // Assess
    expect(reply.status).toBe(202);
    const { interactionId } = ReceiptSchema.parse(reply.body);
    const customer = await customerOf(email);
    ids = {
      customerId: customer.customerId,
      conversationId: customer.openConversationId ?? '',
      interactionId,
    };
  });

  it('answers the same when the same submission is sent again, and 409 when its id is reused', async () => {
    // Act
    const again = await submitWebForm(first);
    const reused = await submitWebForm({ ...first, message: 'Another text under the same id.' });

    // Assess
    expect(again).toEqual({ status: 202, body: { interactionId: ids.interactionId } });
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({ error: 'idempotency_key_reused' });
  });

  it('rejects bad input with 400 naming the fields and writes nothing', async () => {
    // Prepare
    const rejectedEmail = `rejected-${run}@example.com`;

    // Act
    const reply = await submitWebForm({ email: rejectedEmail, phone: 'call me maybe', message: '   ' });
    const lookup = await call(`/v1/customers?email=${encodeURIComponent(rejectedEmail)}`, { role: 'agent' });

    // Assess
    expect(reply.status).toBe(400);
    const { issues } = ValidationReplySchema.parse(reply.body);
    expect(issues.map((issue) => issue.field).sort()).toEqual(['message', 'phone']);
    expect(lookup.status).toBe(404);
  });

  it('finds the customer by email for an agent, 401 without a token, 403 for marketing', async () => {
    // Act
    const path = `/v1/customers?email=${encodeURIComponent(email)}`;
    const [agent, anonymous, marketing] = await Promise.all([
      call(path, { role: 'agent' }),
      call(path),
      call(path, { role: 'marketing' }),
    ]);

    // Assess
    expect(agent.status).toBe(200);
    expect(agent.body).toMatchObject({ customerId: ids.customerId, name: 'Edith Clarke' });
    expect(anonymous).toEqual({ status: 401, body: { message: 'Unauthorized' } });
    expect(marketing.status).toBe(403);
  });

  it('shows the customer and the interaction on the timeline', async () => {
    // Act
    const customer = await call(`/v1/customers/${ids.customerId}`, { role: 'supervisor' });
    const timeline = await call(`/v1/customers/${ids.customerId}/timeline`, { role: 'agent' });

    // Assess
    expect(customer.status).toBe(200);
    expect(customer.body).toMatchObject({
      customerId: ids.customerId,
      identities: [{ kind: 'email', value: email, trust: 'claimed' }],
    });
    expect(timeline.status).toBe(200);
    expect(TimelineSchema.parse(timeline.body).items).toEqual([
      expect.objectContaining({ interactionId: ids.interactionId, channel: 'webform', subject: 'Invoice' }),
    ]);
  });

  it('adds a second submission claiming the same email to the same timeline, newest first', async () => {
    // Act
    const second = await submitWebForm({
      email,
      subject: 'Invoice, again',
      message: 'Any news on the address?',
      submissionId: `e2e-${run}-2`,
    });
    const timeline = await call(`/v1/customers/${ids.customerId}/timeline`, { role: 'agent' });

    // Assess
    expect(second.status).toBe(202);
    const { interactionId } = ReceiptSchema.parse(second.body);
    const { items } = TimelineSchema.parse(timeline.body);
    expect(items.map((item) => item.interactionId)).toEqual([interactionId, ids.interactionId]);
  });

  it('has the routing consumer record the latest inbound on the conversation', async () => {
    // Prepare
    const timeline = await call(`/v1/customers/${ids.customerId}/timeline`, { role: 'agent' });
    const [latest] = TimelineSchema.parse(timeline.body).items;

    // Act
    const conversation = await eventually(async () => {
      const reply = await call(`/v1/conversations/${ids.conversationId}`, { role: 'agent' });
      const current = ConversationSchema.parse(reply.body);
      return current.lastInboundAt === latest?.occurredAt ? current : undefined;
    });
    const customer = CustomerSchema.parse(
      (await call(`/v1/customers/${ids.customerId}`, { role: 'agent' })).body,
    );

    // Assess
    expect(conversation).toMatchObject({ status: 'open', customerId: ids.customerId });
    expect(customer.openConversationId).toBe(ids.conversationId);
    expect(customer.lastInteractionAt?.slice(0, 10)).toBe(latest?.occurredAt.slice(0, 10));
  });

  it('seeded the demo web forms through the gateway', async () => {
    // Act
    const ada = await call('/v1/customers?email=ada@example.com', { role: 'admin' });
    const { customerId } = CustomerSchema.parse(ada.body);
    const timeline = await call(`/v1/customers/${customerId}/timeline`, { role: 'admin' });

    // Assess
    expect(stack.seeded).toHaveLength(4);
    expect(ada.status).toBe(200);
    expect(TimelineSchema.parse(timeline.body).items.map((item) => item.subject)).toEqual([
      'Re: Billing question',
      'Billing question',
    ]);
  });

  it('routes by the definition: a billing message gets the billing skill and the rule that fired', async () => {
    // Act
    const conversation = await eventually(async () => {
      const reply = await call(`/v1/conversations/${ids.conversationId}`, { role: 'agent' });
      const body = RoutedSchema.parse(reply.body);
      return body.routingDecisions.length >= 2 ? body : undefined;
    });

    // Assess: "invoice" fired the billing rule for both messages (the second, a moment later, is no chase).
    expect(conversation).toMatchObject({ skill: 'billing', tier: '1' });
    expect(conversation.routingDecisions.map((decision) => decision.rules)).toEqual([
      ['billing'],
      ['billing'],
    ]);
  });

  it('dry-runs a candidate routing definition for a supervisor only, and names a broken field', async () => {
    // Prepare
    const definition = JSON.parse(await readFile(join('shared', 'routing', 'definition.json'), 'utf8'));
    const candidate = {
      ...definition,
      version: `candidate-${run}`,
      rules: [{ id: 'all-to-sales', when: { keywords: ['invoice'] }, route: { skill: 'sales' } }],
    };

    // Act
    const supervisor = await call('/v1/routing/simulate', {
      method: 'POST',
      role: 'supervisor',
      body: { definition: candidate },
    });
    const agent = await call('/v1/routing/simulate', {
      method: 'POST',
      role: 'agent',
      body: { definition: candidate },
    });
    const broken = await call('/v1/routing/simulate', {
      method: 'POST',
      role: 'supervisor',
      body: {
        definition: { ...candidate, rules: [{ id: 'x', when: { keywords: ['a'] }, route: { tier: '9' } }] },
      },
    });

    // Assess
    expect(supervisor.status).toBe(200);
    expect(supervisor.body).toMatchObject({
      inForce: { version: definition.version },
      candidate: { version: candidate.version },
    });
    expect(agent.status).toBe(403);
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ issues: [{ field: 'definition.rules.0.route.tier' }] });
  });

  it('stamps a submission with warped time when CAREBRIDGE_CLOCK_OFFSET_MS is set', async () => {
    // Prepare
    const threeDays = 3 * 24 * 60 * 60 * 1000;
    vi.stubEnv('CAREBRIDGE_CLOCK_OFFSET_MS', String(threeDays));
    const before = Date.now();

    // Act
    const reply = await submitWebForm({
      email: `warp-${run}@example.com`,
      message: 'Written three days from now.',
      submissionId: `e2e-${run}-warp`,
    });
    expect(reply.status).toBe(202);
    const { customerId } = await customerOf(`warp-${run}@example.com`);
    const timeline = await call(`/v1/customers/${customerId}/timeline`, { role: 'agent' });

    // Assess
    const [item] = TimelineSchema.parse(timeline.body).items;
    expect(Date.parse(item?.occurredAt ?? '')).toBeGreaterThanOrEqual(before + threeDays);
  });
});
