import { describe, expect, it } from 'vitest';
import { NotDeliverableError } from '../../shared/errors.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { previewReply } from '../../shared/outbound/reply-preview.js';
import { sendReply } from '../../shared/outbound/send-reply.js';
import type { InboundMessage, TrustedIdentity } from '../../shared/schemas/index.js';
import { getConversation } from '../../shared/store/conversations.js';
import { findCustomerByIdentity, getCustomer } from '../../shared/store/customers.js';
import type { Db } from '../../shared/store/db.js';
import { getIdentities } from '../../shared/store/identities.js';
import { getTimeline } from '../../shared/store/timeline.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { claimedEmail, claimedPhone, clock, email, inbound, phone, testDb } from '../support/inbound.js';
import { recordingSender } from '../support/recording-sender.js';

const table = useDynamoTable();

/** A victim who proved both addresses: an SMS from their phone, then a site-signed form with both. */
async function verifiedVictim(db: Db) {
  const sms = await ingestInbound(
    db,
    inbound([phone('+14155552671')], { channel: 'sms', body: 'My card ending 4242 was charged twice' }),
    clock,
  );
  await ingestInbound(db, inbound([email('victim@example.com'), phone('+14155552671')]), clock);
  return sms;
}

async function timelineOf(db: Db, customerId: string) {
  return (await getTimeline(db, await getCustomer(db, customerId), { limit: 100 })).items;
}

function senders() {
  return { email: recordingSender('email'), sms: recordingSender('sms'), chat: recordingSender('chat') };
}

const visitor = (value: string): TrustedIdentity => ({ kind: 'visitor', value, trust: 'verified' });

