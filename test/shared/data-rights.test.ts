import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { addNote } from '../../shared/agents/workflow.js';
import { writeLedgerSends } from '../../shared/campaigns/ledger-store.js';
import { addCounts, enrolRecipient } from '../../shared/campaigns/store.js';
import { sesThreadKey, threadKeyOf } from '../../shared/channels/email/message-ids.js';
import { receiveEmail } from '../../shared/channels/email/receive-email.js';
import { parseSesLambdaEvent, sesReceiptEvent } from '../../shared/channels/email/ses-event.js';
import { receiveWebForm, webFormSubmissionSchema } from '../../shared/channels/webform.js';
import type { Clock } from '../../shared/clock.js';
import { eraseCustomer } from '../../shared/data-rights/erase.js';
import { exportCustomer } from '../../shared/data-rights/export.js';
import { listMerges } from '../../shared/data-rights/merges.js';
import { splitCustomer } from '../../shared/data-rights/split.js';
import { SenderErasedError, unlessErased } from '../../shared/data-rights/tombstones.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { confirmMerge } from '../../shared/identity/confirm-merge.js';
import { identitySecretFromText, siteSignature } from '../../shared/identity/site-signature.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import { recordInboundActivity, ruleRouter } from '../../shared/routing/record-activity.js';
import type { Conversation } from '../../shared/schemas/index.js';
import { putAgentProfile } from '../../shared/store/agents.js';
import { putChatConnection } from '../../shared/store/chat-connections.js';
import { setConsent } from '../../shared/store/consent.js';
import { updateConversation } from '../../shared/store/conversations.js';
import { findCustomerByIdentity, getCustomer } from '../../shared/store/customers.js';
import type { Db } from '../../shared/store/db.js';
import { putEmailThreadRefs } from '../../shared/store/email-threads.js';
import { putOutboundInteraction } from '../../shared/store/interactions.js';
import { conversationItem } from '../../shared/store/items.js';
import { agentKey } from '../../shared/store/keys.js';
import { putQuarantined } from '../../shared/store/quarantine.js';
import { getTimeline } from '../../shared/store/timeline.js';
import { reserveVerificationMail } from '../../shared/store/verification-mails.js';
import { fixedClock } from '../support/chat.js';
import {
  countByKind,
  exportedRefs,
  isTheirs,
  scanTable,
  storedRef,
  withConversations,
} from '../support/data-rights.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { mime, s3Body } from '../support/email.js';
import { email, inbound, phone, testDb } from '../support/inbound.js';

/**
 * Issue 9, data rights and the identity graph, against the DynamoDB emulator (S3 mocked): an export holds
 * every item the table holds about a customer (the test scans the table), an erasure leaves none of
 * them, a late message of an erased sender is dropped, and a split gives both customers their timelines.
 */

