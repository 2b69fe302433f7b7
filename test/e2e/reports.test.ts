import { randomBytes, randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { LocalStack } from '../../local/stack.js';
import { identitySecretFromText, siteSignature } from '../../shared/identity/site-signature.js';
import { eventually } from '../support/eventually.js';
import { localApi } from '../support/local-api.js';
import { useLocalStack } from '../support/local-stack.js';
import { postLocalSms } from '../support/twilio.js';

/**
 * Issue 9's reporting on the local stack: customers write by web form, SMS and email; staff reply to
 * some, resolve some and tag some; the summary report (served from the aggregates the table's change
 * stream keeps) matches the counts computed independently from the customers' timelines and
 * conversations, as JSON and as CSV.
 */

const current = useLocalStack({ seed: false });
let stack: LocalStack;
beforeAll(() => {
  stack = current();
});

const call = localApi(() => stack);

const sign = (value: string) => siteSignature(identitySecretFromText(stack.info.identitySecret), value);

const CustomerSchema = z.looseObject({ customerId: z.string() });
const TimelineSchema = z.object({
  items: z.array(
    z.looseObject({
      conversationId: z.string(),
      channel: z.string(),
      direction: z.enum(['inbound', 'outbound']),
      occurredAt: z.string(),
    }),
  ),
});
const ConversationSchema = z.looseObject({
  conversationId: z.string(),
  status: z.string(),
  tier: z.string(),
  routingDecisions: z.array(z.unknown()).optional(),
  eLevel: z.looseObject({ outcome: z.string() }).optional(),
  firstRespondedAt: z.string().optional(),
  resolvedAt: z.string().optional(),
  tags: z.array(z.string()).optional(),
});
type Conversation = z.infer<typeof ConversationSchema>;
const MessagesSchema = z.object({ inbound: z.number(), outbound: z.number() });
const SummarySchema = z.looseObject({
  messages: MessagesSchema.optional(),
  conversations: z.looseObject({ opened: z.number().optional(), resolved: z.number() }),
  firstResponse: z.looseObject({ count: z.number() }),
  tags: z.record(z.string(), z.number()).optional(),
});
const ReportSchema = z.object({
  totals: SummarySchema,
  groups: z.array(SummarySchema.extend({ group: z.string() })),
  readUnits: z.number(),
  complete: z.boolean(),
});

/** POSTs a signed Twilio incoming-message webhook from `from`. */
async function sms(from: string, body: string): Promise<void> {
  const response = await postLocalSms(stack.info.twilio, from, body);
  expect(response.status).toBe(200);
}

async function webform(address: string, message: string): Promise<void> {
  const reply = await call('/v1/channels/webform', {
    method: 'POST',
    body: { email: address, emailSignature: sign(address), message },
  });
  expect(reply.status).toBe(202);
}

async function mail(address: string, subject: string, text: string): Promise<void> {
  const transport = createTransport({
    host: stack.info.smtp.host,
    port: stack.info.smtp.port,
    secure: false,
    ignoreTLS: true,
  });
  try {
    await transport.sendMail({ from: address, to: `help@${stack.info.smtp.domain}`, subject, text });
  } finally {
    transport.close();
  }
}

async function customerId(query: string): Promise<string> {
  return eventually(async () => {
    const reply = await call(`/v1/customers?${query}`, { role: 'agent' });
    return reply.status === 200 ? CustomerSchema.parse(reply.body).customerId : undefined;
  });
}

async function timeline(id: string) {
  const reply = await call(`/v1/customers/${id}/timeline?limit=100`, { role: 'agent' });
  return TimelineSchema.parse(reply.body).items;
}

async function conversation(id: string): Promise<Conversation> {
  return ConversationSchema.parse((await call(`/v1/conversations/${id}`, { role: 'supervisor' })).body);
}

/** Routed, and past the e-level when routing sent it there: nothing more happens without staff. */
function settled(found: Conversation): boolean {
  return (found.routingDecisions?.length ?? 0) > 0 && (found.tier !== 'e' || found.eLevel !== undefined);
}

/** What the report should say, computed from the timelines and conversations alone. */
interface Expected {
  readonly from: string;
  readonly to: string;
  readonly messages: Record<string, { inbound: number; outbound: number }>;
  readonly opened: Record<string, number>;
  readonly resolved: number;
  readonly responded: number;
  readonly tags: Record<string, number>;
}

async function expectedOf(customers: readonly string[]): Promise<Expected> {
  const items = (await Promise.all(customers.map(timeline))).flat();
  const days = items.map((item) => item.occurredAt.slice(0, 10)).sort();
  const messages: Record<string, { inbound: number; outbound: number }> = {};
  for (const item of items) {
    const counts = messages[item.channel] ?? { inbound: 0, outbound: 0 };
    counts[item.direction] += 1;
    messages[item.channel] = counts;
  }
  // A conversation counts on the channel of its first message.
  const firstChannel = new Map<string, string>();
  for (const item of [...items].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt))) {
    if (item.direction === 'inbound' && !firstChannel.has(item.conversationId)) {
      firstChannel.set(item.conversationId, item.channel);
    }
  }
  const conversations = await Promise.all([...firstChannel.keys()].map(conversation));
  const opened: Record<string, number> = {};
  for (const channel of firstChannel.values()) opened[channel] = (opened[channel] ?? 0) + 1;
  const tags: Record<string, number> = {};
  for (const tag of conversations.flatMap((found) => found.tags ?? [])) tags[tag] = (tags[tag] ?? 0) + 1;
  return {
    from: days[0] ?? '',
    to: days.at(-1) ?? '',
    messages,
    opened,
    resolved: conversations.filter((found) => found.status === 'resolved').length,
    responded: conversations.filter((found) => found.firstRespondedAt !== undefined).length,
    tags,
  };
}