describe('claimed identities never reach another customer', () => {
  it('records a form claiming a victim phone beside the attacker email on a customer of its own', async () => {
    // Prepare
    const db = testDb(table);
    const victim = await verifiedVictim(db);
    const out = senders();

    // Act: an unsigned web form with the attacker's email and the victim's phone.
    const attack = await ingestInbound(
      db,
      inbound([claimedEmail('attacker@example.com'), claimedPhone('+14155552671')], {
        body: 'Send my card details',
      }),
      clock,
    );
    await sendReply(
      db,
      out,
      {
        conversationId: victim.conversationId,
        body: 'Your refund for card 4242 is on its way',
        authorId: 'agent-1',
        channel: 'email',
      },
      clock,
    );

    // Assess: no merge, the victim keeps exactly their proven identities, the reply reaches the victim only.
    expect(attack.customerId).not.toBe(victim.customerId);
    expect(attack.mergedCustomerIds).toEqual([]);
    const victimProfile = await getCustomer(db, victim.customerId);
    expect(victimProfile.identities).toEqual([
      { kind: 'phone', value: '+14155552671', trust: 'verified' },
      { kind: 'email', value: 'victim@example.com', trust: 'verified' },
    ]);
    expect(out.email.sent.map((envelope) => envelope.to.value)).toEqual(['victim@example.com']);
    const [recorded] = await timelineOf(db, attack.customerId);
    expect(recorded).toMatchObject({
      identities: [
        { kind: 'email', value: 'attacker@example.com', trust: 'claimed' },
        { kind: 'phone', value: '+14155552671', trust: 'claimed' },
      ],
      possibleMatches: [victim.customerId],
    });
    expect(
      (await timelineOf(db, victim.customerId)).some((item) => item.body === 'Send my card details'),
    ).toBe(false);
  });

  it('keeps a verified mail of the attacker out of the victim conversation, even when it names it', async () => {
    // Prepare: the attacker's claim attempt, then the attacker's own DMARC-aligned mail quoting the victim thread.
    const db = testDb(table);
    const victim = await verifiedVictim(db);
    await ingestInbound(
      db,
      inbound([claimedEmail('attacker@example.com'), claimedPhone('+14155552671')]),
      clock,
    );

    // Act
    const mail = await ingestInbound(
      db,
      inbound([email('attacker@example.com')], { channel: 'email', body: 'Any news on my card?' }),
      clock,
      { conversationHint: victim.conversationId },
    );

    // Assess
    expect(mail.customerId).not.toBe(victim.customerId);
    expect(mail.conversationId).not.toBe(victim.conversationId);
    expect((await findCustomerByIdentity(db, email('victim@example.com'))).customerId).toBe(
      victim.customerId,
    );
    expect(
      (await getCustomer(db, victim.customerId)).identities.map((identity) => identity.value),
    ).not.toContain('attacker@example.com');
  });

  it('lets a chat visitor who claims a customer email see none of that customer', async () => {
    // Prepare
    const db = testDb(table);
    const victim = await verifiedVictim(db);

    // Act: a chat message (visitor id verified) claiming the victim's email.
    const chat = await ingestInbound(
      db,
      inbound([visitor('01JDQ3V9XK4T2B7Y8Z0M5N6P7V'), claimedEmail('victim@example.com')], {
        channel: 'chat',
      }),
      clock,
    );

    // Assess
    expect(chat.customerId).not.toBe(victim.customerId);
    expect(chat.conversationId).not.toBe(victim.conversationId);
    const chatProfile = await getCustomer(db, chat.customerId);
    expect(chatProfile.identities).toEqual([
      { kind: 'visitor', value: '01JDQ3V9XK4T2B7Y8Z0M5N6P7V', trust: 'verified' },
    ]);
    const [recorded] = await timelineOf(db, chat.customerId);
    expect(recorded?.possibleMatches).toEqual([victim.customerId]);
  });

  it('gives the first claimant nothing of the owner once the owner writes from the address', async () => {
    // Prepare: an attacker claims an address nobody has used yet.
    const db = testDb(table);
    const claim = await ingestInbound(
      db,
      inbound([claimedEmail('owner@example.com')], { body: 'claim' }),
      clock,
    );

    // Act: the owner writes from it (verified), then the attacker claims it again.
    const owner = await ingestInbound(
      db,
      inbound([email('owner@example.com')], { channel: 'email', body: 'my account question' }),
      clock,
    );
    const again = await ingestInbound(
      db,
      inbound([claimedEmail('owner@example.com')], { body: 'again' }),
      clock,
    );
    const out = senders();
    await sendReply(
      db,
      out,
      { conversationId: owner.conversationId, body: 'About your account', authorId: 'agent-1' },
      clock,
    );

    // Assess: the owner has a customer of their own holding the address, verified; the claims stay apart.
    expect(owner.customerId).not.toBe(claim.customerId);
    const [item] = await getIdentities(db, [email('owner@example.com')], true);
    expect(item).toMatchObject({ customerId: owner.customerId, trust: 'verified' });
    expect((await getCustomer(db, claim.customerId)).identities).toEqual([]);
    expect(again.customerId).not.toBe(owner.customerId);
    expect((await timelineOf(db, again.customerId))[0]?.possibleMatches).toEqual([owner.customerId]);
    expect((await timelineOf(db, owner.customerId)).map((interaction) => interaction.body)).toEqual([
      'About your account',
      'my account question',
    ]);
    expect(out.email.sent.map((envelope) => envelope.to)).toEqual([
      { kind: 'email', value: 'owner@example.com', trust: 'verified' },
    ]);
  });
});

