import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { LocalStack } from '../../local/stack.js';
import { setContactPreferences } from '../../shared/campaigns/ledger-store.js';
import { issueUnsubscribeToken } from '../../shared/campaigns/unsubscribe-link.js';
import { systemClock } from '../../shared/clock.js';
import { identitySecretFromText, siteSignature } from '../../shared/identity/site-signature.js';
import { createDb } from '../../shared/store/db.js';
import { eventually } from '../support/eventually.js';
import { localApi } from '../support/local-api.js';
import { useLocalStack } from '../support/local-stack.js';
import { postLocalSms } from '../support/twilio.js';

/**
 * Issue 8 on the local stack: a retention campaign from events/campaigns/retention.json over a seeded
 * segment, run by the synthesized state machine in aws-local-stepfunctions with the stack's clock
 * advanced over its waits, shows every branch; a follow-up campaign surveys a resolved SMS conversation
 * and a low score reopens it at tier 2.
 */

const current = useLocalStack({ seed: false });
let stack: LocalStack;
beforeAll(() => {
  stack = current();
});
const call = localApi(() => stack);

const run = randomBytes(3).toString('hex');
const sign = (value: string) => siteSignature(identitySecretFromText(stack.info.identitySecret), value);

const CustomerSchema = z.looseObject({
  customerId: z.string(),
  openConversationId: z.string().optional(),
});
const ConversationSchema = z.looseObject({
  conversationId: z.string(),
  status: z.string(),
  tier: z.string(),
  subject: z.string().optional(),
  satisfaction: z.object({ score: z.number() }).optional(),
  notes: z.array(z.object({ text: z.string() })).optional(),
});
const RecipientsSchema = z.object({
  recipients: z.array(
    z.looseObject({
      customerId: z.string(),
      status: z.string(),
      outcome: z.string().optional(),
      reason: z.string().optional(),
      stepIndex: z.number(),
      history: z.array(z.object({ stepId: z.string(), result: z.string() })),
    }),
  ),
  cursor: z.string().optional(),
});
const SesStoreSchema = z.object({
  emails: z.array(
    z.looseObject({ destination: z.object({ to: z.array(z.string()) }), subject: z.string().optional() }),
  ),
});
const SmsOutboxSchema = z.object({ messages: z.array(z.object({ to: z.string(), body: z.string() })) });

async function advanceClock(hours: number): Promise<void> {
  const response = await fetch(stack.info.clock.advanceUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ seconds: hours * 3600 }),
  });
  expect(response.status).toBe(200);
}

/** A customer who signed up on the site (signed identities) and opted in to offers. */
async function signedUp(label: string, withPhone: boolean) {
  const email = `${label}-${run}@example.com`;
  const phone = withPhone ? `+1415555${String(Math.floor(1000 + Math.random() * 8999))}` : undefined;
  const form = await call('/v1/channels/webform', {
    method: 'POST',
    body: {
      email,
      emailSignature: sign(email),
      ...(phone ? { phone, phoneSignature: sign(phone) } : {}),
      name: `${label[0]?.toUpperCase()}${label.slice(1)} Tester`,
      message: `Hello, this is ${label}: please update my delivery address to the new flat.`,
      marketingConsent: true,
    },
  });
  expect(form.status).toBe(202);
  const customer = CustomerSchema.parse((await call(`/v1/customers?email=${email}`, { role: 'agent' })).body);
  return {
    label,
    email,
    phone,
    customerId: customer.customerId,
    conversationId: customer.openConversationId,
  };
}

async function conversation(id: string) {
  return ConversationSchema.parse((await call(`/v1/conversations/${id}`, { role: 'supervisor' })).body);
}

/** Resolves a concern once routing has placed it (the e-level may have resolved it already). */
async function resolved(conversationId: string | undefined): Promise<void> {
  if (!conversationId) return;
  await eventually(async () => {
    const view = await conversation(conversationId);
    if (view.status === 'resolved') return true;
    const reply = await call(`/v1/conversations/${conversationId}/resolve`, {
      method: 'POST',
      role: 'supervisor',
      body: { resolutionCode: 'answered' },
    });
    return reply.status === 200 ? true : undefined;
  });
}

