import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  type ChatEmailFallback,
  deliverEmailFallback,
} from '../../../shared/channels/chat/email-fallback.js';
import { chatToInbound } from '../../../shared/channels/chat/receive-message.js';
import { listVisitorMessages } from '../../../shared/channels/chat/visitor-messages.js';
import { DeliveryError } from '../../../shared/errors.js';
import { ingestInbound } from '../../../shared/ingest/ingest.js';
import type { ChannelSender, OutboundEnvelope } from '../../../shared/outbound/sender.js';
import { getCustomer } from '../../../shared/store/customers.js';
import type { Db } from '../../../shared/store/db.js';
import {
  getOutboundInteraction,
  putOutboundInteraction,
  recordDelivery,
} from '../../../shared/store/interactions.js';
import { customerKey } from '../../../shared/store/keys.js';
import { getTimeline } from '../../../shared/store/timeline.js';
import { fixedClock } from '../../support/chat.js';
import { useDynamoTable } from '../../support/dynamodb.js';
import { eventually } from '../../support/eventually.js';
import { testDb } from '../../support/inbound.js';

const table = useDynamoTable();

const START = '2026-11-26T12:20:00.000Z';

/** An email sender that records what it was given; `failures` makes the next calls throw. */
function fakeEmailSender(failures = 0): ChannelSender & { sent: OutboundEnvelope[] } {
  const sent: OutboundEnvelope[] = [];
  let failing = failures;
  return {
    channel: 'email',
    sent,
    send: async (envelope) => {
      if (failing > 0) {
        failing -= 1;
        throw new Error('SES throttled');
      }
      sent.push(envelope);
      return { providerMessageId: `ses-${sent.length}`, status: 'sent' };
    },
  };
}

/** A chat visitor who gave an email, wrote once, and got a reply while offline (still queued). */
async function offlineReply(db: Db) {
  const clock = fixedClock(START);
  const visitorId = clock.newId();
  const connection = {
    connectionId: 'L0SM9cOFvHcCIhw=',
    visitorId,
    email: 'ada@example.com',
    connectedAt: START,
    expiresAt: Date.parse(START) / 1000 + 7200,
  };
  clock.advance(1000);
  const written = await ingestInbound(
    db,
    chatToInbound(connection, { action: 'sendMessage', clientMessageId: 'm-1', text: 'Hello?' }, clock.now()),
    clock,
  );
  clock.advance(60_000);
  const interactionId = clock.newId();
  await putOutboundInteraction(db, {
    interactionId,
    customerId: written.customerId,
    conversationId: written.conversationId,
    direction: 'outbound',
    channel: 'chat',
    identities: [{ kind: 'visitor', value: visitorId, trust: 'verified' }],
    body: 'We refunded the second charge.',
    attachments: [],
    providerMessageId: interactionId,
    providerRefs: {},
    occurredAt: clock.now(),
    recordedAt: clock.now(),
    deliveryStatus: 'queued',
    authorId: 'agent-7',
  });
  const request: ChatEmailFallback = { kind: 'chat-email-fallback', interactionId, email: 'ada@example.com' };
  clock.advance(300_000);
  return {
    clock,
    visitorId,
    request,
    customerId: written.customerId,
    conversationId: written.conversationId,
  };
}

