import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import {
  type Emulator,
  type SesEmulator,
  startFauxqsEmulator,
  startSesEmulator,
} from '../../local/emulators.js';
import { receiveEmail } from '../../shared/channels/email/receive-email.js';
import { sesEmailSender } from '../../shared/channels/email/ses-sender.js';
import { storeReceivedEmail } from '../../shared/channels/email/store-received.js';
import { sendReply } from '../../shared/outbound/send-reply.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { mime } from '../support/email.js';
import { clock, testDb } from '../support/inbound.js';

const table = useDynamoTable();

/** What aws-ses-v2-local's /store reports of a sent email (the fields this test reads). */
const SesStoreSchema = z.object({
  emails: z.array(
    z.object({
      messageId: z.string(),
      from: z.string(),
      subject: z.string(),
      destination: z.object({ to: z.array(z.string()) }),
      body: z.object({ text: z.string().optional() }),
    }),
  ),
});
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let fauxqs: Emulator;
let sesEmulator: SesEmulator;
let s3: S3Client;
let ses: SESv2Client;

beforeAll(async () => {
  [fauxqs, sesEmulator] = await Promise.all([startFauxqsEmulator(), startSesEmulator()]);
  // Only the endpoint, as AWS_ENDPOINT_URL_S3 gives it: an IP endpoint makes the SDK use path-style URLs.
  s3 = new S3Client({ region: 'us-east-1', endpoint: fauxqs.endpoint, credentials });
  ses = new SESv2Client({ region: 'us-east-1', endpoint: sesEmulator.endpoint, credentials });
  await s3.send(new CreateBucketCommand({ Bucket: 'carebridge-inbound-local' }));
});

afterAll(async () => {
  s3?.destroy();
  ses?.destroy();
  await Promise.all([fauxqs?.stop(), sesEmulator?.stop()]);
});

describe('email on the local emulators', () => {
  it('receives mail the way the SES receipt rule does and answers it through the SES emulator', async () => {
    // Prepare: what the local SMTP listener does with a message it accepted.
    const db = testDb(table);
    const handoff = vi.fn(async () => undefined);
    const raw = mime(
      'From: Ada Lovelace <ada@example.com>',
      'To: support@help.example.com',
      'Subject: Billing',
      'Message-ID: <local-1@example.com>',
      '',
      'My last invoice was charged twice.',
    );
    const target = { bucket: 'carebridge-inbound-local', prefix: 'inbound/' };
    const event = await storeReceivedEmail(s3, target, raw, {
      mailFrom: 'ada@example.com',
      rcptTo: ['support@help.example.com'],
    });
    const record = event.Records[0];
    if (!record) throw new Error('no record');

    // Act: the handler's domain function, with the S3 emulator behind it.
    const received = await receiveEmail({ db, s3, ...target, handoff, clock }, record.ses);
    if (received.outcome === 'quarantined') throw new Error('not quarantined');
    const reply = await sendReply(
      db,
      {
        email: sesEmailSender({
          ses,
          db,
          clock,
          from: { address: 'support@help.example.com', name: 'Support' },
        }),
      },
      {
        conversationId: received.result.conversationId,
        body: 'We refunded the second charge.',
        authorId: 'agent-1',
      },
      clock,
    );

    // Assess: stored under the SES key layout, recorded, routed, and the answer shows in the SES emulator.
    const stored = await s3.send(
      new GetObjectCommand({ Bucket: target.bucket, Key: `inbound/${record.ses.mail.messageId}` }),
    );
    expect(Buffer.from((await stored.Body?.transformToByteArray()) ?? []).equals(raw)).toBe(true);
    expect(record.ses.mail.commonHeaders).toMatchObject({
      subject: 'Billing',
      from: ['Ada Lovelace <ada@example.com>'],
    });
    expect(received).toMatchObject({ outcome: 'recorded', routing: 'route' });
    expect(handoff).toHaveBeenCalledTimes(1);
    expect(reply.deliveryStatus).toBe('sent');
    const response = await fetch(`${sesEmulator.endpoint}/store`);
    const store = SesStoreSchema.parse(await response.json());
    const sent = store.emails.find((candidate) => candidate.messageId === reply.providerRefs.providerId);
    expect(sent).toMatchObject({
      subject: 'Re: Billing',
      from: '"Support" <support@help.example.com>',
      destination: { to: ['ada@example.com'] },
    });
    expect(sent?.body.text?.trim()).toBe('We refunded the second charge.');
  });
});