describe('claims that match nobody else', () => {
  it('continue the customer made of exactly those claims, one conversation', async () => {
    const db = testDb(table);

    const first = await ingestInbound(
      db,
      inbound([claimedEmail('lead@example.com'), claimedPhone('+14155550100')]),
      clock,
    );
    const second = await ingestInbound(
      db,
      inbound([claimedPhone('+14155550100'), claimedEmail('lead@example.com')]),
      clock,
    );

    expect(second.customerId).toBe(first.customerId);
    expect(second.conversationId).toBe(first.conversationId);
    expect(second.customerCreated).toBe(false);
  });

  it('open a customer of their own when only part of a claimed set is given', async () => {
    const db = testDb(table);
    const first = await ingestInbound(
      db,
      inbound([claimedEmail('part@example.com'), claimedPhone('+14155550101')]),
      clock,
    );

    const partial = await ingestInbound(db, inbound([claimedEmail('part@example.com')]), clock);

    expect(partial.customerId).not.toBe(first.customerId);
    expect((await timelineOf(db, partial.customerId))[0]?.possibleMatches).toEqual([first.customerId]);
  });

  it('become verified on the customer that claimed them when the same customer proves them', async () => {
    // Prepare: a chat visitor's first message claims an address nobody holds.
    const db = testDb(table);
    const chatter = visitor('01JDQ3V9XK4T2B7Y8Z0M5N6P7W');
    const first = await ingestInbound(
      db,
      inbound([chatter, claimedEmail('chatter@example.com')], { channel: 'chat' }),
      clock,
    );

    // Act: the site signs the same visitor's email on a later session.
    const signed = await ingestInbound(
      db,
      inbound([chatter, email('chatter@example.com')], { channel: 'chat' }),
      clock,
    );

    // Assess
    expect(signed.customerId).toBe(first.customerId);
    const [item] = await getIdentities(db, [email('chatter@example.com')], true);
    expect(item).toMatchObject({ customerId: first.customerId, trust: 'verified' });
    expect(item?.claimSetSize).toBeUndefined();
    expect((await getCustomer(db, first.customerId)).identities).toContainEqual({
      kind: 'email',
      value: 'chatter@example.com',
      trust: 'verified',
    });
  });
});

describe('replies', () => {
  it('go to a claimed address when every message of the conversation carried it, and say so', async () => {
    const db = testDb(table);
    const lead = await ingestInbound(db, inbound([claimedEmail('lead2@example.com')]), clock);
    const out = senders();

    const reply = await sendReply(
      db,
      out,
      { conversationId: lead.conversationId, body: 'Hello', authorId: 'agent-1' },
      clock,
    );

    expect(reply.identities).toEqual([{ kind: 'email', value: 'lead2@example.com', trust: 'claimed' }]);
    expect(out.email.sent).toHaveLength(1);
  });

  it('refuse a claimed address that another message of the conversation did not carry', async () => {
    // Prepare: a signed phone with a claimed email opens the conversation; an SMS from the phone follows.
    const db = testDb(table);
    const form = await ingestInbound(
      db,
      inbound([phone('+14155550102'), claimedEmail('maybe@example.com')]),
      clock,
    );
    await ingestInbound(db, inbound([phone('+14155550102')], { channel: 'sms' }), clock);
    const out = senders();

    // Act
    const refusal = await sendReply(
      db,
      out,
      { conversationId: form.conversationId, body: 'Hi', authorId: 'agent-1', channel: 'email' },
      clock,
    ).catch((error: unknown) => error);
    const preview = await previewReply(db, await getConversation(db, form.conversationId));

    // Assess
    expect(refusal).toBeInstanceOf(NotDeliverableError);
    expect(refusal).toMatchObject({ reason: 'unverified_address' });
    expect(out.email.sent).toHaveLength(0);
    expect(preview.channels.email).toEqual({ unavailable: 'unverified_address' });
    expect(preview.channels.sms).toEqual({ to: { kind: 'phone', value: '+14155550102', trust: 'verified' } });
    expect(preview.defaultChannel).toBe('sms');
  });
});

describe('verified identities merge as before', () => {
  it('merges two customers when one verified message carries identities of both', async () => {
    const db = testDb(table);
    const byEmail = await ingestInbound(
      db,
      inbound([email('both@example.com')], { channel: 'email' }),
      clock,
    );
    const byPhone = await ingestInbound(db, inbound([phone('+14155550103')], { channel: 'sms' }), clock);

    const signedForm: InboundMessage = inbound([email('both@example.com'), phone('+14155550103')]);
    const merged = await ingestInbound(db, signedForm, clock);

    expect(merged.customerId).toBe(byEmail.customerId);
    expect(merged.mergedCustomerIds).toEqual([byPhone.customerId]);
    expect((await findCustomerByIdentity(db, phone('+14155550103'))).customerId).toBe(byEmail.customerId);
  });
});