async function recipients(campaignId: string) {
  return RecipientsSchema.parse(
    (await call(`/v1/campaigns/${campaignId}/recipients?limit=100`, { role: 'marketing' })).body,
  ).recipients;
}

async function emailsTo(address: string) {
  const store = SesStoreSchema.parse(await (await fetch(stack.info.outbox.sesUrl)).json());
  return store.emails.filter((mail) => mail.destination.to.includes(address));
}

async function smsTo(phone: string) {
  const outbox = await fetch(`${stack.info.outbox.smsUrl}?to=${encodeURIComponent(phone)}`);
  return SmsOutboxSchema.parse(await outbox.json()).messages;
}

describe('a retention campaign on the local stack', () => {
  const retention = async () => JSON.parse(await readFile('events/campaigns/retention.json', 'utf8'));
  let customers: Record<
    'replier' | 'optout' | 'night' | 'silent' | 'busy',
    Awaited<ReturnType<typeof signedUp>>
  >;
  let campaignId: string;

  it('accepts the ready retention and follow-up drafts as they are, and refuses a broken one naming the field', async () => {
    const followup = JSON.parse(await readFile('events/campaigns/followup.json', 'utf8'));
    const draft = await retention();

    const created = await call('/v1/campaigns', { method: 'POST', role: 'marketing', body: draft });
    const createdFollowup = await call('/v1/campaigns', {
      method: 'POST',
      role: 'marketing',
      body: followup,
    });
    const broken = await call('/v1/campaigns', {
      method: 'POST',
      role: 'marketing',
      body: {
        ...draft,
        segment: { lastInteractionOlderThanDays: 0 },
        steps: [{ ...draft.steps[0], templates: { email: { subject: 'Hi {{nickname}}', body: 'x' } } }],
      },
    });
    const asAgent = await call('/v1/campaigns', { method: 'POST', role: 'agent', body: draft });

    expect(created.status).toBe(201);
    expect(createdFollowup.status).toBe(201);
    expect(broken.status).toBe(400);
    expect(JSON.stringify(broken.body)).toContain('segment.lastInteractionOlderThanDays');
    expect(JSON.stringify(broken.body)).toContain('steps.0.templates.email.subject');
    expect(asAgent.status).toBe(403);
  });

  it('seeds customers who have been quiet for a month', async () => {
    customers = {
      replier: await signedUp('replier', true),
      optout: await signedUp('optout', false),
      night: await signedUp('night', true),
      silent: await signedUp('silent', true),
      busy: await signedUp('busy', true),
    };
    // Everyone's concern is settled except the busy customer's, which stays open.
    for (const key of ['replier', 'optout', 'night', 'silent'] as const)
      await resolved(customers[key].conversationId);
    await advanceClock(31 * 24);
    // Where everyone lives decides their quiet hours (21:00-08:00): the night owl's zone is at 07:xx now,
    // so the offer waits for 08:00; the others' zones are at noon, whenever this test runs.
    const db = createDb(stack.info.dynamodb.tableName);
    const now = new Date(systemClock.now());
    for (const [key, customer] of Object.entries(customers)) {
      const timeZone = zoneAt(key === 'night' ? 7 : 12, now);
      await setContactPreferences(db, customer.customerId, { timeZone }, systemClock);
    }
  });

  it('previews the segment without sending, then launches once; a second launch is 409', async () => {
    // The e2e keeps the busy customer (open conversation) in the segment, to show the suppression.
    const draft = await retention();
    const created = await call('/v1/campaigns', {
      method: 'POST',
      role: 'marketing',
      body: { ...draft, segment: { lastInteractionOlderThanDays: 30, channels: ['email', 'sms'] } },
    });
    campaignId = z.object({ campaignId: z.string() }).parse(created.body).campaignId;

    const preview = await call(`/v1/campaigns/${campaignId}/preview`, { method: 'POST', role: 'marketing' });
    const launch = await call(`/v1/campaigns/${campaignId}/launch`, { method: 'POST', role: 'marketing' });
    const again = await call(`/v1/campaigns/${campaignId}/launch`, { method: 'POST', role: 'marketing' });

    expect(preview.status).toBe(200);
    const counted = z
      .object({ segment: z.object({ count: z.number() }), samples: z.array(z.object({ body: z.string() })) })
      .parse(preview.body);
    expect(counted.segment.count).toBeGreaterThanOrEqual(5);
    expect(counted.samples[0]?.body).toContain('WELCOME-BACK');
    expect(launch.status).toBe(200);
    expect(again.status).toBe(409);
  });

  it('sends the offer by email, defers the night owl, and holds back the customer with an open conversation', async () => {
    const mine = await eventually(async () => {
      const list = (await recipients(campaignId)).filter((recipient) =>
        Object.values(customers).some((customer) => customer.customerId === recipient.customerId),
      );
      const settled = list.filter((recipient) => recipient.history.length > 0);
      return settled.length === 5 ? list : undefined;
    }, 20_000);
    const of = (key: keyof typeof customers) =>
      mine.find((recipient) => recipient.customerId === customers[key].customerId);

    expect(of('busy')).toMatchObject({ status: 'done', outcome: 'suppressed', reason: 'open-conversation' });
    expect(of('night')?.history[0]?.result).toBe('deferred:quiet-hours');
    for (const key of ['replier', 'optout', 'silent'] as const) {
      expect(of(key)?.history[0]?.result).toBe('sent:email');
      expect(await emailsTo(customers[key].email)).toEqual([
        expect.objectContaining({ subject: expect.stringContaining('We miss you') }),
      ]);
    }
    expect(await emailsTo(customers.busy.email)).toEqual([]);
  });

  it('stops the one who replies (the reply is routed) and the one who unsubscribes; the silent one gets an SMS', async () => {
    // The replier answers by the web form; the opt-out presses their mail client's Unsubscribe button.
    const reply = await call('/v1/channels/webform', {
      method: 'POST',
      body: {
        email: customers.replier.email,
        emailSignature: sign(customers.replier.email),
        message: 'Thanks! Yes, I would like to order again with the code.',
      },
    });
    const token = await issueUnsubscribeToken(
      identitySecretFromText(stack.info.identitySecret),
      { customerId: customers.optout.customerId, channel: 'email', campaignId },
      systemClock,
    );
    const unsubscribed = await fetch(`${stack.info.apiUrl}/v1/unsubscribe?token=${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(reply.status).toBe(202);
    expect(unsubscribed.status).toBe(200);

    // The offer's wait (72 hours) passes.
    await advanceClock(73);

    const mine = await eventually(async () => {
      const list = await recipients(campaignId);
      const of = (key: keyof typeof customers) =>
        list.find((recipient) => recipient.customerId === customers[key].customerId);
      return of('replier')?.status === 'done' &&
        of('optout')?.status === 'done' &&
        (of('silent')?.stepIndex ?? 0) >= 3
        ? of
        : undefined;
    }, 20_000);
    expect(mine('replier')).toMatchObject({ outcome: 'replied' });
    expect(mine('optout')).toMatchObject({ outcome: 'opted-out' });
    expect(mine('silent')?.history.map((entry) => entry.result)).toContain('sent:sms');
    const silentPhone = customers.silent.phone ?? '';
    const texts = await smsTo(silentPhone);
    expect(texts).toEqual([expect.objectContaining({ body: expect.stringContaining('WELCOME-BACK') })]);
    expect(texts[0]?.body).toMatch(/STOP/);
    expect(await emailsTo(customers.optout.email)).toHaveLength(1);
    // The night owl got the offer once the night was over.
    expect(mine('night')?.history.map((entry) => entry.result)).toContain('sent:email');
  });

  it('opens a tier 1 personal contact for the one who stayed silent, and counts every step', async () => {
    await advanceClock(73);

    const silent = await eventually(async () => {
      const list = await recipients(campaignId);
      const recipient = list.find((candidate) => candidate.customerId === customers.silent.customerId);
      return recipient?.status === 'done' ? recipient : undefined;
    }, 20_000);
    // The worker adds a batch's counts once the batch is done.
    const campaign = await eventually(async () => {
      const view = z
        .object({ counters: z.record(z.string(), z.record(z.string(), z.number())) })
        .parse((await call(`/v1/campaigns/${campaignId}`, { role: 'marketing' })).body);
      return view.counters['personal-contact'] ? view : undefined;
    });

    expect(silent).toMatchObject({ outcome: 'escalated' });
    expect(campaign.counters.offer).toMatchObject({
      targeted: expect.any(Number),
      sent: expect.any(Number),
      deferred: expect.any(Number),
      'suppressed:open-conversation': expect.any(Number),
    });
    // A reply is noticed when the wait after the offer ends; the opt-out when the follow-up would go out.
    expect(campaign.counters['wait-offer']).toMatchObject({ replied: 1 });
    expect(campaign.counters['follow-up']).toMatchObject({
      sent: expect.any(Number),
      'suppressed:opted-out': 1,
    });
    expect(campaign.counters['personal-contact']).toMatchObject({ escalated: expect.any(Number) });
    const customer = CustomerSchema.parse(
      (await call(`/v1/customers/${customers.silent.customerId}`, { role: 'agent' })).body,
    );
    expect(customer.customerId).toBe(customers.silent.customerId);
  });

  it('keeps marketing out of conversations', async () => {
    const reply = await call(`/v1/conversations/${customers.busy.conversationId}`, { role: 'marketing' });
    expect(reply.status).toBe(403);
  });
});

describe('a follow-up survey on the local stack', () => {
  it('surveys a resolved SMS conversation a day later, and a low score reopens it at tier 2', async () => {
    const followup = JSON.parse(await readFile('events/campaigns/followup.json', 'utf8'));
    const created = await call('/v1/campaigns', { method: 'POST', role: 'marketing', body: followup });
    const campaignId = z.object({ campaignId: z.string() }).parse(created.body).campaignId;
    expect(
      (await call(`/v1/campaigns/${campaignId}/launch`, { method: 'POST', role: 'marketing' })).status,
    ).toBe(200);

    // A customer texts us; an agent resolves the concern.
    const phone = `+1415556${String(Math.floor(1000 + Math.random() * 8999))}`;
    expect((await postTwilio(phone, 'My parcel arrived damaged, the box was crushed.')).status).toBe(200);
    const customer = CustomerSchema.parse(
      (await call(`/v1/customers?phone=${encodeURIComponent(phone)}`, { role: 'agent' })).body,
    );
    const conversationId = customer.openConversationId ?? '';
    await resolved(conversationId);

    // A day later the survey goes out by SMS; the customer answers 1.
    await advanceClock(25);
    const survey = await eventually(async () => {
      const texts = await smsTo(phone);
      return texts.find((text) => text.body.includes('1 (poor) to 5 (great)'));
    }, 20_000);
    expect((await postTwilio(phone, '1')).status).toBe(200);

    const reopened = await eventually(async () => {
      const view = await conversation(conversationId);
      return view.satisfaction ? view : undefined;
    });
    expect(survey.body).toContain('how did we do');
    expect(reopened).toMatchObject({ status: 'open', tier: '2', satisfaction: { score: 1 } });
    const recipient = await eventually(async () => {
      const list = RecipientsSchema.parse(
        (await call(`/v1/campaigns/${campaignId}/recipients`, { role: 'marketing' })).body,
      ).recipients;
      return list.find((candidate) => candidate.status === 'done');
    });
    expect(recipient).toMatchObject({ outcome: 'surveyed', reason: 'score-1' });
  });
});

function postTwilio(from: string, body: string): Promise<Response> {
  return postLocalSms(stack.info.twilio, from, body);
}

/** A fixed-offset IANA zone (Etc/GMT±n) where the local hour is `hour` at `now`. */
function zoneAt(hour: number, now: Date): string {
  const offset = ((((hour - now.getUTCHours() + 12) % 24) + 24) % 24) - 12;
  // Etc/GMT zones count the other way round: Etc/GMT-3 is three hours ahead of UTC.
  return offset >= 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}
