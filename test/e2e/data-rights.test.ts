import { randomBytes, randomUUID } from 'node:crypto';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { LocalStack } from '../../local/stack.js';
import { CustomerExportSchema } from '../../shared/data-rights/export.js';
import { identitySecretFromText, siteSignature } from '../../shared/identity/site-signature.js';
import { createDb, type Db } from '../../shared/store/db.js';
import {
  exportedRefs,
  isTheirs,
  type Known,
  scanTable,
  storedRef,
  withConversations,
} from '../support/data-rights.js';
import { eventually } from '../support/eventually.js';
import { localApi } from '../support/local-api.js';
import { useLocalStack } from '../support/local-stack.js';
import { postLocalSms } from '../support/twilio.js';

/**
 * Issue 9 on the local stack, over its real interfaces: a customer who wrote by web form, email (its raw
 * MIME in the emulated S3 bucket) and SMS, and got an agent's reply by email, is exported whole (checked
 * against a scan of the stack's table) and erased: afterwards no item of theirs is in the table, their
 * raw mail is gone from the bucket and nobody is found by their email or phone. Only admins may do it.
 */

const current = useLocalStack({ seed: false });
let stack: LocalStack;
let db: Db;
let s3: S3Client;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
beforeAll(() => {
  stack = current();
  db = createDb(stack.info.dynamodb.tableName, {
    endpoint: stack.info.dynamodb.endpoint,
    region: 'us-east-1',
    credentials,
  });
  s3 = new S3Client({
    region: 'us-east-1',
    endpoint: stack.info.s3.endpoint,
    credentials,
    forcePathStyle: true,
  });
});
afterAll(() => {
  db?.doc.destroy();
  s3?.destroy();
});

const call = localApi(() => stack);
const sign = (value: string) => siteSignature(identitySecretFromText(stack.info.identitySecret), value);
const CustomerSchema = z.looseObject({ customerId: z.string(), openConversationId: z.string().optional() });

async function rawMailKeys(): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: stack.info.s3.inboundEmailBucket }));
  return (listed.Contents ?? []).map((object) => object.Key ?? '');
}

describe('data rights on the local stack', () => {
  const run = randomUUID().slice(0, 8);
  const email = `ruth-${run}@example.com`;
  const phone = `+1415557${String(randomBytes(2).readUInt16BE() % 10_000).padStart(4, '0')}`;
  let customerId = '';
  let known: Known = { customerIds: [], values: [], markerIds: [] };
  let rawKey = '';

  it('records a customer on every channel, with an agent reply', async () => {
    // Act
    const form = await call('/v1/channels/webform', {
      method: 'POST',
      body: {
        email,
        emailSignature: sign(email),
        phone,
        phoneSignature: sign(phone),
        name: 'Ruth',
        message: 'Please check my order.',
      },
    });
    const transport = createTransport({
      host: stack.info.smtp.host,
      port: stack.info.smtp.port,
      secure: false,
      ignoreTLS: true,
    });
    try {
      await transport.sendMail({
        from: `Ruth <${email}>`,
        to: `help@${stack.info.smtp.domain}`,
        subject: 'Order',
        text: 'Any news?',
      });
    } finally {
      transport.close();
    }
    const sms = await postLocalSms(stack.info.twilio, phone, 'Hello?');

    // Assess
    expect(form.status).toBe(202);
    expect(sms.status).toBe(200);
    const customer = await eventually(async () => {
      const found = await call(`/v1/customers?email=${encodeURIComponent(email)}`, { role: 'agent' });
      if (found.status !== 200) return undefined;
      const timeline = await call(`/v1/customers/${CustomerSchema.parse(found.body).customerId}/timeline`, {
        role: 'agent',
      });
      const items = z
        .object({ items: z.array(z.object({ channel: z.string() })) })
        .parse(timeline.body).items;
      return items.some((item) => item.channel === 'email') ? CustomerSchema.parse(found.body) : undefined;
    });
    customerId = customer.customerId;
    const reply = await call(`/v1/conversations/${customer.openConversationId}/replies`, {
      role: 'agent',
      method: 'POST',
      body: { channel: 'email', body: 'It ships tomorrow.' },
    });
    expect(reply.status).toBe(201);
    await stack.asyncIdle();
  });

  it('refuses the export to an agent (403) and to a caller without a token (401)', async () => {
    expect((await call(`/v1/customers/${customerId}/export`, { role: 'agent' })).status).toBe(403);
    expect((await call(`/v1/customers/${customerId}/export`, { role: 'supervisor' })).status).toBe(403);
    expect((await call(`/v1/customers/${customerId}/export`)).status).toBe(401);
    expect((await call(`/v1/customers/${customerId}`, { method: 'DELETE', role: 'marketing' })).status).toBe(
      403,
    );
  });

  it('exports every item the table holds about the customer, and where the raw mail is', async () => {
    // Act
    const reply = await call(`/v1/customers/${customerId}/export`, { role: 'admin' });

    // Assess
    expect(reply.status).toBe(200);
    const exported = CustomerExportSchema.parse(reply.body);
    const items = await scanTable(db);
    known = withConversations(
      { customerIds: exported.customerIds, values: [email, phone], markerIds: [] },
      items,
    );
    const theirs = items.filter(
      (item) => isTheirs(item, known) && !(item.entity === 'audit' && item.action === 'export'),
    );
    const refs = new Set(exportedRefs(exported));
    expect(theirs.map(storedRef).filter((ref) => !refs.has(ref))).toEqual([]);
    expect(exported.interactions.map((interaction) => interaction.channel).sort()).toEqual([
      'email',
      'email',
      'sms',
      'webform',
    ]);
    expect(exported.emailThreadRefs.length).toBeGreaterThan(0);
    const [raw] = exported.rawEmails;
    rawKey = raw?.location.replace(`s3://${stack.info.s3.inboundEmailBucket}/`, '') ?? '';
    expect(await rawMailKeys()).toContain(rawKey);
  });

  it('erases the customer: no item of theirs in the table, no raw mail in the bucket, nobody by email or phone', async () => {
    // Act
    const erased = await call(`/v1/customers/${customerId}`, { method: 'DELETE', role: 'admin' });

    // Assess
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ customerId, counts: expect.objectContaining({ 'raw-email': 1 }) });
    const left = (await scanTable(db)).filter((item) => isTheirs(item, known));
    expect(
      left
        .map((item) => item.entity)
        .filter((entity) => entity !== 'audit' && entity !== 'erasure-tombstone'),
    ).toEqual([]);
    expect(JSON.stringify(left)).not.toContain(email);
    expect(await rawMailKeys()).not.toContain(rawKey);
    expect((await call(`/v1/customers?email=${encodeURIComponent(email)}`, { role: 'agent' })).status).toBe(
      404,
    );
    expect((await call(`/v1/customers?phone=${encodeURIComponent(phone)}`, { role: 'agent' })).status).toBe(
      404,
    );
    expect((await call(`/v1/customers/${customerId}`, { role: 'agent' })).status).toBe(404);
    expect((await call(`/v1/customers/${customerId}`, { method: 'DELETE', role: 'admin' })).status).toBe(404);
  });
});
