import { describe, expect, it } from 'vitest';
import { SmsProviderError } from '../../shared/channels/sms/errors.js';
import {
  KEYWORD_REPLY_AUTHOR,
  OPT_IN_CONFIRMATION,
  OPT_OUT_CONFIRMATION,
  type ReceiveSmsContext,
  receiveSms,
} from '../../shared/channels/sms/receive-sms.js';
import { NotDeliverableError } from '../../shared/errors.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { sendReply } from '../../shared/outbound/send-reply.js';
import type { InboundMessage } from '../../shared/schemas/index.js';
import { getConversation } from '../../shared/store/conversations.js';
import { getCustomer } from '../../shared/store/customers.js';
import type { Db } from '../../shared/store/db.js';
import { getTimeline } from '../../shared/store/timeline.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { clock, inbound, phone, testDb } from '../support/inbound.js';
import { type RecordingSender, recordingSender } from '../support/recording-sender.js';

const table = useDynamoTable();

const CUSTOMER_PHONE = '+14155552671';
const OUR_NUMBER = '+14155550142';
const HELP_TEXT = 'Acme care: reply here and we answer. STOP to opt out.';

function sms(body: string, changes: Partial<InboundMessage> = {}): InboundMessage {
  return inbound([phone(CUSTOMER_PHONE)], {
    channel: 'sms',
    body,
    providerRefs: { provider: 'twilio', to: OUR_NUMBER },
    ...changes,
  });
}

function contextWith(sender: RecordingSender | undefined): ReceiveSmsContext {
  return {
    db: testDb(table),
    clock,
    keywordReplies: sender && { sender, helpText: HELP_TEXT },
  };
}

async function timelineOf(db: Db, customerId: string) {
  return (await getTimeline(db, await getCustomer(db, customerId), { limit: 50 })).items;
}

