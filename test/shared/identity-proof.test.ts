import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { confirmMerge } from '../../shared/identity/confirm-merge.js';
import { proveIdentity } from '../../shared/identity/prove-identity.js';
import { identitySecretFromText } from '../../shared/identity/site-signature.js';
import {
  InvalidVerificationLinkError,
  issueVerificationToken,
  VERIFICATION_LINK_TTL_SECONDS,
  verifyVerificationToken,
} from '../../shared/identity/verification-link.js';
import { mailVerificationLink } from '../../shared/identity/verification-mailer.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { listAuditRecords } from '../../shared/store/audit.js';
import { findCustomerByIdentity, getCustomer } from '../../shared/store/customers.js';
import { getIdentities } from '../../shared/store/identities.js';
import { fixedClock } from '../support/chat.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { claimedEmail, claimedPhone, clock, email, inbound, phone, testDb } from '../support/inbound.js';

const table = useDynamoTable();
const ses = mockClient(SESv2Client);
const secret = identitySecretFromText('a-test-identity-secret-of-32-bytes-or-more');

afterEach(() => ses.reset());

describe('proveIdentity (a clicked verification link)', () => {
  it('turns the claim of a customer made of claims into a verified identity of that customer', async () => {
    // Prepare
    const db = testDb(table);
    const lead = await ingestInbound(db, inbound([claimedEmail('lead@example.com')]), clock);

    // Act
    const result = await proveIdentity(db, lead.customerId, claimedEmail('lead@example.com'), clock);

    // Assess
    expect(result).toEqual({ outcome: 'verified', customerId: lead.customerId });
    const [item] = await getIdentities(db, [email('lead@example.com')], true);
    expect(item).toMatchObject({ customerId: lead.customerId, trust: 'verified' });
    expect(item?.claimSetSize).toBeUndefined();
    expect((await getCustomer(db, lead.customerId)).identities).toEqual([
      { kind: 'email', value: 'lead@example.com', trust: 'verified' },
    ]);
    // From then on the address behaves as verified: a mail from it continues the same customer.
    const mail = await ingestInbound(db, inbound([email('lead@example.com')], { channel: 'email' }), clock);
    expect(mail.customerId).toBe(lead.customerId);
  });

  it('merges with the customer that had proven the address before (they are one person)', async () => {
    // Prepare: Ada proved her address by mail; later she used the web form without a signature.
    const db = testDb(table);
    const ada = await ingestInbound(db, inbound([email('ada@example.com')], { channel: 'email' }), clock);
    const form = await ingestInbound(db, inbound([claimedEmail('ada@example.com')]), clock);

    // Act
    const result = await proveIdentity(db, form.customerId, claimedEmail('ada@example.com'), clock);

    // Assess
    expect(result).toEqual({ outcome: 'merged', customerId: ada.customerId });
    expect((await getCustomer(db, form.customerId)).customerId).toBe(ada.customerId);
    expect(await proveIdentity(db, form.customerId, claimedEmail('ada@example.com'), clock)).toEqual({
      outcome: 'already-verified',
      customerId: ada.customerId,
    });
  });

  it('takes the address over from another customer that only claimed it', async () => {
    // Prepare: someone claimed the address first; its owner chats and claims it too.
    const db = testDb(table);
    const squatter = await ingestInbound(db, inbound([claimedEmail('mine@example.com')]), clock);
    const owner = await ingestInbound(
      db,
      inbound(
        [
          { kind: 'visitor', value: '01JDQ3V9XK4T2B7Y8Z0M5N6P7X', trust: 'verified' },
          claimedEmail('mine@example.com'),
        ],
        {
          channel: 'chat',
        },
      ),
      clock,
    );

    // Act
    const result = await proveIdentity(db, owner.customerId, claimedEmail('mine@example.com'), clock);

    // Assess
    expect(result).toEqual({ outcome: 'verified', customerId: owner.customerId });
    expect((await findCustomerByIdentity(db, email('mine@example.com'))).customerId).toBe(owner.customerId);
    expect((await getCustomer(db, squatter.customerId)).identities).toEqual([]);
  });
});

