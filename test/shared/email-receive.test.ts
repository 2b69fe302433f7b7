import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import PostalMime from 'postal-mime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RawEmailMissingError } from '../../shared/channels/email/errors.js';
import { applySesFeedback, parseSesNotification } from '../../shared/channels/email/feedback.js';
import { type EmailReceiver, receiveEmail } from '../../shared/channels/email/receive-email.js';
import {
  parseSesLambdaEvent,
  type SesLambdaEvent,
  type SesReceiptEventInput,
  sesReceiptEvent,
} from '../../shared/channels/email/ses-event.js';
import { sesEmailSender } from '../../shared/channels/email/ses-sender.js';
import { NotDeliverableError } from '../../shared/errors.js';
import { sendReply } from '../../shared/outbound/send-reply.js';
import type { RoutingHandoff } from '../../shared/routing/handoff.js';
import type { Interaction } from '../../shared/schemas/index.js';
import { getConversation } from '../../shared/store/conversations.js';
import { findCustomerByIdentity, getCustomer } from '../../shared/store/customers.js';
import type { Db } from '../../shared/store/db.js';
import { findEmailThreadRefs } from '../../shared/store/email-threads.js';
import { getIdentities } from '../../shared/store/identities.js';
import { getQuarantined } from '../../shared/store/quarantine.js';
import { getTimeline } from '../../shared/store/timeline.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { foldedHeader, mime, nestedMime, s3Body } from '../support/email.js';
import { loadEvent, loadRaw } from '../support/events.js';
import { clock, email, testDb } from '../support/inbound.js';

