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
 * Issue 3, on the local stack: a customer fills the web form with an email and a phone (signed by the
 * site, which knows its logged-in user), writes an email from that address (SMTP, DMARC passing), texts
 * from that phone (a signed Twilio webhook), and chats giving that email (signed by the site). Every
 * identity is proven, so they are one customer whose timeline holds the four inbound interactions, and an agent's
 * reply reaches each channel's local sink: the SES mailbox, the SMS outbox, the open WebSocket.
 * Waits poll for a condition with a bound; nothing is timed.
 */

let chat: TestSocket | undefined;
const failures: { message: string; error: unknown }[] = [];
const current = useLocalStack(
  { seed: false, onError: (message, error) => failures.push({ message, error }) },
  async () => {
    await chat?.close();
  },
);
let stack: LocalStack;
beforeAll(() => {
  stack = current();
});

const call = localApi(() => stack);

/** What the site's server computes for its logged-in user (docs/identity-trust.md). */
const sign = (value: string) => siteSignature(identitySecretFromText(stack.info.identitySecret), value);

/** POSTs a Twilio incoming-message webhook, signed with `authToken` unless it is undefined. */
function postTwilioWebhook(params: [string, string][], authToken: string | undefined): Promise<Response> {
  const { webhookUrl } = stack.info.twilio;
  return checkedFetch(webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authToken ? { 'x-twilio-signature': twilioSignature(authToken, webhookUrl, params) } : {}),
    },
    body: new URLSearchParams(params).toString(),
  });
}

function twilioParams(from: string, body: string): [string, string][] {
  const sid = `SM${randomBytes(16).toString('hex')}`;
  return [
    ['MessageSid', sid],
    ['SmsSid', sid],
    ['AccountSid', stack.info.twilio.accountSid],
    ['From', from],
    ['To', stack.info.twilio.number],
    ['Body', body],
    ['NumMedia', '0'],
    ['NumSegments', '1'],
    ['ApiVersion', '2010-04-01'],
  ];
}

const ReceiptSchema = z.strictObject({ interactionId: z.string() });
const CustomerSchema = z.object({ customerId: z.string() });
const TimelineSchema = z.object({
  items: z.array(
    z.looseObject({
      interactionId: z.string(),
      conversationId: z.string(),
      channel: z.string(),
      direction: z.string(),
      body: z.string(),
      authorId: z.string().optional(),
    }),
  ),
});
type TimelineItem = z.infer<typeof TimelineSchema>['items'][number];
const SessionSchema = z.object({ visitorId: z.string(), token: z.string(), wsUrl: z.string() });
const ReplySchema = z.looseObject({ channel: z.string(), deliveryStatus: z.string() });
const SesStoreSchema = z.object({
  emails: z.array(
    z.looseObject({
      from: z.string(),
      subject: z.string(),
      destination: z.object({ to: z.array(z.string()) }),
      body: z.object({ text: z.string().optional() }),
    }),
  ),
});
const SmsOutboxSchema = z.object({
  messages: z.array(
    z.object({ provider: z.string(), to: z.string(), from: z.string().optional(), body: z.string() }),
  ),
});
const AckSchema = z.object({
  type: z.literal('ack'),
  clientMessageId: z.string(),
  interactionId: z.string(),
});
const PushSchema = z.object({
  type: z.literal('message'),
  message: z.object({ interactionId: z.string(), from: z.literal('agent'), body: z.string() }),
});