describe('verification links', () => {
  it('verify within a day and name the customer and address they prove', async () => {
    const issued = fixedClock('2026-11-26T12:00:00.000Z');
    const token = await issueVerificationToken(
      secret,
      { customerId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q', email: 'a@example.com' },
      issued,
    );

    issued.advance((VERIFICATION_LINK_TTL_SECONDS - 1) * 1000);
    const claim = await verifyVerificationToken(secret, token, issued);

    expect(claim).toEqual({ customerId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q', email: 'a@example.com' });
  });

  it('refuse an expired link, a tampered one and one signed with another secret', async () => {
    const issued = fixedClock('2026-11-26T12:00:00.000Z');
    const token = await issueVerificationToken(
      secret,
      { customerId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q', email: 'a@example.com' },
      issued,
    );
    const other = identitySecretFromText('another-identity-secret-of-32-bytes-or-more');

    const refusal = (key: Uint8Array, candidate: string) =>
      verifyVerificationToken(key, candidate, issued).catch((error: unknown) => error);

    const wrongKey = await refusal(other, token);
    const tampered = await refusal(secret, `${token.slice(0, -2)}xx`);
    issued.advance((VERIFICATION_LINK_TTL_SECONDS + 1) * 1000);
    const expired = await refusal(secret, token);

    expect(wrongKey).toBeInstanceOf(InvalidVerificationLinkError);
    expect(tampered).toBeInstanceOf(InvalidVerificationLinkError);
    expect(expired).toBeInstanceOf(InvalidVerificationLinkError);
    expect((expired as Error).message).toContain('expired');
  });

  it('are mailed at most once per address per hour, and again when the same request is retried', async () => {
    // Prepare
    const db = testDb(table);
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
    const now = fixedClock('2026-11-26T12:00:00.000Z');
    const mailer = {
      db,
      ses: new SESv2Client({ region: 'us-east-1' }),
      clock: now,
      from: { address: 'support@help.example.com', name: 'Help' },
      verifyUrl: 'https://api.example.com/v1/identity/verify',
      identitySecret: async () => secret,
    };
    const request = {
      kind: 'email-verification',
      customerId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q',
      email: 'flood@example.com',
    } as const;

    // Act
    const first = await mailVerificationLink(mailer, request, 'sqs-message-1');
    const retried = await mailVerificationLink(mailer, request, 'sqs-message-1');
    const another = await mailVerificationLink(mailer, request, 'sqs-message-2');
    now.advance(61 * 60 * 1000);
    const later = await mailVerificationLink(mailer, request, 'sqs-message-3');

    // Assess
    expect([first, retried, another, later]).toEqual(['sent', 'sent', 'throttled', 'sent']);
    const sent = ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input);
    expect(sent).toHaveLength(3);
    expect(sent[0]?.Destination?.ToAddresses).toEqual(['flood@example.com']);
    const text = sent[0]?.Content?.Simple?.Body?.Text?.Data ?? '';
    const link = new URL(text.match(/https:\/\/\S+/)?.[0] ?? '');
    expect(link.origin + link.pathname).toBe('https://api.example.com/v1/identity/verify');
    const claim = await verifyVerificationToken(secret, link.searchParams.get('token') ?? '', now);
    expect(claim).toEqual({ customerId: request.customerId, email: 'flood@example.com' });
  });
});

describe('confirmMerge (a supervisor confirms a possible match)', () => {
  it('merges the customers, vouches for every identity and files an audit record', async () => {
    // Prepare: a verified customer, and a form that only claimed her phone.
    const db = testDb(table);
    const grace = await ingestInbound(db, inbound([phone('+14155550111')], { channel: 'sms' }), clock);
    const form = await ingestInbound(
      db,
      inbound([claimedEmail('grace@example.com'), claimedPhone('+14155550111')]),
      clock,
    );

    // Act
    const result = await confirmMerge(db, [form.customerId, grace.customerId], 'supervisor-sub-1', clock);

    // Assess
    expect(result).toEqual({ survivorId: grace.customerId, mergedCustomerIds: [form.customerId] });
    const merged = await getCustomer(db, form.customerId);
    expect(merged.customerId).toBe(grace.customerId);
    expect(merged.identities).toEqual(
      expect.arrayContaining([
        { kind: 'phone', value: '+14155550111', trust: 'verified' },
        { kind: 'email', value: 'grace@example.com', trust: 'verified' },
      ]),
    );
    const [item] = await getIdentities(db, [email('grace@example.com')], true);
    expect(item).toMatchObject({ customerId: grace.customerId, trust: 'verified' });
    const [audit] = await listAuditRecords(db, grace.customerId);
    expect(audit).toMatchObject({
      action: 'merge',
      actor: 'supervisor-sub-1',
      customerIds: expect.arrayContaining([grace.customerId, form.customerId]),
    });
    expect(JSON.stringify(audit)).not.toContain('grace@example.com');
  });

  it('changes nothing for customers that are one already, and refuses unknown ids and a single id', async () => {
    const db = testDb(table);
    const one = await ingestInbound(db, inbound([email('one@example.com')]), clock);

    const same = await confirmMerge(db, [one.customerId, one.customerId, one.customerId], 'sup', clock).catch(
      (error: unknown) => error,
    );
    const unknown = await confirmMerge(
      db,
      [one.customerId, '01JDQ3V9XK4T2B7Y8Z0M5N6P7Z'],
      'sup',
      clock,
    ).catch((error: unknown) => error);

    expect(same).toBeInstanceOf(ValidationError);
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect(await listAuditRecords(db, one.customerId)).toEqual([]);
  });
});
