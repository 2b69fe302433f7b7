import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startFauxqsEmulator } from '../../local/emulators.js';
import { type SmtpListener, startSmtpListener } from '../../local/smtp-listener.js';
import { receiveEmail } from '../../shared/channels/email/receive-email.js';
import { parseSesLambdaEvent, type SesLambdaEvent } from '../../shared/channels/email/ses-event.js';
import { storeReceivedEmail } from '../../shared/channels/email/store-received.js';
import { findCustomerByIdentity } from '../../shared/store/customers.js';
import { getTimeline } from '../../shared/store/timeline.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { clock, email, testDb } from '../support/inbound.js';

const DOMAIN = 'support.carebridge.local';
const target = { bucket: 'carebridge-local-inbound-email', prefix: 'inbound/' };
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const table = useDynamoTable();

let fauxqs: Emulator;
let s3: S3Client;
let listener: SmtpListener;
const events: SesLambdaEvent[] = [];
const failures: unknown[] = [];

beforeAll(async () => {
  fauxqs = await startFauxqsEmulator();
  s3 = new S3Client({ region: 'us-east-1', endpoint: fauxqs.endpoint, credentials, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: target.bucket }));
  // What the local stack does, at SES's default size limit: the receipt rule's S3 action, then its
  // Lambda action (here the event is kept for the test to hand to receiveEmail).
  listener = await startSmtpListener({
    domain: DOMAIN,
    receive: async (raw, envelope) => {
      events.push(await storeReceivedEmail(s3, target, raw, envelope));
    },
    onError: (_message, error) => failures.push(error),
  });
});

afterAll(async () => {
  await listener?.stop();
  s3?.destroy();
  await fauxqs?.stop();
});

/** A message of about `bytes` bytes: a short text part and a base64 attachment making up the rest. */
function largeMessage(bytes: number): Buffer {
  const line = `${'QUJD'.repeat(19)}\r\n`;
  const attachment = line.repeat(Math.ceil(bytes / line.length));
  const head = [
    'From: Ada Lovelace <ada@example.com>',
    `To: help@${DOMAIN}`,
    'Subject: Scans of my invoices',
    'Message-ID: <large-1@example.com>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'The scans are attached.',
    '--b',
    'Content-Type: application/pdf; name="scans.pdf"',
    'Content-Disposition: attachment; filename="scans.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    '',
  ].join('\r\n');
  return Buffer.from(`${head}${attachment}--b--\r\n`, 'latin1');
}

describe('local SMTP listener with large mail', () => {
  it('accepts a 20 MB message with 250, stores it whole and records it by its headers', async () => {
    // Prepare
    const raw = largeMessage(20 * 1024 * 1024);
    const client = createTransport({
      host: listener.host,
      port: listener.port,
      secure: false,
      ignoreTLS: true,
    });

    // Act
    const info = await client
      .sendMail({ envelope: { from: 'ada@example.com', to: [`help@${DOMAIN}`] }, raw })
      .finally(() => client.close());

    // Assess: accepted and stored as sent.
    expect(failures).toEqual([]);
    expect(info.response).toMatch(/^250 /);
    expect(events).toHaveLength(1);
    const record = parseSesLambdaEvent(events[0]).Records[0];
    if (!record) throw new Error('no record');
    const key = `${target.prefix}${record.ses.mail.messageId}`;
    const head = await s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key }));
    expect(head.ContentLength).toBe(raw.length);
    expect(head.ContentType).toBe('message/rfc822');
    const tail = await s3.send(
      new GetObjectCommand({ Bucket: target.bucket, Key: key, Range: `bytes=${raw.length - 100}-` }),
    );
    expect(Buffer.from((await tail.Body?.transformToByteArray()) ?? []).equals(raw.subarray(-100))).toBe(
      true,
    );

    // Act: the inbound function's domain code, reading the object the listener stored.
    const db = testDb(table);
    const handoff = vi.fn(async () => undefined);
    const received = await receiveEmail({ db, s3, ...target, handoff, clock }, record.ses);

    // Assess: over the 10 MB read, so recorded by its headers with a note, and routed.
    expect(received).toMatchObject({ outcome: 'recorded', routing: 'route', oversized: true });
    expect(handoff).toHaveBeenCalledTimes(1);
    const customer = await findCustomerByIdentity(db, email('ada@example.com'));
    const [interaction] = (await getTimeline(db, customer, { limit: 1 })).items;
    expect(interaction?.subject).toBe('Scans of my invoices');
    expect(interaction?.body).toContain('20.0 MB, over the 10.0 MB carebridge reads');
    expect(interaction?.providerRefs.oversizedBytes).toBe(String(raw.length));
  });
});