const table = useDynamoTable();
const s3 = new S3Client({
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const s3Mock = mockClient(s3);
const ses = new SESv2Client({
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const sesMock = mockClient(ses);

afterEach(() => {
  s3Mock.reset();
  sesMock.reset();
});

const SUPPORT = 'support@help.example.com';

function receiver(
  db: Db,
  handoff: RoutingHandoff = vi.fn(async () => undefined),
  maxRawBytes?: number,
): EmailReceiver {
  return {
    db,
    s3,
    bucket: 'carebridge-inbound',
    prefix: 'inbound/',
    handoff,
    clock,
    ...(maxRawBytes ? { maxRawBytes } : {}),
  };
}

/** An SES receipt record for `raw`, with S3 answering for it as the S3 action stored it. */
function delivered(
  raw: Uint8Array,
  input: Partial<SesReceiptEventInput> = {},
): SesLambdaEvent['Records'][number]['ses'] {
  // Validated as the handler validates it, which clips long header values.
  const event = parseSesLambdaEvent(
    sesReceiptEvent({ source: 'sender@example.com', recipients: [SUPPORT], raw, ...input }),
  );
  const record = event.Records[0];
  if (!record) throw new Error('no record');
  s3Mock
    .on(GetObjectCommand, { Bucket: 'carebridge-inbound', Key: `inbound/${record.ses.mail.messageId}` })
    .callsFake(() => ({ Body: s3Body(raw), ContentRange: `bytes 0-${raw.length - 1}/${raw.length}` }));
  return record.ses;
}

async function count(db: Db, entity: string): Promise<number> {
  const output = await db.doc.send(
    new ScanCommand({
      TableName: db.tableName,
      FilterExpression: 'entity = :e',
      ExpressionAttributeValues: { ':e': entity },
    }),
  );
  return output.Items?.length ?? 0;
}

describe('receiveEmail', () => {
  it('records a first email on a new customer’s timeline and hands it to routing', async () => {
    // Prepare
    const db = testDb(table);
    const handoff = vi.fn(async () => undefined);
    const record = delivered(loadRaw('email/html-only.eml'));

    // Act
    const received = await receiveEmail(receiver(db, handoff), record);

    // Assess
    expect(received).toMatchObject({
      outcome: 'recorded',
      routing: 'route',
      threaded: false,
      oversized: false,
    });
    const customer = await findCustomerByIdentity(db, email('grace.hopper@example.com'));
    expect(customer.name).toBe('Grace Hopper');
    const [interaction] = (await getTimeline(db, customer, { limit: 10 })).items;
    expect(interaction).toMatchObject({
      channel: 'email',
      providerMessageId: record.mail.messageId,
      subject: 'Lieferung verspätet',
      providerRefs: { rawLocation: `s3://carebridge-inbound/inbound/${record.mail.messageId}` },
    });
    expect(handoff).toHaveBeenCalledTimes(1);
  });

  it('answers a retried event with the first delivery and hands it off again', async () => {
    const db = testDb(table);
    const handoff = vi.fn(async () => undefined);
    const record = delivered(loadRaw('email/reply-outlook.eml'));

    const first = await receiveEmail(receiver(db, handoff), record);
    const second = await receiveEmail(receiver(db, handoff), record);

    expect(second).toMatchObject({ outcome: 'duplicate' });
    if (first.outcome === 'quarantined' || second.outcome === 'quarantined')
      throw new Error('not quarantined');
    expect(second.result.interactionId).toBe(first.result.interactionId);
    expect(await count(db, 'interaction')).toBe(1);
    expect(handoff).toHaveBeenCalledTimes(2);
  });

  it.each([
    [{ spam: 'FAIL' as const }, ['spam']],
    [{ virus: 'FAIL' as const }, ['virus']],
    [{ spam: 'FAIL' as const, virus: 'FAIL' as const }, ['spam', 'virus']],
    [{ dmarc: 'FAIL' as const }, ['dmarc']],
  ])(
    'quarantines on verdicts %j: nothing on a timeline, no hand-off, the message not even read',
    async (verdicts, reasons) => {
      // Prepare
      const db = testDb(table);
      const handoff = vi.fn(async () => undefined);
      const record = delivered(loadRaw('email/reply-gmail.eml'), { verdicts });

      // Act
      const received = await receiveEmail(receiver(db, handoff), record);

      // Assess
      expect(received).toEqual({ outcome: 'quarantined', reasons, duplicate: false });
      expect(handoff).not.toHaveBeenCalled();
      expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
      expect(await count(db, 'interaction')).toBe(0);
      expect(await count(db, 'customer')).toBe(0);
      const held = await getQuarantined(db, 'email', record.mail.messageId);
      expect(held).toMatchObject({
        reasons,
        envelopeSender: 'sender@example.com',
        from: 'Ada Lovelace <ada@example.com>',
        subject: 'Re: Billing',
        recipients: [SUPPORT],
        rawLocation: `s3://carebridge-inbound/inbound/${record.mail.messageId}`,
      });
      expect(await receiveEmail(receiver(db, handoff), record)).toMatchObject({
        outcome: 'quarantined',
        duplicate: true,
      });
    },
  );

  it('lets GRAY and PROCESSING_FAILED verdicts through', async () => {
    const db = testDb(table);
    const record = delivered(loadRaw('email/reply-outlook.eml'), {
      verdicts: { spam: 'GRAY', virus: 'PROCESSING_FAILED' },
    });

    expect(await receiveEmail(receiver(db), record)).toMatchObject({ outcome: 'recorded' });
  });

  it('records an out-of-office reply on the timeline without routing it or touching the conversation', async () => {
    // Prepare: Ada wrote, so she has an open conversation.
    const db = testDb(table);
    const handoff = vi.fn(async () => undefined);
    const opened = await receiveEmail(receiver(db, handoff), delivered(loadRaw('email/reply-gmail.eml')));
    if (opened.outcome === 'quarantined') throw new Error('not quarantined');
    const before = await getConversation(db, opened.result.conversationId);
    handoff.mockClear();

    // Act
    const received = await receiveEmail(receiver(db, handoff), delivered(loadRaw('email/out-of-office.eml')));

    // Assess
    expect(received).toMatchObject({ outcome: 'recorded', routing: 'record-only' });
    expect(handoff).not.toHaveBeenCalled();
    const customer = await findCustomerByIdentity(db, email('ada@example.com'));
    const timeline = (await getTimeline(db, customer, { limit: 10 })).items;
    expect(timeline.map((interaction) => interaction.routing)).toEqual(['record-only', undefined]);
    expect(await getConversation(db, opened.result.conversationId)).toEqual(before);
  });

  it('records a bounce from a mail daemon without opening work for anyone', async () => {
    const db = testDb(table);
    const handoff = vi.fn(async () => undefined);

    const received = await receiveEmail(
      receiver(db, handoff),
      delivered(loadRaw('email/bounce.eml'), { source: '' }),
    );

    expect(received).toMatchObject({ outcome: 'recorded', routing: 'record-only' });
    expect(handoff).not.toHaveBeenCalled();
    if (received.outcome === 'quarantined') throw new Error('not quarantined');
    expect((await getConversation(db, received.result.conversationId)).status).toBe('resolved');
    expect((await getCustomer(db, received.result.customerId)).openConversationId).toBeUndefined();
  });

  it('quarantines a message with no usable sender address', async () => {
    const db = testDb(table);
    const raw = mime('From: =?utf-8?b?YXR0YWNrZXJAZXZpbC5jb20=?=', 'Subject: x', '', 'body');

    const received = await receiveEmail(receiver(db), delivered(raw, { source: '' }));

    expect(received).toEqual({ outcome: 'quarantined', reasons: ['no-sender'], duplicate: false });
    expect(await count(db, 'customer')).toBe(0);
  });

  it('records an oversized message by its headers, with a note, without downloading it', async () => {
    // Prepare: the receipt's headers are SES's; the object is far over the limit.
    const db = testDb(table);
    const handoff = vi.fn(async () => undefined);
    const event = loadEvent<unknown>('email/ses-lambda-event.json');
    const record = sesRecord(event);
    const size = 25 * 1024 * 1024;
    s3Mock.on(GetObjectCommand).callsFake(() => ({
      Body: s3Body(Buffer.alloc(1024, 'x')),
      ContentRange: `bytes 0-${10 * 1024 * 1024}/${size}`,
    }));

    // Act
    const received = await receiveEmail(receiver(db, handoff), record);

    // Assess: recorded and routed, a person must look at it.
    expect(received).toMatchObject({ outcome: 'recorded', routing: 'route', oversized: true });
    expect(handoff).toHaveBeenCalledTimes(1);
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input.Range).toBe(`bytes=0-${10 * 1024 * 1024}`);
    const customer = await findCustomerByIdentity(db, email('aws@amazon.com'));
    const [interaction] = (await getTimeline(db, customer, { limit: 1 })).items;
    expect(interaction?.subject).toBe('Test Subject');
    expect(interaction?.body).toContain('25.0 MB, over the 10.0 MB');
    expect(interaction?.providerRefs).toMatchObject({
      oversizedBytes: String(size),
      messageId: '<CAEddw6POFV_On91m+ZoL_SN8B_M2goDe_Ni355owhc7QSjPQSQ@amazon.com>',
    });
  });

  it('quarantines MIME nested past the parser’s limits instead of throwing, and records nothing else', async () => {
    // Prepare: a retry would refuse it again, so throwing would only take it to the failure queue.
    const db = testDb(table);
    const handoff = vi.fn(async () => undefined);
    const record = delivered(nestedMime(60, 'From: Ada <ada@example.com>', 'Subject: Deep'));

    // Act
    const received = await receiveEmail(receiver(db, handoff), record);

    // Assess
    expect(received).toEqual({ outcome: 'quarantined', reasons: ['unparseable'], duplicate: false });
    expect(handoff).not.toHaveBeenCalled();
    expect(await count(db, 'interaction')).toBe(0);
    expect(await count(db, 'customer')).toBe(0);
    expect(await getQuarantined(db, 'email', record.mail.messageId)).toMatchObject({
      reasons: ['unparseable'],
      from: 'Ada <ada@example.com>',
      subject: 'Deep',
    });
  });

  it('quarantines a message whose From names several authors and no Sender, listing them all', async () => {
    const db = testDb(table);
    const handoff = vi.fn(async () => undefined);
    const record = delivered(loadRaw('email/multiple-from.eml'));

    const received = await receiveEmail(receiver(db, handoff), record);

    expect(received).toEqual({ outcome: 'quarantined', reasons: ['ambiguous-sender'], duplicate: false });
    expect(handoff).not.toHaveBeenCalled();
    expect(await count(db, 'customer')).toBe(0);
    expect((await getQuarantined(db, 'email', record.mail.messageId))?.from).toBe(
      'Ada Lovelace <ada@example.com>, Charles Babbage <charles@example.com>',
    );
  });

  it('records a message with several authors under the Sender who sent it', async () => {
    const db = testDb(table);

    const received = await receiveEmail(receiver(db), delivered(loadRaw('email/multiple-from-sender.eml')));

    expect(received).toMatchObject({ outcome: 'recorded' });
    const customer = await findCustomerByIdentity(db, email('charles@example.com'));
    const [interaction] = (await getTimeline(db, customer, { limit: 1 })).items;
    expect(interaction?.identities).toEqual([
      { kind: 'email', value: 'charles@example.com', trust: 'claimed' },
    ]);
    expect(interaction?.providerRefs.identitySource).toBe('sender');
  });

  it.each([
    ['PASS' as const, 'verified'],
    ['GRAY' as const, 'claimed'],
    ['FAIL' as const, 'claimed'],
  ])('records the From address with DMARC %s as %s', async (dmarc, trust) => {
    // Prepare: a DMARC FAIL under the sender's policy `none` is not quarantined.
    const db = testDb(table);
    const ses = delivered(loadRaw('email/reply-gmail.eml'), { verdicts: { dmarc } });
    const record = { ...ses, receipt: { ...ses.receipt, dmarcPolicy: 'none' } };

    // Act
    const received = await receiveEmail(receiver(db), record);

    // Assess
    if (received.outcome === 'quarantined') throw new Error('not quarantined');
    const customer = await getCustomer(db, received.result.customerId);
    const [interaction] = (await getTimeline(db, customer, { limit: 1 })).items;
    expect(interaction?.identities).toEqual([{ kind: 'email', value: 'ada@example.com', trust }]);
  });

  it('records a subject longer than SES’s event and our schemas allow, clipped to 500 characters', async () => {
    // Prepare: 5,000 characters, more than the 4,096 SES's event schema used to accept.
    const db = testDb(table);
    const words = Array.from({ length: 1_000 }, (_, index) => `word${index}`);
    const raw = mime('From: Ada <ada@example.com>', ...foldedHeader('Subject', words), '', 'Hello');

    // Act
    const received = await receiveEmail(receiver(db), delivered(raw));

    // Assess
    expect(received).toMatchObject({ outcome: 'recorded', oversized: false });
    const customer = await findCustomerByIdentity(db, email('ada@example.com'));
    const [interaction] = (await getTimeline(db, customer, { limit: 1 })).items;
    expect(interaction?.subject).toBe(words.join(' ').slice(0, 500));
    expect(interaction?.body).toBe('Hello');
  });

  it('records a message whose header section is too large to parse by SES’s headers, with a note', async () => {
    // Prepare: a Subject of about 300 KB.
    const db = testDb(table);
    const handoff = vi.fn(async () => undefined);
    const words = Array.from({ length: 30_000 }, (_, index) => `word${index}`);
    const raw = mime('From: Ada <ada@example.com>', ...foldedHeader('Subject', words), '', 'Hello');
    const record = delivered(raw);

    // Act
    const received = await receiveEmail(receiver(db, handoff), record);

    // Assess: recorded and routed like an oversized message.
    expect(received).toMatchObject({ outcome: 'recorded', routing: 'route', oversized: true });
    expect(handoff).toHaveBeenCalledTimes(1);
    const customer = await findCustomerByIdentity(db, email('ada@example.com'));
    const [interaction] = (await getTimeline(db, customer, { limit: 1 })).items;
    expect(interaction?.subject).toBe(words.join(' ').slice(0, 500));
    expect(interaction?.body).toContain('The headers of this email are over the 256 KB carebridge reads');
    expect(interaction?.body).toContain(`s3://carebridge-inbound/inbound/${record.mail.messageId}`);
    expect(interaction?.providerRefs.oversizedHeaders).toBe(String(256 * 1024));
  });

  it('cleans the headers SES reported: unpaired surrogates replaced, controls and overrides removed', async () => {
    // Prepare: JSON can carry an unpaired surrogate (`\ud800`), which must be recorded, not refused.
    const db = testDb(table);
    const event = loadEvent<SesLambdaEvent>('email/ses-lambda-event.json');
    const mail = event.Records[0]?.ses.mail;
    if (!mail?.commonHeaders) throw new Error('fixture has no common headers');
    mail.commonHeaders.subject = 'Refund \ud800 \u202enow\r\nBcc: x@example.com';
    mail.headers = mail.headers.filter((header) => header.name.toLowerCase() !== 'subject');
    s3Mock.on(GetObjectCommand).callsFake(() => ({
      Body: s3Body(Buffer.alloc(1024, 'x')),
      ContentRange: `bytes 0-${10 * 1024 * 1024}/${25 * 1024 * 1024}`,
    }));

    // Act
    const received = await receiveEmail(receiver(db), sesRecord(event));

    // Assess
    expect(received).toMatchObject({ outcome: 'recorded', oversized: true });
    const customer = await findCustomerByIdentity(db, email('aws@amazon.com'));
    const [interaction] = (await getTimeline(db, customer, { limit: 1 })).items;
    expect(interaction?.subject).toBe('Refund \ufffd now Bcc: x@example.com');
  });

  it('throws when the raw message is missing, writing nothing', async () => {
    const db = testDb(table);
    const record = sesRecord(loadEvent<unknown>('email/ses-lambda-event.json'));
    s3Mock
      .on(GetObjectCommand)
      .rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));

    await expect(receiveEmail(receiver(db), record)).rejects.toBeInstanceOf(RawEmailMissingError);
    expect(await count(db, 'interaction')).toBe(0);
  });
});

describe('email threading and deliverability', () => {
  const sender = (db: Db) =>
    sesEmailSender({ ses, db, clock, from: { address: SUPPORT, name: 'Example Support' } });

  it('threads a customer’s reply to our answer into the conversation, by either Message-ID form', async () => {
    // Prepare: Ada writes, an agent answers through SES.
    const db = testDb(table);
    const first = await receiveEmail(receiver(db), delivered(loadRaw('email/reply-gmail.eml')));
    if (first.outcome === 'quarantined') throw new Error('not quarantined');
    sesMock.on(SendEmailCommand).resolves({ MessageId: '0100019a3f0c1d2e-8b5b1c2d-000000' });
    const reply = await sendReply(
      db,
      { email: sender(db) },
      { conversationId: first.result.conversationId, body: 'We refunded it.', authorId: 'agent-1' },
      clock,
    );

    // Assess the sent message: threading headers and subject.
    const input = sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(input?.Destination?.ToAddresses).toEqual(['ada@example.com']);
    const sent = await PostalMime.parse(input?.Content?.Raw?.Data ?? new Uint8Array());
    expect(sent).toMatchObject({
      subject: 'Re: Billing',
      messageId: `<${reply.interactionId}@help.example.com>`,
      inReplyTo: '<CAF=reply-1@mail.gmail.com>',
      references:
        '<first-1@mail.gmail.com> <01JDQ3V9XK4T2B7Y8Z0M5N6P7S@help.example.com> <CAF=reply-1@mail.gmail.com>',
      from: { address: SUPPORT, name: 'Example Support' },
      replyTo: [{ address: SUPPORT, name: '' }],
    });
    expect(sent.text?.trim()).toBe('We refunded it.');
    expect(reply.providerRefs).toMatchObject({
      providerId: '0100019a3f0c1d2e-8b5b1c2d-000000',
      messageId: `<${reply.interactionId}@help.example.com>`,
    });
    const refs = await findEmailThreadRefs(db, [
      `${reply.interactionId}@help.example.com`,
      '0100019a3f0c1d2e-8b5b1c2d-000000@amazonses.com',
    ]);
    expect(refs.map((ref) => ref.conversationId)).toEqual([
      first.result.conversationId,
      first.result.conversationId,
    ]);

    // Act: Ada answers the mail SES delivered, which quotes SES's regional Message-ID.
    const answer = mime(
      'From: Ada Lovelace <ada@example.com>',
      `To: ${SUPPORT}`,
      'Subject: Re: Billing',
      'Message-ID: <CAF=reply-2@mail.gmail.com>',
      'In-Reply-To: <0100019a3f0c1d2e-8b5b1c2d-000000@eu-west-1.amazonses.com>',
      'References: <first-1@mail.gmail.com> <0100019a3f0c1d2e-8b5b1c2d-000000@eu-west-1.amazonses.com>',
      '',
      'Thank you!',
    );
    const received = await receiveEmail(receiver(db), delivered(answer));

    // Assess
    expect(received).toMatchObject({ outcome: 'recorded', threaded: true });
    if (received.outcome === 'quarantined') throw new Error('not quarantined');
    expect(received.result.conversationId).toBe(first.result.conversationId);
  });

  it('returns the subject it sent in the receipt: one line, "Re:" once, within 500 characters', async () => {
    // Prepare: an answered email whose subject was recorded before subjects were cleaned.
    const db = testDb(table);
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-out-subject' });
    const answered: Interaction = {
      interactionId: clock.newId(),
      customerId: clock.newId(),
      conversationId: clock.newId(),
      direction: 'inbound',
      channel: 'email',
      identities: [{ kind: 'email', value: 'ada@example.com', trust: 'verified' }],
      subject: `Billing\r\nBcc: victim@example.com \u202e${'x'.repeat(600)}`,
      body: 'Question',
      attachments: [],
      providerMessageId: 'ses-in-subject',
      providerRefs: { messageId: '<q-1@example.com>' },
      occurredAt: clock.now(),
      recordedAt: clock.now(),
    };

    // Act
    const receipt = await sender(db).send({
      interactionId: clock.newId(),
      conversationId: answered.conversationId,
      customerId: answered.customerId,
      channel: 'email',
      to: { kind: 'email', value: 'ada@example.com' },
      subject: 'Conversation subject',
      body: 'Answer',
      inResponseTo: answered,
    });

    // Assess
    const input = sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input;
    const sent = await PostalMime.parse(input?.Content?.Raw?.Data ?? new Uint8Array());
    const envelope = {
      interactionId: clock.newId(),
      conversationId: answered.conversationId,
      customerId: answered.customerId,
      channel: 'email' as const,
      to: { kind: 'email' as const, value: 'ada@example.com' },
      subject: 'Conversation subject',
      body: 'Answer',
      inResponseTo: answered,
    };
    expect(receipt.status).toBe('sent');
    expect(sender(db).subjectOf?.(envelope)).toBe(sent.subject);
    expect(sent.subject).toHaveLength(500);
    expect(sent.subject?.startsWith('Re: Billing Bcc: victim@example.com xxx')).toBe(true);
    expect(sent.bcc).toBeUndefined();
  });

  it('gives a colleague who answers our thread a conversation of their own, noting the thread', async () => {
    const db = testDb(table);
    const first = await receiveEmail(receiver(db), delivered(loadRaw('email/reply-gmail.eml')));
    if (first.outcome === 'quarantined') throw new Error('not quarantined');
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-out-2' });
    const reply = await sendReply(
      db,
      { email: sender(db) },
      { conversationId: first.result.conversationId, body: 'Answer', authorId: 'agent-1' },
      clock,
    );

    const colleague = mime(
      'From: Colleague <colleague@example.com>',
      'Subject: Re: Billing',
      `In-Reply-To: <${reply.interactionId}@help.example.com>`,
      '',
      'I take over from Ada.',
    );
    const received = await receiveEmail(receiver(db), delivered(colleague));

    expect(received).toMatchObject({ outcome: 'recorded', threaded: false });
    if (received.outcome === 'quarantined') throw new Error('not quarantined');
    expect(received.result.customerId).not.toBe(first.result.customerId);
    const customer = await getCustomer(db, received.result.customerId);
    const [interaction] = (await getTimeline(db, customer, { limit: 1 })).items;
    expect(interaction?.providerRefs.threadConversationId).toBe(first.result.conversationId);
    expect((await getCustomer(db, first.result.customerId)).identities).toEqual([email('ada@example.com')]);
  });

  it('refuses a reply to an address that bounced permanently (409 not deliverable)', async () => {
    // Prepare: Jane wrote; SES then reported a permanent bounce for her address.
    const db = testDb(table);
    const raw = mime('From: Jane <jane@example.com>', 'Subject: Help', '', 'Please help.');
    const received = await receiveEmail(receiver(db), delivered(raw));
    if (received.outcome === 'quarantined') throw new Error('not quarantined');
    const sns = loadEvent<{ Records: { Sns: { Message: string } }[] }>('email/sns-bounce.json');
    const marked = await applySesFeedback(db, parseSesNotification(sns.Records[0]?.Sns.Message ?? ''));

    // Act
    const attempt = sendReply(
      db,
      { email: sender(db) },
      { conversationId: received.result.conversationId, body: 'Hello again', authorId: 'agent-1' },
      clock,
    );

    // Assess
    expect(marked).toBe(1);
    await expect(attempt).rejects.toBeInstanceOf(NotDeliverableError);
    await expect(attempt).rejects.toMatchObject({ reason: 'undeliverable' });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
    const [identity] = await getIdentities(db, [email('jane@example.com')], true);
    expect(identity?.undeliverable).toEqual({ reason: 'bounce', at: '2026-11-26T14:59:38.237Z' });
  });
});

function sesRecord(event: unknown): SesLambdaEvent['Records'][number]['ses'] {
  const record = parseSesLambdaEvent(event).Records[0];
  if (!record) throw new Error('fixture has no record');
  return record.ses;
}
