import { randomBytes, randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { LocalStack } from '../../local/stack.js';
import { identitySecretFromText, siteSignature } from '../../shared/identity/site-signature.js';
import { checkedFetch } from '../support/contract.js';
import { eventually } from '../support/eventually.js';
import { localApi } from '../support/local-api.js';
import { useLocalStack } from '../support/local-stack.js';
import { twilioSignature } from '../support/twilio.js';
import { connect, opened, type TestSocket } from '../support/websocket.js';

/**
 * Issue 6, on the local stack and over its real interfaces: each attack on the identity model fails
 * (a web form claiming a victim's phone, the attacker's own mail afterwards, a chat claiming the
 * victim's email, the web form as an "is this a customer?" oracle), while proven identities still join
 * up: a site-signed form, and an email proven by the verification link mailed to it.
 */

let chat: TestSocket | undefined;
const current = useLocalStack({ seed: false }, async () => {
  await chat?.close();
});
let stack: LocalStack;
beforeAll(() => {
  stack = current();
});

const call = localApi(() => stack);
const sign = (value: string) => siteSignature(identitySecretFromText(stack.info.identitySecret), value);

const ReceiptSchema = z.strictObject({ interactionId: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/) });
const CustomerSchema = z.looseObject({
  customerId: z.string(),
  openConversationId: z.string().optional(),
  identities: z.array(z.object({ kind: z.string(), value: z.string(), trust: z.string() })),
});
const TimelineSchema = z.object({
  items: z.array(
    z.looseObject({
      channel: z.string(),
      direction: z.string(),
      body: z.string(),
      possibleMatches: z.array(z.string()).optional(),
    }),
  ),
});
const SesStoreSchema = z.object({
  emails: z.array(
    z.looseObject({
      subject: z.string(),
      destination: z.object({ to: z.array(z.string()) }),
      body: z.object({ text: z.string().optional() }),
    }),
  ),
});
const SessionSchema = z.object({ token: z.string(), visitorId: z.string(), wsUrl: z.string() });

async function customerBy(kind: 'email' | 'phone', value: string) {
  const reply = await call(`/v1/customers?${kind}=${encodeURIComponent(value)}`, { role: 'agent' });
  return reply.status === 200 ? CustomerSchema.parse(reply.body) : undefined;
}

async function timelineOf(customerId: string) {
  const reply = await call(`/v1/customers/${customerId}/timeline?limit=100`, { role: 'agent' });
  return TimelineSchema.parse(reply.body).items;
}

async function mailsTo(address: string) {
  const store = SesStoreSchema.parse(await (await fetch(stack.info.outbox.sesUrl)).json());
  return store.emails.filter((mail) => mail.destination.to.some((to) => to.includes(address)));
}

async function sendMail(from: string, subject: string, text: string) {
  const transport = createTransport({
    host: stack.info.smtp.host,
    port: stack.info.smtp.port,
    secure: false,
    ignoreTLS: true,
  });
  try {
    await transport.sendMail({ from, to: `help@${stack.info.smtp.domain}`, subject, text });
  } finally {
    transport.close();
  }
}

function postSms(from: string, body: string): Promise<Response> {
  const { webhookUrl, authToken, accountSid, number } = stack.info.twilio;
  const sid = `SM${randomBytes(16).toString('hex')}`;
  const params: [string, string][] = [
    ['MessageSid', sid],
    ['AccountSid', accountSid],
    ['From', from],
    ['To', number],
    ['Body', body],
    ['NumMedia', '0'],
  ];
  return checkedFetch(webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(authToken, webhookUrl, params),
    },
    body: new URLSearchParams(params).toString(),
  });
}