const table = useDynamoTable();
const s3 = new S3Client({
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const s3Mock = mockClient(s3);
const RAW_MAIL = { s3, bucket: 'carebridge-inbound', prefix: 'inbound/' };
const SECRET_TEXT = 'the-identity-secret-of-these-tests-32-bytes';
const secret = identitySecretFromText(SECRET_TEXT);

afterEach(() => s3Mock.reset());

const GRACE_EMAIL = 'grace@example.com';
const GRACE_PHONE = '+14155550111';
const VISITOR = '01JDQ3V9XK4T2B7Y8Z0M5N6VXS';

/**
 * Grace, with one item of every kind the store keeps about a customer: mail with an attachment, a
 * site-signed web form without submissionId (a repeat marker), SMS from her phone (a customer of its own
 * until a supervisor merges them), an SMS opt-out, chat with a connection, an email reply with its
 * threading refs, a note, an agent holding her conversation, a campaign enrolment, a contact ledger, a
 * campaign's personal-contact conversation, a verification-mail marker and quarantined spam from her
 * address. Ada is a bystander whose data must stay.
 */
async function graceWithEverything(db: Db, clock: Clock & { advance(ms: number): void }) {
  const mail = await ingestInbound(
    db,
    inbound([email(GRACE_EMAIL)], {
      channel: 'email',
      providerMessageId: 'ses-grace-1',
      receivedAt: clock.now(),
      providerRefs: { rawLocation: 's3://carebridge-inbound/inbound/ses-grace-1' },
      attachments: [
        {
          filename: 'invoice.pdf',
          contentType: 'application/pdf',
          size: 1200,
          location: 's3://carebridge-inbound/inbound/ses-grace-1#attachment=1',
        },
      ],
    }),
    clock,
  );
  clock.advance(60_000);
  const webform = await receiveWebForm(
    {
      db,
      clock,
      handoff: async () => undefined,
      identitySecret: async () => secret,
      requestVerification: async () => undefined,
    },
    webFormSubmissionSchema('US').parse({
      email: GRACE_EMAIL,
      emailSignature: siteSignature(secret, GRACE_EMAIL),
      name: 'Grace',
      message: 'Where is my order?',
    }),
    clock.now(),
  );
  clock.advance(60_000);
  const sms = await ingestInbound(
    db,
    inbound([phone(GRACE_PHONE)], {
      channel: 'sms',
      providerMessageId: 'SM-grace-1',
      receivedAt: clock.now(),
    }),
    clock,
  );
  await setConsent(
    db,
    sms.customerId,
    'sms',
    { status: 'opted_out', at: clock.now(), source: 'sms-keyword:STOP' },
    clock,
  );
  clock.advance(60_000);
  await confirmMerge(db, [mail.customerId, sms.customerId], 'supervisor-1', clock);
  clock.advance(60_000);
  await ingestInbound(
    db,
    inbound([phone(GRACE_PHONE)], {
      channel: 'sms',
      providerMessageId: 'SM-grace-2',
      receivedAt: clock.now(),
    }),
    clock,
  );
  await ingestInbound(
    db,
    inbound([{ kind: 'visitor', value: VISITOR, trust: 'verified' }, email(GRACE_EMAIL)], {
      channel: 'chat',
      providerMessageId: 'chat-grace-1',
      receivedAt: clock.now(),
    }),
    clock,
  );
  await putChatConnection(db, {
    connectionId: 'L0SM9cOFvHcCIhw=',
    visitorId: VISITOR,
    email: GRACE_EMAIL,
    emailTrust: 'verified',
    connectedAt: clock.now(),
    expiresAt: Math.floor(Date.parse(clock.now()) / 1000) + 7200,
  });

  const grace = await getCustomer(db, mail.customerId);
  const conversationId = grace.openConversationId ?? '';
  const replyId = clock.newId();
  await putOutboundInteraction(db, {
    interactionId: replyId,
    customerId: grace.customerId,
    conversationId,
    direction: 'outbound',
    channel: 'email',
    identities: [email(GRACE_EMAIL)],
    body: 'It ships tomorrow.',
    attachments: [],
    providerMessageId: replyId,
    providerRefs: { messageId: `<${replyId}@help.example.com>`, providerId: 'ses-out-1' },
    occurredAt: clock.now(),
    recordedAt: clock.now(),
    deliveryStatus: 'sent',
    authorId: 'agent-1',
  });
  const ref = {
    conversationId,
    customerId: grace.customerId,
    interactionId: replyId,
    createdAt: clock.now(),
  };
  await putEmailThreadRefs(db, [
    { ...ref, messageId: threadKeyOf(`<${replyId}@help.example.com>`) ?? '' },
    { ...ref, messageId: sesThreadKey('ses-out-1') },
  ]);
  await addNote(db, conversationId, 'agent-1', 'Asked the warehouse.', clock);
  await putAgentProfile(db, { agentId: 'agent-1', tier: '1', skills: ['general'], capacity: 3 }, clock.now());
  await db.doc.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: agentKey('agent-1'),
      UpdateExpression: 'ADD activeCount :one',
      ExpressionAttributeValues: { ':one': 1 },
    }),
  );
  await updateConversation(db, conversationId, (current) => ({
    ...current,
    assignee: { agentId: 'agent-1', assignedAt: clock.now() },
    updatedAt: clock.now(),
  }));

  const campaignId = clock.newId();
  await enrolRecipient(db, {
    campaignId,
    recipientId: grace.customerId,
    customerId: grace.customerId,
    stepIndex: 0,
    status: 'active',
    nextDueAt: clock.now(),
    channelsUsed: [],
    history: [],
    enrolledAt: clock.now(),
    updatedAt: clock.now(),
  });
  await addCounts(db, campaignId, new Map([['offer|targeted', 1]]));
  await writeLedgerSends(
    db,
    grace.customerId,
    'email',
    { version: 0, sends: [] },
    [{ at: clock.now() }],
    clock.now(),
  );
  const contact: Conversation = {
    conversationId: clock.newId(),
    customerId: grace.customerId,
    status: 'open',
    channel: 'email',
    tier: '1',
    skill: 'general',
    priority: 'normal',
    subject: 'Personal contact: Winback',
    openedAt: clock.now(),
    slaPolicyVersion: ROUTING_DEFINITION.version,
    firstResponseDueAt: clock.now(),
    resolutionDueAt: clock.now(),
    updatedAt: clock.now(),
  };
  await db.doc.send(new PutCommand({ TableName: db.tableName, Item: conversationItem(contact) }));
  await addNote(db, contact.conversationId, `campaign:${campaignId}`, 'Call her about the offer.', clock);
  await reserveVerificationMail(db, GRACE_EMAIL, 'request-1', Math.floor(Date.parse(clock.now()) / 1000));
  await putQuarantined(db, {
    channel: 'email',
    providerMessageId: 'ses-spam-1',
    receivedAt: clock.now(),
    reasons: ['spam'],
    envelopeSender: 'Grace@Example.com',
    from: 'Grace <grace@example.com>',
    recipients: ['help@support.example.com'],
    verdicts: { spam: 'FAIL' },
    rawLocation: 's3://carebridge-inbound/inbound/ses-spam-1',
    quarantinedAt: clock.now(),
  });
  // Ada, a bystander: her data must stay, and mail from "joann" must not pass for Grace's.
  const ada = await ingestInbound(
    db,
    inbound([email('ada@example.com')], {
      channel: 'email',
      providerMessageId: 'ses-ada-1',
      receivedAt: clock.now(),
      providerRefs: { rawLocation: 's3://carebridge-inbound/inbound/ses-ada-1' },
    }),
    clock,
  );
  await putQuarantined(db, {
    channel: 'email',
    providerMessageId: 'ses-spam-2',
    receivedAt: clock.now(),
    reasons: ['spam'],
    envelopeSender: 'agrace@example.com',
    recipients: ['help@support.example.com'],
    verdicts: { spam: 'FAIL' },
    rawLocation: 's3://carebridge-inbound/inbound/ses-spam-2',
    quarantinedAt: clock.now(),
  });

  const customerIds = [mail.customerId, sms.customerId];
  const webformItem = (await scanTable(db)).find((item) => item.interactionId === webform.interactionId);
  const markerId = String(webformItem?.providerMessageId ?? '').split(':')[1] ?? '';
  return {
    grace: mail.customerId,
    phoneCustomer: sms.customerId,
    ada: ada.customerId,
    campaignId,
    known: { customerIds, values: [GRACE_EMAIL, GRACE_PHONE, VISITOR], markerIds: [markerId] },
  };
}