describe('receiveSms', () => {
  it('records an ordinary message for routing without answering it', async () => {
    // Prepare
    const sender = recordingSender();
    const context = contextWith(sender);

    // Act
    const receipt = await receiveSms(context, sms('Where is my parcel?'));

    // Assess
    expect(receipt).toMatchObject({ route: true, consentChanged: false });
    expect(receipt.keyword).toBeUndefined();
    expect(sender.sent).toHaveLength(0);
    const timeline = await timelineOf(context.db, receipt.ingest.customerId);
    expect(timeline.map((interaction) => interaction.body)).toEqual(['Where is my parcel?']);
  });

  it('opts the number out on STOP, records it, and confirms once without routing', async () => {
    // Prepare
    const sender = recordingSender();
    const context = contextWith(sender);
    const stop = sms('STOP');

    // Act
    const receipt = await receiveSms(context, stop);

    // Assess
    expect(receipt).toMatchObject({
      keyword: 'opt-out',
      route: false,
      consentChanged: true,
      reply: { status: 'sent' },
    });
    const customer = await getCustomer(context.db, receipt.ingest.customerId);
    expect(customer.consent.sms).toEqual({
      status: 'opted_out',
      at: stop.receivedAt,
      source: 'sms-keyword:STOP',
    });
    expect(sender.sent).toHaveLength(1);
    expect(sender.sent[0]).toMatchObject({ to: phone(CUSTOMER_PHONE), body: OPT_OUT_CONFIRMATION });
    const timeline = await timelineOf(context.db, receipt.ingest.customerId);
    const recorded = timeline.map(({ direction, body, deliveryStatus, authorId }) => ({
      direction,
      body,
      deliveryStatus,
      authorId,
    }));
    expect(recorded).toHaveLength(2);
    expect(recorded).toEqual(
      expect.arrayContaining([
        {
          direction: 'outbound',
          body: OPT_OUT_CONFIRMATION,
          deliveryStatus: 'sent',
          authorId: KEYWORD_REPLY_AUTHOR,
        },
        { direction: 'inbound', body: 'STOP', deliveryStatus: undefined, authorId: undefined },
      ]),
    );
  });

  it('puts no conversation in a work queue for a STOP from a new number', async () => {
    const context = contextWith(recordingSender());

    const receipt = await receiveSms(context, sms('STOP'));

    expect((await getConversation(context.db, receipt.ingest.conversationId)).status).toBe('resolved');
    expect((await getCustomer(context.db, receipt.ingest.customerId)).openConversationId).toBeUndefined();
  });

  it('sends no second confirmation and stores no second message when the STOP webhook is retried', async () => {
    // Prepare
    const sender = recordingSender();
    const context = contextWith(sender);
    const stop = sms('stop');
    const first = await receiveSms(context, stop);

    // Act: the provider delivers the same message again, later.
    const retry = await receiveSms(context, { ...stop, receivedAt: new Date().toISOString() });

    // Assess
    expect(retry).toMatchObject({ keyword: 'opt-out', route: false, consentChanged: false });
    expect(retry.reply).toBeUndefined();
    expect(retry.ingest).toMatchObject({ outcome: 'duplicate', interactionId: first.ingest.interactionId });
    expect(sender.sent).toHaveLength(1);
    const inboundOnes = (await timelineOf(context.db, first.ingest.customerId)).filter(
      (i) => i.direction === 'inbound',
    );
    expect(inboundOnes).toHaveLength(1);
  });

  it('still opts out on the retry when the first delivery died after storing the message', async () => {
    const sender = recordingSender();
    const context = contextWith(sender);
    const stop = sms('STOP');
    await ingestInbound(context.db, stop, clock);

    const retry = await receiveSms(context, stop);

    expect(retry).toMatchObject({ consentChanged: true, reply: { status: 'sent' } });
    expect((await getCustomer(context.db, retry.ingest.customerId)).consent.sms?.status).toBe('opted_out');
  });

  it('opts the number back in on START and confirms it', async () => {
    const sender = recordingSender();
    const context = contextWith(sender);
    await receiveSms(context, sms('STOP', { receivedAt: '2026-11-26T12:00:00.000Z' }));

    const receipt = await receiveSms(context, sms('Start', { receivedAt: '2026-11-26T12:05:00.000Z' }));

    expect(receipt).toMatchObject({ keyword: 'opt-in', route: false, consentChanged: true });
    expect((await getCustomer(context.db, receipt.ingest.customerId)).consent.sms).toEqual({
      status: 'opted_in',
      at: '2026-11-26T12:05:00.000Z',
      source: 'sms-keyword:START',
    });
    expect(sender.sent.map((envelope) => envelope.body)).toEqual([OPT_OUT_CONFIRMATION, OPT_IN_CONFIRMATION]);
  });

  it('keeps the later decision when STOP and START arrive out of order', async () => {
    const sender = recordingSender();
    const context = contextWith(sender);
    await receiveSms(context, sms('START', { receivedAt: '2026-11-26T12:05:00.000Z' }));

    const late = await receiveSms(context, sms('STOP', { receivedAt: '2026-11-26T12:00:00.000Z' }));

    expect(late.consentChanged).toBe(false);
    expect((await getCustomer(context.db, late.ingest.customerId)).consent.sms?.status).toBe('opted_in');
    expect(sender.sent.map((envelope) => envelope.body)).toEqual([OPT_IN_CONFIRMATION]);
  });

  it('answers HELP with the configured text, recorded as an outbound interaction, once', async () => {
    // Prepare
    const sender = recordingSender();
    const context = contextWith(sender);
    const help = sms('help');

    // Act
    const receipt = await receiveSms(context, help);
    const retry = await receiveSms(context, help);

    // Assess
    expect(receipt).toMatchObject({ keyword: 'help', route: false, reply: { status: 'sent' } });
    expect(retry.reply).toBeUndefined();
    expect(sender.sent.map((envelope) => envelope.body)).toEqual([HELP_TEXT]);
    const timeline = await timelineOf(context.db, receipt.ingest.customerId);
    expect(timeline.find((interaction) => interaction.direction === 'outbound')).toMatchObject({
      body: HELP_TEXT,
      channel: 'sms',
      identities: [phone(CUSTOMER_PHONE)],
      deliveryStatus: 'sent',
      providerRefs: { providerId: 'provider-1' },
    });
    expect((await getCustomer(context.db, receipt.ingest.customerId)).consent).toEqual({});
  });

  it('answers from the number the keyword was sent to', async () => {
    const sender = recordingSender();

    await receiveSms(contextWith(sender), sms('STOP'));

    expect(sender.sent[0]?.inResponseTo).toMatchObject({ channel: 'sms', providerRefs: { to: OUR_NUMBER } });
  });

  it('records consent but sends nothing when keyword replies are off', async () => {
    const context = contextWith(undefined);

    const receipt = await receiveSms(context, sms('STOP'));

    expect(receipt).toMatchObject({ consentChanged: true, route: false });
    expect(receipt.reply).toBeUndefined();
    expect((await getCustomer(context.db, receipt.ingest.customerId)).consent.sms?.status).toBe('opted_out');
  });

  it('records consent but does not answer a keyword the provider already answered', async () => {
    const sender = recordingSender();
    const context = contextWith(sender);

    const receipt = await receiveSms(
      context,
      sms('Arrêt', { providerRefs: { provider: 'twilio', to: OUR_NUMBER, optOutType: 'STOP' } }),
    );

    expect(receipt).toMatchObject({ keyword: 'opt-out', consentChanged: true });
    expect(sender.sent).toHaveLength(0);
    expect((await getCustomer(context.db, receipt.ingest.customerId)).consent.sms?.source).toBe(
      'sms-keyword:ARRÊT',
    );
  });

  it('records a refused confirmation as failed and still honours the opt-out', async () => {
    // Prepare
    const sender = recordingSender();
    sender.failWith = new SmsProviderError(
      'twilio',
      '21610',
      'Twilio refused the message (HTTP 400, error 21610)',
    );
    const context = contextWith(sender);

    // Act
    const receipt = await receiveSms(context, sms('STOP'));

    // Assess
    expect(receipt.reply).toEqual({ status: 'failed', errorCode: '21610' });
    expect((await getCustomer(context.db, receipt.ingest.customerId)).consent.sms?.status).toBe('opted_out');
    const timeline = await timelineOf(context.db, receipt.ingest.customerId);
    expect(timeline.find((interaction) => interaction.direction === 'outbound')?.deliveryStatus).toBe(
      'failed',
    );
  });
});