describe('deliverEmailFallback', () => {
  it('sends a still-undelivered reply by email and records it as a second interaction', async () => {
    // Prepare
    const db = testDb(table);
    const { clock, request, customerId, conversationId } = await offlineReply(db);
    const emailSender = fakeEmailSender();

    // Act
    const result = await deliverEmailFallback(db, emailSender, request, clock);

    // Assess
    expect(result.outcome).toBe('sent');
    expect(emailSender.sent).toHaveLength(1);
    expect(emailSender.sent[0]).toMatchObject({
      channel: 'email',
      to: { kind: 'email', value: 'ada@example.com' },
      subject: 'Our reply to your chat',
      customerId,
      conversationId,
    });
    expect(emailSender.sent[0]?.body).toContain('We refunded the second charge.');
    const email = await getOutboundInteraction(db, result.emailInteractionId ?? '', true);
    expect(email).toMatchObject({
      channel: 'email',
      deliveryStatus: 'sent',
      authorId: 'agent-7',
      providerRefs: { fallbackFor: request.interactionId, providerId: 'ses-1' },
    });
    const chat = await getOutboundInteraction(db, request.interactionId, true);
    expect(chat?.providerRefs.emailFallbackInteractionId).toBe(result.emailInteractionId);
  });

  it('sends nothing when the visitor fetched the reply in the meantime', async () => {
    const db = testDb(table);
    const { clock, visitorId, request } = await offlineReply(db);
    await listVisitorMessages(db, visitorId, undefined);
    const emailSender = fakeEmailSender();

    const result = await deliverEmailFallback(db, emailSender, request, clock);

    expect(result.outcome).toBe('already-delivered');
    expect(emailSender.sent).toHaveLength(0);
  });

  it('sends nothing when a push reached the visitor', async () => {
    const db = testDb(table);
    const { clock, request } = await offlineReply(db);
    await recordDelivery(db, request.interactionId, 'sent');
    const emailSender = fakeEmailSender();

    const result = await deliverEmailFallback(db, emailSender, request, clock);

    expect(result.outcome).toBe('already-delivered');
    expect(emailSender.sent).toHaveLength(0);
  });

  it('sends once when the queue delivers the same fallback twice', async () => {
    const db = testDb(table);
    const { clock, request } = await offlineReply(db);
    const emailSender = fakeEmailSender();

    const first = await deliverEmailFallback(db, emailSender, request, clock);
    const second = await deliverEmailFallback(db, emailSender, request, clock);

    expect(second).toEqual(first);
    expect(emailSender.sent).toHaveLength(1);
  });

  it('sends once when two deliveries of the same fallback run at the same time', async () => {
    // Prepare: SQS delivered the message twice, to two concurrent invocations.
    const db = testDb(table);
    const { clock, request } = await offlineReply(db);
    const emailSender = fakeEmailSender();

    // Act
    const outcomes = await Promise.all([
      deliverEmailFallback(db, emailSender, request, clock),
      deliverEmailFallback(db, emailSender, request, clock),
    ]);

    // Assess
    expect(emailSender.sent).toHaveLength(1);
    expect(outcomes.map((outcome) => outcome.outcome)).toContain('sent');
    expect(outcomes.every((outcome) => outcome.outcome === 'sent' || outcome.outcome === 'in-progress')).toBe(
      true,
    );
    const chat = await getOutboundInteraction(db, request.interactionId, true);
    const email = await getOutboundInteraction(db, chat?.providerRefs.emailFallbackInteractionId ?? '', true);
    expect(email?.deliveryStatus).toBe('sent');
  });

  it('never sends again once a delivery died between claiming the send and recording it', async () => {
    // Prepare: the first delivery's invocation crashed while sending, leaving its claim.
    const db = testDb(table);
    const { clock, request } = await offlineReply(db);
    const crashing: ChannelSender = {
      channel: 'email',
      send: () => new Promise(() => undefined),
    };
    void deliverEmailFallback(db, crashing, request, clock);
    await eventually(async () => {
      const chat = await getOutboundInteraction(db, request.interactionId, true);
      const emailId = chat?.providerRefs.emailFallbackInteractionId;
      const email = emailId ? await getOutboundInteraction(db, emailId, true) : undefined;
      return email?.providerRefs.sendClaim;
    });
    const emailSender = fakeEmailSender();

    // Act
    const redelivered = await deliverEmailFallback(db, emailSender, request, clock);

    // Assess
    expect(redelivered.outcome).toBe('in-progress');
    expect(emailSender.sent).toHaveLength(0);
  });

  it('fails for a retry when the email provider fails, and the retry reuses the same email interaction', async () => {
    // Prepare
    const db = testDb(table);
    const { clock, request, customerId } = await offlineReply(db);
    const emailSender = fakeEmailSender(1);

    // Act
    const failed = deliverEmailFallback(db, emailSender, request, clock);
    await expect(failed).rejects.toBeInstanceOf(DeliveryError);
    const chatAfterFailure = await getOutboundInteraction(db, request.interactionId, true);
    const emailId = chatAfterFailure?.providerRefs.emailFallbackInteractionId ?? '';
    const afterFailure = await getOutboundInteraction(db, emailId, true);
    const retried = await deliverEmailFallback(db, emailSender, request, clock);

    // Assess
    expect(afterFailure?.deliveryStatus).toBe('failed');
    expect(retried).toEqual({ outcome: 'sent', emailInteractionId: emailId });
    expect(emailSender.sent).toHaveLength(1);
    const timeline = await getTimeline(db, await getCustomer(db, customerId), { limit: 20 });
    expect(timeline.items.filter((interaction) => interaction.channel === 'email')).toHaveLength(1);
  });

  it('skips a customer who opted out of email, and records why on the chat reply', async () => {
    const db = testDb(table);
    const { clock, request, customerId } = await offlineReply(db);
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: customerKey(customerId),
        UpdateExpression: 'SET consent.email = :consent',
        ExpressionAttributeValues: {
          ':consent': { status: 'opted_out', at: START, source: 'email-unsubscribe' },
        },
      }),
    );
    const emailSender = fakeEmailSender();

    const result = await deliverEmailFallback(db, emailSender, request, clock);

    expect(result.outcome).toBe('skipped');
    expect(emailSender.sent).toHaveLength(0);
    const chat = await getOutboundInteraction(db, request.interactionId, true);
    expect(chat?.providerRefs.emailFallbackInteractionId).toBe('skipped:opted_out');
  });
});