describe('export', () => {
  it('holds every item the table holds about the customer, both sides of a merge', async () => {
    // Prepare
    const db = testDb(table);
    const clock = fixedClock('2026-11-20T10:00:00.000Z');
    const { grace, phoneCustomer, known: ids } = await graceWithEverything(db, clock);
    const known = withConversations(ids, await scanTable(db));

    // Act: by the merged-away id, which resolves to the survivor
    const exported = await exportCustomer(db, phoneCustomer, 'admin-1', clock);

    // Assess
    const scanned = (await scanTable(db)).filter((item) => isTheirs(item, known));
    // The export's own audit record is filed once the export is made, so the export cannot hold it.
    const audit = scanned.filter((item) => item.entity === 'audit' && item.action === 'export');
    const theirs = scanned.filter((item) => !audit.includes(item));
    const refs = new Set(exportedRefs(exported));
    expect(theirs.map(storedRef).filter((ref) => !refs.has(ref))).toEqual([]);
    expect(audit).toHaveLength(1);
    expect(exported.counts).toEqual({ ...countByKind(theirs), 'raw-email': 2 });
    expect(exported.customerId).toBe(grace);
    expect(exported.customerIds).toEqual(expect.arrayContaining([grace, phoneCustomer]));
    expect(exported.consent.latest.sms?.status).toBe('opted_out');
    expect(exported.rawEmails).toEqual([
      { location: 's3://carebridge-inbound/inbound/ses-grace-1', interactionIds: [expect.any(String)] },
      { location: 's3://carebridge-inbound/inbound/ses-spam-1', interactionIds: [] },
    ]);
    expect(exported.quarantinedEmails.map((q) => q.providerMessageId)).toEqual(['ses-spam-1']);
    expect(exported.merges).toEqual([
      expect.objectContaining({
        rule: 'staff',
        by: 'supervisor-1',
        survivorId: grace,
        mergedCustomerIds: [phoneCustomer],
      }),
    ]);
    expect(
      exported.conversations.some((c) => c.subject === 'Personal contact: Winback' && c.notes.length === 1),
    ).toBe(true);
    expect(exported.other).toEqual([]);
    expect(JSON.stringify(audit)).not.toContain(GRACE_EMAIL);
  });

  it('answers 404 for an unknown customer', async () => {
    const db = testDb(table);
    const clock = fixedClock('2026-11-20T10:00:00.000Z');

    await expect(exportCustomer(db, '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q', 'admin-1', clock)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe('erasure', () => {
  it('leaves no item of the customer, deletes their raw mail and finds nobody by any former identity', async () => {
    // Prepare
    const db = testDb(table);
    const clock = fixedClock('2026-11-20T10:00:00.000Z');
    const { grace, phoneCustomer, ada, known: ids } = await graceWithEverything(db, clock);
    const before = await scanTable(db);
    const known = withConversations(ids, before);
    const others = before.filter((item) => !isTheirs(item, known));
    const expected = countByKind(before.filter((item) => isTheirs(item, known) && item.entity !== 'audit'));
    s3Mock.on(DeleteObjectCommand).resolves({});

    // Act
    const report = await eraseCustomer(db, RAW_MAIL, grace, 'admin-1', clock);

    // Assess
    const after = await scanTable(db);
    const left = after.filter((item) => isTheirs(item, known));
    expect(left.map((item) => item.entity).filter((e) => e !== 'audit' && e !== 'erasure-tombstone')).toEqual(
      [],
    );
    expect(JSON.stringify(left)).not.toContain(GRACE_EMAIL);
    expect(JSON.stringify(left)).not.toContain(GRACE_PHONE);
    // Nothing of anyone else went: Ada, the agent, the campaign's counters (aggregates keep their counts).
    const stillThere = new Set(after.map((item) => `${item.pk}|${item.sk}`));
    expect(others.filter((item) => !stillThere.has(`${item.pk}|${item.sk}`))).toEqual([]);
    expect(report.counts).toEqual({ ...expected, 'raw-email': 2 });
    expect(report.customerIds).toEqual(expect.arrayContaining([grace, phoneCustomer]));
    const deleted = s3Mock.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input.Key);
    expect(deleted.sort()).toEqual(['inbound/ses-grace-1', 'inbound/ses-spam-1']);
    for (const identity of [
      email(GRACE_EMAIL),
      phone(GRACE_PHONE),
      { kind: 'visitor' as const, value: VISITOR, trust: 'verified' as const },
    ]) {
      await expect(findCustomerByIdentity(db, identity)).rejects.toBeInstanceOf(NotFoundError);
    }
    await expect(getCustomer(db, grace)).rejects.toBeInstanceOf(NotFoundError);
    await expect(getCustomer(db, phoneCustomer)).rejects.toBeInstanceOf(NotFoundError);
    expect((await getCustomer(db, ada)).customerId).toBe(ada);
    const agent = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: agentKey('agent-1') }));
    expect(agent.Item?.activeCount).toBe(0);
    const audit = left.find((item) => item.entity === 'audit' && item.action === 'erase');
    expect(audit).toMatchObject({ actor: 'admin-1', customerId: grace, counts: report.counts });
  });

  it('answers 404 for an unknown customer, and for one erased already', async () => {
    const db = testDb(table);
    const clock = fixedClock('2026-11-20T10:00:00.000Z');
    const { grace } = await graceWithEverything(db, clock);
    s3Mock.on(DeleteObjectCommand).resolves({});
    await eraseCustomer(db, RAW_MAIL, grace, 'admin-1', clock);

    await expect(eraseCustomer(db, RAW_MAIL, grace, 'admin-1', clock)).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      eraseCustomer(db, RAW_MAIL, '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q', 'admin-1', clock),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('a message in flight at the erasure', () => {
  it('drops a message received before the erasure, and records one received after as a new customer', async () => {
    // Prepare
    const db = testDb(table);
    const clock = fixedClock('2026-11-20T10:00:00.000Z');
    const { grace } = await graceWithEverything(db, clock);
    const receivedBefore = clock.now();
    clock.advance(1000);
    s3Mock.on(DeleteObjectCommand).resolves({});
    await eraseCustomer(db, RAW_MAIL, grace, 'admin-1', clock);
    clock.advance(1000);

    // Act
    const late = await ingestInbound(
      db,
      inbound([email(GRACE_EMAIL)], {
        channel: 'email',
        providerMessageId: 'ses-late',
        receivedAt: receivedBefore,
      }),
      clock,
    ).catch((error: unknown) => error);
    const fresh = await ingestInbound(
      db,
      inbound([email(GRACE_EMAIL)], {
        channel: 'email',
        providerMessageId: 'ses-new',
        receivedAt: clock.now(),
      }),
      clock,
    );

    // Assess
    expect(late).toBeInstanceOf(SenderErasedError);
    expect(fresh.customerCreated).toBe(true);
    expect(fresh.customerId).not.toBe(grace);
    const interactions = (await scanTable(db)).filter((item) => item.entity === 'interaction');
    expect(interactions.map((item) => item.providerMessageId)).not.toContain('ses-late');
  });

  it('deletes the raw mail of an email SES received before the erasure, recording nothing', async () => {
    // Prepare
    const db = testDb(table);
    const clock = fixedClock('2026-11-20T10:00:00.000Z');
    const { grace } = await graceWithEverything(db, clock);
    const raw = mime(
      'From: Grace <grace@example.com>',
      'To: help@support.example.com',
      'Subject: Still there?',
      '',
      'Hello?',
    );
    const record = parseSesLambdaEvent(
      sesReceiptEvent({
        source: GRACE_EMAIL,
        recipients: ['help@support.example.com'],
        raw,
        receivedAt: clock.now(),
      }),
    ).Records[0]?.ses;
    if (!record) throw new Error('no record');
    clock.advance(1000);
    s3Mock.on(DeleteObjectCommand).resolves({});
    await eraseCustomer(db, RAW_MAIL, grace, 'admin-1', clock);
    s3Mock.reset();
    s3Mock.on(GetObjectCommand).resolves({
      Body: s3Body(raw),
      ContentRange: `bytes 0-${raw.length - 1}/${raw.length}`,
    });
    s3Mock.on(DeleteObjectCommand).resolves({});

    // Act
    const received = receiveEmail(
      { db, s3, bucket: 'carebridge-inbound', prefix: 'inbound/', handoff: async () => undefined, clock },
      record,
    );

    // Assess
    await expect(received).rejects.toBeInstanceOf(SenderErasedError);
    expect(s3Mock.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input.Key)).toEqual([
      `inbound/${record.mail.messageId}`,
    ]);
    expect(
      (await scanTable(db)).filter((item) => item.entity === 'interaction' && item.channel === 'email'),
    ).toHaveLength(1);
  });

  it('treats a queued routing request of an erased customer as done, and one of an unknown customer as a failure', async () => {
    // Prepare
    const db = testDb(table);
    const clock = fixedClock('2026-11-20T10:00:00.000Z');
    const message = await ingestInbound(
      db,
      inbound([email('zoe@example.com')], { receivedAt: clock.now() }),
      clock,
    );
    s3Mock.on(DeleteObjectCommand).resolves({});
    await eraseCustomer(db, RAW_MAIL, message.customerId, 'admin-1', clock);
    const request = {
      kind: 'inbound' as const,
      customerId: message.customerId,
      conversationId: message.conversationId,
      interactionId: message.interactionId,
      channel: message.channel,
      occurredAt: message.occurredAt,
      conversationOpened: true,
    };
    const route = (customerId: string) =>
      unlessErased(db, customerId, () =>
        recordInboundActivity(db, { ...request, customerId }, ruleRouter(ROUTING_DEFINITION), clock),
      );

    // Act and Assess
    expect(await route(message.customerId)).toBeUndefined();
    await expect(route('01JDQ3V9XK4T2B7Y8Z0M5N6P7Q')).rejects.toBeInstanceOf(NotFoundError);
    const scanned = await scanTable(db);
    expect(scanned.filter((item) => item.entity === 'conversation' || item.entity === 'customer')).toEqual(
      [],
    );
  });
});

describe('identity graph', () => {
  /** Ada (email) and Bob (phone), merged when a site-signed form carried both, and messages since. */
  async function mergedAdaAndBob(db: Db, clock: Clock & { advance(ms: number): void }) {
    const ada1 = await ingestInbound(
      db,
      inbound([email('ada@example.com')], { channel: 'email', receivedAt: clock.now() }),
      clock,
    );
    clock.advance(60_000);
    await ingestInbound(
      db,
      inbound([email('ada@example.com')], { channel: 'email', receivedAt: clock.now() }),
      clock,
    );
    clock.advance(60_000);
    const bob1 = await ingestInbound(
      db,
      inbound([phone('+14155550122')], { channel: 'sms', receivedAt: clock.now() }),
      clock,
    );
    clock.advance(60_000);
    await ingestInbound(
      db,
      inbound([phone('+14155550122')], { channel: 'sms', receivedAt: clock.now() }),
      clock,
    );
    clock.advance(60_000);
    const both = await ingestInbound(
      db,
      inbound([email('ada@example.com'), phone('+14155550122')], { receivedAt: clock.now() }),
      clock,
    );
    clock.advance(60_000);
    await ingestInbound(
      db,
      inbound([phone('+14155550122')], { channel: 'sms', receivedAt: clock.now() }),
      clock,
    );
    clock.advance(60_000);
    await ingestInbound(
      db,
      inbound([email('ada@example.com')], { channel: 'email', receivedAt: clock.now() }),
      clock,
    );
    return { ada: ada1.customerId, bob: bob1.customerId, merged: both.mergedCustomerIds };
  }

  async function timelineIds(db: Db, customerId: string): Promise<string[]> {
    const page = await getTimeline(db, await getCustomer(db, customerId), { limit: 100 });
    return page.items.map((item) => item.interactionId).sort();
  }

  it('records which identities a merge joined, why, when and by which rule', async () => {
    const db = testDb(table);
    const clock = fixedClock('2026-11-20T10:00:00.000Z');
    const { ada, bob, merged } = await mergedAdaAndBob(db, clock);

    const history = await listMerges(db, bob);

    expect(merged).toEqual([bob]);
    expect(history).toEqual({
      customerId: ada,
      merges: [
        expect.objectContaining({
          survivorId: ada,
          mergedCustomerIds: [bob],
          rule: 'verified-identities',
          vouched: false,
          sides: [
            expect.objectContaining({ customerId: ada, identities: [email('ada@example.com')] }),
            expect.objectContaining({ customerId: bob, identities: [phone('+14155550122')] }),
          ],
        }),
      ],
      unrecorded: [],
    });
  });

  it('restores both customers with their own timelines, losing no interaction', async () => {
    // Prepare
    const db = testDb(table);
    const clock = fixedClock('2026-11-20T10:00:00.000Z');
    const { ada, bob } = await mergedAdaAndBob(db, clock);
    const allBefore = await timelineIds(db, ada);
    clock.advance(60_000);

    // Act
    const result = await splitCustomer(db, ada, [{ kind: 'phone', value: '+14155550122' }], 'admin-1', clock);

    // Assess
    expect(result).toEqual({
      customerId: ada,
      restored: [
        { customerId: bob, identities: [phone('+14155550122')], interactionsMoved: 1, conversationsMoved: 1 },
      ],
    });
    const adaTimeline = await timelineIds(db, ada);
    const bobTimeline = await timelineIds(db, bob);
    expect(allBefore).toHaveLength(7);
    expect(adaTimeline).toHaveLength(4);
    expect(bobTimeline).toHaveLength(3);
    expect([...adaTimeline, ...bobTimeline].sort()).toEqual(allBefore);
    const bobPage = await getTimeline(db, await getCustomer(db, bob), { limit: 100 });
    expect(bobPage.items.every((item) => item.channel === 'sms' && item.customerId === bob)).toBe(true);
    expect((await findCustomerByIdentity(db, phone('+14155550122'))).customerId).toBe(bob);
    expect((await findCustomerByIdentity(db, email('ada@example.com'))).customerId).toBe(ada);
    const adaNow = await getCustomer(db, ada);
    expect(adaNow.mergedFrom).toEqual([]);
    expect(adaNow.identities).toEqual([email('ada@example.com')]);
    const bobNow = await getCustomer(db, bob);
    expect(bobNow.mergedInto).toBeUndefined();
    expect(bobNow.openConversationId).toBeDefined();
    const history = await listMerges(db, ada);
    expect(history.merges[0]?.splits).toEqual([
      { at: expect.any(String), by: 'admin-1', customerIds: [bob] },
    ]);
    // A new message from Bob's phone lands on Bob again.
    const next = await ingestInbound(
      db,
      inbound([phone('+14155550122')], { channel: 'sms', receivedAt: clock.now() }),
      clock,
    );
    expect(next.customerId).toBe(bob);
  });

  it('refuses an identity no merge brought in, naming it', async () => {
    const db = testDb(table);
    const clock = fixedClock('2026-11-20T10:00:00.000Z');
    const { ada } = await mergedAdaAndBob(db, clock);

    const refused = await splitCustomer(
      db,
      ada,
      [
        { kind: 'phone', value: '+14155550122' },
        { kind: 'email', value: 'ada@example.com' },
      ],
      'admin-1',
      clock,
    ).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues).toEqual([
      { path: 'identities.1', message: 'no merge into this customer brought it' },
    ]);
    expect((await findCustomerByIdentity(db, phone('+14155550122'))).customerId).toBe(ada);
  });
});