describe('replies to an opted-out number', () => {
  it('are refused with NotDeliverableError opted_out, and go again after START', async () => {
    // Prepare: a customer writes, then texts STOP.
    const keywordSender = recordingSender();
    const context = contextWith(keywordSender);
    const question = await receiveSms(
      context,
      sms('Where is my parcel?', { receivedAt: '2026-11-26T12:00:00.000Z' }),
    );
    await receiveSms(context, sms('STOP', { receivedAt: '2026-11-26T12:01:00.000Z' }));
    const agentSender = recordingSender();
    const reply = {
      conversationId: question.ingest.conversationId,
      body: 'It arrives tomorrow.',
      authorId: 'agent-7',
    };

    // Act
    const refused = sendReply(context.db, { sms: agentSender }, reply, clock);

    // Assess
    await expect(refused).rejects.toThrow(NotDeliverableError);
    await expect(refused).rejects.toMatchObject({ reason: 'opted_out' });
    expect(agentSender.sent).toHaveLength(0);

    // Act: the customer opts back in.
    await receiveSms(context, sms('START', { receivedAt: '2026-11-26T12:02:00.000Z' }));
    const sent = await sendReply(context.db, { sms: agentSender }, reply, clock);

    // Assess
    expect(sent).toMatchObject({ channel: 'sms', deliveryStatus: 'sent' });
    expect(agentSender.sent).toEqual([
      expect.objectContaining({ to: phone(CUSTOMER_PHONE), body: 'It arrives tomorrow.' }),
    ]);
  });
});