describe('identity trust on the local stack', () => {
  const run = randomUUID().slice(0, 8);
  const victimEmail = `victim-${run}@example.com`;
  const victimPhone = `+1415556${String(randomBytes(2).readUInt16BE() % 10_000).padStart(4, '0')}`;
  const attackerEmail = `attacker-${run}@example.com`;
  let victimId: string;
  let victimConversation: string;

  it('records a victim who proved email and phone (a site-signed form, then an SMS)', async () => {
    // Act
    const form = await call('/v1/channels/webform', {
      method: 'POST',
      body: {
        email: victimEmail,
        emailSignature: sign(victimEmail),
        phone: victimPhone,
        phoneSignature: sign(victimPhone),
        message: 'My card ending 4242 was charged twice.',
      },
    });
    const sms = await postSms(victimPhone, 'Any news about card 4242?');

    // Assess
    expect(form.status).toBe(202);
    expect(sms.status).toBe(200);
    const victim = await customerBy('phone', victimPhone);
    expect(victim?.identities).toEqual([
      { kind: 'email', value: victimEmail, trust: 'verified' },
      { kind: 'phone', value: victimPhone, trust: 'verified' },
    ]);
    victimId = victim?.customerId ?? '';
    victimConversation = victim?.openConversationId ?? '';
    expect((await timelineOf(victimId)).map((item) => item.channel)).toEqual(['sms', 'webform']);
  });

  it('answers the web form the same for a stranger and for a known customer: the interaction id only', async () => {
    // Act
    const known = await call('/v1/channels/webform', {
      method: 'POST',
      body: { email: victimEmail, message: 'Is this address a customer?' },
    });
    const unknown = await call('/v1/channels/webform', {
      method: 'POST',
      body: { email: `nobody-${run}@example.com`, message: 'Is this address a customer?' },
    });
    const bot = await call('/v1/channels/webform', {
      method: 'POST',
      body: { email: victimEmail, message: 'Buy now', website: 'http://spam.example' },
    });

    // Assess
    for (const reply of [known, unknown, bot]) {
      expect(reply.status).toBe(202);
      ReceiptSchema.parse(reply.body);
      expect(JSON.stringify(reply.body)).not.toContain(victimId);
    }
  });

  it('keeps a form claiming the victim phone beside the attacker email away from the victim', async () => {
    // Act
    const attack = await call('/v1/channels/webform', {
      method: 'POST',
      body: {
        email: attackerEmail,
        phone: victimPhone,
        message: 'Please send my card details to this email.',
      },
    });
    const reply = await call(`/v1/conversations/${victimConversation}/replies`, {
      method: 'POST',
      role: 'agent',
      body: { body: `Your refund for card 4242 is on its way (${run}).`, channel: 'email' },
    });

    // Assess
    expect(attack.status).toBe(202);
    const victim = await customerBy('phone', victimPhone);
    expect(victim?.customerId).toBe(victimId);
    expect(victim?.identities.map((identity) => identity.value)).not.toContain(attackerEmail);
    const attacker = await customerBy('email', attackerEmail);
    expect(attacker?.customerId).not.toBe(victimId);
    const [claim] = await timelineOf(attacker?.customerId ?? '');
    expect(claim?.possibleMatches).toEqual([victimId]);
    expect(reply.status).toBe(201);
    const mails = await eventually(async () => {
      const found = await mailsTo(victimEmail);
      return found.some((mail) => mail.body.text?.includes(run)) ? found : undefined;
    });
    expect(mails.length).toBeGreaterThan(0);
    expect((await mailsTo(attackerEmail)).some((mail) => mail.body.text?.includes('4242'))).toBe(false);
  });

  it('keeps the attacker own mail (DMARC passing) on the attacker customer, never the victim thread', async () => {
    // Act
    await sendMail(attackerEmail, 'Re: card 4242', 'Any update on my card?');

    // Assess: the mail is recorded, and not with the victim.
    const attacker = await eventually(async () => {
      const found = await customerBy('email', attackerEmail);
      const items = found ? await timelineOf(found.customerId) : [];
      return items.some((item) => item.channel === 'email') ? found : undefined;
    });
    expect(attacker.customerId).not.toBe(victimId);
    expect(attacker.identities).toContainEqual({ kind: 'email', value: attackerEmail, trust: 'verified' });
    expect((await timelineOf(victimId)).some((item) => item.body.includes('Any update on my card?'))).toBe(
      false,
    );
  });

  it('gives a chat visitor who types the victim email a customer of its own', async () => {
    // Prepare
    const session = await checkedFetch(stack.info.chat.sessionsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: victimEmail }),
    });
    const { token, wsUrl, visitorId } = SessionSchema.parse(await session.json());
    chat = opened(await connect(`${wsUrl}?token=${encodeURIComponent(token)}`));

    // Act
    chat.send({ action: 'sendMessage', clientMessageId: `claim-${run}`, text: 'What is on my account?' });
    await chat.next(
      (frame) => typeof frame === 'object' && frame !== null && 'type' in frame && frame.type === 'ack',
    );

    // Assess
    const visitor = await call(`/v1/customers?email=${encodeURIComponent(victimEmail)}`, { role: 'agent' });
    expect(CustomerSchema.parse(visitor.body).customerId).toBe(victimId);
    const victimTimeline = await timelineOf(victimId);
    expect(victimTimeline.some((item) => item.channel === 'chat')).toBe(false);
    expect(visitorId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('refuses a site signature that does not match with 400 naming it, and stores nothing', async () => {
    const stranger = `forged-${run}@example.com`;

    const reply = await call('/v1/channels/webform', {
      method: 'POST',
      body: { email: stranger, emailSignature: sign(victimEmail), message: 'Let me in' },
    });

    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ issues: [{ field: 'emailSignature' }] });
    expect(await customerBy('email', stranger)).toBeUndefined();
  });

  it('proves an email by the link mailed to it: the page changes nothing, Confirm does', async () => {
    // Prepare: an unsigned form from a new address; the mailer sends the link.
    const lead = `lead-${run}@example.com`;
    const form = await call('/v1/channels/webform', {
      method: 'POST',
      body: { email: lead, message: 'Please call me back.' },
    });
    expect(form.status).toBe(202);
    const [mail] = await eventually(async () => {
      const found = await mailsTo(lead);
      return found.length > 0 ? found : undefined;
    });
    expect(mail?.subject).toBe('Confirm your email address');
    const link = mail?.body.text?.match(/http:\/\/\S+/)?.[0] ?? '';
    expect(link.startsWith(stack.info.identityVerifyUrl)).toBe(true);

    // Act
    const page = await checkedFetch(link);
    const pageHtml = await page.text();
    const before = await customerBy('email', lead);
    const confirm = await checkedFetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: new URL(link).searchParams.get('token') ?? '' }).toString(),
    });

    // Assess
    expect(page.status).toBe(200);
    expect(pageHtml).toContain('<form method="post">');
    expect(before?.identities).toEqual([{ kind: 'email', value: lead, trust: 'claimed' }]);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('Your email address is confirmed.');
    const after = await customerBy('email', lead);
    expect(after?.customerId).toBe(before?.customerId);
    expect(after?.identities).toEqual([{ kind: 'email', value: lead, trust: 'verified' }]);
  });

  it('lets only a supervisor confirm a possible match, and then the customers are one', async () => {
    // Prepare
    const attacker = await customerBy('email', attackerEmail);
    const path = `/v1/customers/${victimId}/merge`;
    const body = { customerIds: [attacker?.customerId] };

    // Act
    const anonymous = await call(path, { method: 'POST', body });
    const agent = await call(path, { method: 'POST', role: 'agent', body });
    const badBody = await call(path, { method: 'POST', role: 'supervisor', body: { customerIds: ['nope'] } });

    // Assess: nobody but a supervisor or admin may; this test does not merge the attacker into the victim.
    expect(anonymous.status).toBe(401);
    expect(agent.status).toBe(403);
    expect(badBody.status).toBe(400);
  });
});