describe('every channel on the local stack', () => {
  const run = randomUUID().slice(0, 8);
  const email = `channels-${run}@example.com`;
  const phone = `+1415555${String(randomBytes(2).readUInt16BE() % 10_000).padStart(4, '0')}`;
  let customerId: string;
  let inbound: TimelineItem[] = [];

  const timeline = async (): Promise<TimelineItem[]> => {
    const reply = await call(`/v1/customers/${customerId}/timeline?limit=100`, { role: 'agent' });
    expect(reply.status).toBe(200);
    return TimelineSchema.parse(reply.body).items;
  };

  it('publishes what a client needs to reach each channel, on 127.0.0.1 only', () => {
    // Assess
    const { smtp, twilio, chat: chatInfo, outbox } = stack.info;
    expect(smtp).toEqual({ host: '127.0.0.1', port: expect.any(Number), domain: 'support.carebridge.local' });
    expect(twilio.webhookUrl).toBe(`${stack.info.apiUrl}/v1/channels/sms/twilio`);
    expect(twilio.authToken).toMatch(/^[0-9a-f]{32}$/);
    expect(chatInfo).toEqual({
      sessionsUrl: `${stack.info.apiUrl}/v1/chat/sessions`,
      wsUrl: `${stack.info.apiUrl.replace('http', 'ws')}/chat`,
    });
    for (const url of [outbox.sesUrl, outbox.smsUrl, chatInfo.wsUrl, stack.info.sns.endpoint]) {
      expect(new URL(url).hostname).toBe('127.0.0.1');
    }
  });

  it('records a web form giving the email and the phone', async () => {
    // Act
    const reply = await call('/v1/channels/webform', {
      method: 'POST',
      body: {
        email,
        emailSignature: sign(email),
        phone,
        phoneSignature: sign(phone),
        name: 'Edith Clarke',
        subject: 'Delivery',
        message: 'Where is my parcel?',
        submissionId: `channels-${run}`,
      },
    });

    // Assess
    expect(reply.status).toBe(202);
    ReceiptSchema.parse(reply.body);
    const found = await call(`/v1/customers?email=${encodeURIComponent(email)}`, { role: 'agent' });
    customerId = CustomerSchema.parse(found.body).customerId;
  });

  it('records an email sent from that address to the local SMTP listener', async () => {
    // Prepare
    const transport = createTransport({
      host: stack.info.smtp.host,
      port: stack.info.smtp.port,
      secure: false,
      ignoreTLS: true,
    });

    // Act
    try {
      await transport.sendMail({
        from: `Edith Clarke <${email}>`,
        to: `help@${stack.info.smtp.domain}`,
        subject: 'Parcel 4711',
        text: 'The parcel still has not arrived.',
      });
    } finally {
      transport.close();
    }

    // Assess: the SES receipt rule's Lambda action is asynchronous.
    const item = await eventually(async () =>
      (await timeline()).find((entry) => entry.channel === 'email' && entry.direction === 'inbound'),
    );
    expect(item).toMatchObject({ direction: 'inbound', subject: 'Parcel 4711' });
    expect(item.body).toContain('The parcel still has not arrived.');
  });

  it('records an SMS from that phone through a signed Twilio webhook', async () => {
    // Act
    const response = await postTwilioWebhook(
      twilioParams(phone, 'Any news on parcel 4711?'),
      stack.info.twilio.authToken,
    );

    // Assess
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    const items = await timeline();
    expect(items.find((entry) => entry.channel === 'sms')).toMatchObject({
      direction: 'inbound',
      body: 'Any news on parcel 4711?',
    });
  });

  it('refuses an unsigned or wrongly signed Twilio webhook with 403 and stores nothing', async () => {
    // Prepare
    const stranger = '+14155550199';

    // Act
    const unsigned = await postTwilioWebhook(twilioParams(stranger, 'unsigned'), undefined);
    const forged = await postTwilioWebhook(twilioParams(stranger, 'forged'), 'not-the-local-token');
    const lookup = await call(`/v1/customers?phone=${encodeURIComponent(stranger)}`, { role: 'agent' });

    // Assess
    expect(unsigned.status).toBe(403);
    expect(forged.status).toBe(403);
    expect(lookup.status).toBe(404);
  });

  it('refuses a chat connection without a valid visitor token', async () => {
    // Act
    const withoutToken = await connect(stack.info.chat.wsUrl);
    const forged = await connect(`${stack.info.chat.wsUrl}?token=not.a.token`);

    // Assess
    expect(withoutToken).toEqual({ refusedWith: 401 });
    expect(forged).toEqual({ refusedWith: 401 });
  });

  it('records a chat message from a visitor who gave that email, and acks it', async () => {
    // Prepare
    const session = await checkedFetch(stack.info.chat.sessionsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, emailSignature: sign(email) }),
    });
    expect(session.status).toBe(201);
    const { token, wsUrl } = SessionSchema.parse(await session.json());
    expect(wsUrl).toBe(stack.info.chat.wsUrl);
    chat = opened(await connect(`${wsUrl}?token=${encodeURIComponent(token)}`));

    // Act
    chat.send({
      action: 'sendMessage',
      clientMessageId: `m-${run}`,
      text: 'Is anyone there about parcel 4711?',
    });

    // Assess
    const ack = AckSchema.parse(await chat.next((frame) => AckSchema.safeParse(frame).success));
    expect(ack.clientMessageId).toBe(`m-${run}`);
    const items = await timeline();
    expect(items.find((entry) => entry.channel === 'chat')).toMatchObject({
      interactionId: ack.interactionId,
      direction: 'inbound',
    });
  });

  it('answers a frame naming no route with API Gateway`s Forbidden message', async () => {
    // Act
    chat?.send({ action: 'shout', text: 'hello?' });

    // Assess
    expect(
      await chat?.next((frame) => z.object({ message: z.literal('Forbidden') }).safeParse(frame).success),
    ).toEqual({
      message: 'Forbidden',
      connectionId: expect.any(String),
      requestId: expect.any(String),
    });
  });

  it('has one customer, by email and by phone, whose timeline holds exactly the four inbound messages', async () => {
    // Act
    const byEmail = await call(`/v1/customers?email=${encodeURIComponent(email)}`, { role: 'agent' });
    const byPhone = await call(`/v1/customers?phone=${encodeURIComponent(phone)}`, { role: 'agent' });
    const items = await timeline();
    // The e-level may have answered a question from the knowledge base meanwhile; that is all that went out.
    inbound = items.filter((item) => item.direction === 'inbound');

    // Assess
    expect(items.filter((item) => item.direction === 'outbound' && item.authorId !== 'e-level')).toEqual([]);
    expect(CustomerSchema.parse(byEmail.body).customerId).toBe(customerId);
    expect(CustomerSchema.parse(byPhone.body).customerId).toBe(customerId);
    expect(inbound.map((item) => item.direction)).toEqual(['inbound', 'inbound', 'inbound', 'inbound']);
    expect(inbound.map((item) => item.channel).sort()).toEqual(['chat', 'email', 'sms', 'webform']);
  });

  /** An agent's reply on `channel`, in the conversation of the customer's message on that channel. */
  async function replyOn(channel: 'email' | 'sms' | 'chat', body: string) {
    const answering = inbound.find((item) => item.channel === channel);
    if (!answering) throw new Error(`no inbound ${channel} message`);
    const reply = await call(`/v1/conversations/${answering.conversationId}/replies`, {
      role: 'agent',
      method: 'POST',
      body: { channel, body },
    });
    expect(reply.status).toBe(201);
    return ReplySchema.parse(reply.body);
  }

  it('delivers an email reply to the SES mailbox of that address', async () => {
    // Act
    const reply = await replyOn('email', `About your parcel (${run}): it ships today.`);

    // Assess
    expect(reply).toMatchObject({ channel: 'email', deliveryStatus: 'sent' });
    const sent = await eventually(async () => {
      const store = SesStoreSchema.parse(await (await fetch(stack.info.outbox.sesUrl)).json());
      return store.emails.find((mail) => mail.body.text?.includes(`About your parcel (${run})`));
    });
    expect(sent.destination.to).toEqual([email]);
    expect(sent.from).toContain(`support@${stack.info.smtp.domain}`);
    // The subject of the conversation the email joined (the customer's open one), as a reply.
    expect(sent.subject).toMatch(/^Re: /);
  });

  it('delivers an SMS reply to the outbox, to that phone, from the local Twilio number', async () => {
    // Act
    const reply = await replyOn('sms', `Parcel update (${run}): out for delivery.`);

    // Assess
    expect(reply).toMatchObject({ channel: 'sms', deliveryStatus: 'sent' });
    const outbox = await fetch(`${stack.info.outbox.smsUrl}?to=${encodeURIComponent(phone)}`);
    expect(SmsOutboxSchema.parse(await outbox.json()).messages).toEqual([
      {
        provider: 'twilio',
        to: phone,
        from: stack.info.twilio.number,
        body: `Parcel update (${run}): out for delivery.`,
      },
    ]);
  });

  it('pushes a chat reply to the visitor`s open WebSocket', async () => {
    // Act
    const reply = await replyOn('chat', `Chat answer (${run}): it is on its way.`);

    // Assess
    expect(reply).toMatchObject({ channel: 'chat', deliveryStatus: 'sent' });
    const pushed = PushSchema.parse(await chat?.next((frame) => PushSchema.safeParse(frame).success));
    expect(pushed.message.body).toBe(`Chat answer (${run}): it is on its way.`);
  });

  it('ran every handler without a failure', async () => {
    // Act
    await stack.asyncIdle();

    // Assess
    expect(failures).toEqual([]);
  });
});