describe('the summary report over messages on several channels', () => {
  const run = randomUUID().slice(0, 8);
  const addresses = [`ada-${run}@example.com`, `bob-${run}@example.com`, `cy-${run}@example.com`];
  const mailer = `dee-${run}@example.com`;
  const phones = ['+1415555', '+1415556'].map(
    (prefix) => `${prefix}${String(randomBytes(2).readUInt16BE() % 10_000).padStart(4, '0')}`,
  );
  const customers: string[] = [];
  let expected: Expected;

  it('records the messages, the replies, the resolutions and the tags', async () => {
    // Prepare: three web forms, two texts, one email.
    await webform(addresses[0] ?? '', 'My invoice was charged twice. This is unacceptable.');
    await webform(addresses[1] ?? '', 'How do I reset my password?');
    await webform(addresses[2] ?? '', 'Great service, thank you so much! What does the pro plan cost?');
    await sms(phones[0] ?? '', 'Where is my parcel?');
    await sms(phones[1] ?? '', 'AGENT');
    await mail(mailer, 'Parcel 4711', 'The parcel never arrived.');
    for (const address of [...addresses, mailer]) customers.push(await customerId(`email=${address}`));
    for (const number of phones) customers.push(await customerId(`phone=${encodeURIComponent(number)}`));
    const conversationIds = await eventually(async () => {
      const ids = [
        ...new Set((await Promise.all(customers.map(timeline))).flat().map((item) => item.conversationId)),
      ];
      const all = await Promise.all(ids.map(conversation));
      return ids.length === customers.length && all.every(settled) ? all : undefined;
    }, 20_000);
    const [ada, , , parcelByMail, parcelBySms] = await Promise.all(
      customers.map(async (id) => {
        const items = await timeline(id);
        return conversationIds.find((found) => found.conversationId === items[0]?.conversationId);
      }),
    );

    // Act: staff answer two concerns by reply, resolve them, and tag the emailed one.
    for (const [target, channel] of [
      [ada, 'email'],
      [parcelBySms, 'sms'],
    ] as const) {
      const id = target?.conversationId ?? '';
      const reply = await call(`/v1/conversations/${id}/replies`, {
        role: 'supervisor',
        method: 'POST',
        body: { channel, body: 'Sorted, sorry for the trouble.' },
      });
      expect({ status: reply.status, body: reply.body }).toMatchObject({ status: 201 });
      const resolved = await call(`/v1/conversations/${id}/resolve`, {
        role: 'supervisor',
        method: 'POST',
        body: { resolutionCode: 'answered' },
      });
      expect(resolved.status).toBe(200);
    }
    const tagged = await call(`/v1/conversations/${parcelByMail?.conversationId}/tags`, {
      role: 'agent',
      method: 'POST',
      body: { tags: ['shipping', 'product-feedback'] },
    });

    // Assess
    expect(tagged.status).toBe(200);
    expected = await expectedOf(customers);
    expect(expected.resolved).toBeGreaterThanOrEqual(2);
    expect(expected.tags).toMatchObject({ complaint: 1, praise: 1, shipping: 1, 'product-feedback': 1 });
  });

  it('reports by channel what the timelines and conversations say', async () => {
    // Act: the aggregates follow the change stream within moments.
    const report = await eventually(async () => {
      const reply = await call(
        `/v1/reports/summary?from=${expected.from}&to=${expected.to}&groupBy=channel`,
        {
          role: 'supervisor',
        },
      );
      const parsed = ReportSchema.parse(reply.body);
      return parsed.totals.conversations.resolved === expected.resolved &&
        parsed.totals.tags?.['product-feedback'] === 1
        ? parsed
        : undefined;
    });

    // Assess
    const byChannel = Object.fromEntries(report.groups.map((group) => [group.group, group]));
    for (const channel of ['email', 'sms', 'chat', 'webform']) {
      expect({ channel, ...byChannel[channel]?.messages }).toEqual({
        channel,
        ...(expected.messages[channel] ?? { inbound: 0, outbound: 0 }),
      });
      expect({ channel, opened: byChannel[channel]?.conversations.opened }).toEqual({
        channel,
        opened: expected.opened[channel] ?? 0,
      });
    }
    const inbound = Object.values(expected.messages).reduce((sum, counts) => sum + counts.inbound, 0);
    const outbound = Object.values(expected.messages).reduce((sum, counts) => sum + counts.outbound, 0);
    expect(report.totals.messages).toEqual({ inbound, outbound });
    expect(report.totals.conversations.resolved).toBe(expected.resolved);
    expect(report.totals.firstResponse.count).toBe(expected.responded);
    expect(report.totals.tags).toEqual(expected.tags);
    expect(report.complete).toBe(true);
  });

  it('gives marketing the same totals as CSV, and refuses agents', async () => {
    // Act
    const query = `from=${expected.from}&to=${expected.to}&groupBy=day`;
    const csv = await call(`/v1/reports/summary?${query}&format=csv`, { role: 'marketing' });
    const json = ReportSchema.parse((await call(`/v1/reports/summary?${query}`, { role: 'marketing' })).body);
    const agent = await call(`/v1/reports/summary?${query}`, { role: 'agent' });

    // Assess
    expect(csv.status).toBe(200);
    const [header = [], ...rows] = String(csv.body)
      .trimEnd()
      .split('\r\n')
      .map((line) => line.split(','));
    const total = rows.at(-1) ?? [];
    const cell = (name: string) => total[header.indexOf(name)];
    expect(header[0]).toBe('day');
    expect(total[0]).toBe('total');
    expect(cell('inbound')).toBe(String(json.totals.messages?.inbound));
    expect(cell('outbound')).toBe(String(json.totals.messages?.outbound));
    expect(cell('resolved')).toBe(String(expected.resolved));
    expect(cell('tag:complaint')).toBe('1');
    expect(agent.status).toBe(403);
  });
});
