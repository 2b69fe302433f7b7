import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createTransport } from 'nodemailer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AsyncInvoker, createAsyncInvoker } from '../../local/async-invoker.js';
import { type Emulator, startFauxqsEmulator } from '../../local/emulators.js';
import { createLambdaContext } from '../../local/lambda-context.js';
import { type SmtpListener, startSmtpListener } from '../../local/smtp-listener.js';
import { type SesLambdaEvent, SesLambdaEventSchema } from '../../shared/channels/email/ses-event.js';
import { storeReceivedEmail } from '../../shared/channels/email/store-received.js';
import { loadEvent } from '../support/events.js';

const DOMAIN = 'support.carebridge.local';
const target = { bucket: 'carebridge-local-inbound-email', prefix: 'inbound/' };
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let fauxqs: Emulator;
let s3: S3Client;
let invoker: AsyncInvoker;
let listener: SmtpListener;
const invoked: unknown[] = [];
let storeFails = false;

beforeAll(async () => {
  fauxqs = await startFauxqsEmulator();
  s3 = new S3Client({ region: 'us-east-1', endpoint: fauxqs.endpoint, credentials, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: target.bucket }));
  invoker = createAsyncInvoker({
    functionName: 'carebridge-email-inbound',
    handler: async (event) => {
      invoked.push(event);
    },
    createContext: () =>
      createLambdaContext({
        functionName: 'carebridge-email-inbound',
        region: 'us-east-1',
        accountId: '000000000000',
        timeoutMs: 30_000,
        memoryLimitInMB: 512,
      }),
    onFailure: async () => undefined,
  });
  // What the local stack does: the receipt rule's S3 action, then its Lambda action.
  listener = await startSmtpListener({
    domain: DOMAIN,
    maxMessageBytes: 64 * 1024,
    receive: async (raw, envelope) => {
      if (storeFails) throw new Error('S3 is down');
      invoker.invoke(await storeReceivedEmail(s3, target, raw, envelope));
    },
    onError: () => undefined,
  });
});

afterEach(() => {
  invoked.length = 0;
  storeFails = false;
});

afterAll(async () => {
  await listener?.stop();
  await invoker?.stop();
  s3?.destroy();
  await fauxqs?.stop();
});

function transport() {
  return createTransport({ host: listener.host, port: listener.port, secure: false, ignoreTLS: true });
}

async function send(message: Parameters<ReturnType<typeof transport>['sendMail']>[0]) {
  const client = transport();
  try {
    return await client.sendMail(message);
  } finally {
    client.close();
  }
}

/** The failure of a send, for its SMTP response code. */
async function refusal(message: Parameters<typeof send>[0]): Promise<unknown> {
  try {
    await send(message);
  } catch (error) {
    return error;
  }
  throw new Error('the message was accepted');
}

/** The keys of an object, nested as `parent.child`; arrays are leaves. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => [
    `${prefix}${key}`,
    ...keyPaths(child, `${prefix}${key}.`),
  ]);
}

describe('local SMTP listener', () => {
  it('answers 250, stores the raw MIME under the SES key and invokes the function with an SES receipt event', async () => {
    // Act
    const info = await send({
      envelope: { from: 'bounces@example.com', to: [`help@${DOMAIN}`] },
      from: 'Ada Lovelace <ada@example.com>',
      to: `help@${DOMAIN}`,
      subject: 'Billing',
      messageId: '<local-1@example.com>',
      text: 'My last invoice was charged twice.',
    });
    await invoker.idle();

    // Assess
    expect(info.response).toMatch(/^250 /);
    expect(invoked).toHaveLength(1);
    const event: SesLambdaEvent = SesLambdaEventSchema.parse(invoked[0]);
    const record = event.Records[0];
    expect(record?.ses.mail).toMatchObject({
      source: 'bounces@example.com',
      destination: [`help@${DOMAIN}`],
      commonHeaders: {
        from: ['Ada Lovelace <ada@example.com>'],
        to: [`help@${DOMAIN}`],
        subject: 'Billing',
        messageId: '<local-1@example.com>',
      },
    });
    expect(record?.ses.receipt).toMatchObject({
      recipients: [`help@${DOMAIN}`],
      spamVerdict: { status: 'PASS' },
      virusVerdict: { status: 'PASS' },
    });
    // Every field is one SES sends (the recorded event under events/email/).
    const recorded = keyPaths(loadEvent<SesLambdaEvent>('email/ses-lambda-event.json').Records[0]);
    expect(recorded).toEqual(expect.arrayContaining(keyPaths(record)));
    const stored = await s3.send(
      new GetObjectCommand({ Bucket: target.bucket, Key: `inbound/${record?.ses.mail.messageId}` }),
    );
    const raw = await stored.Body?.transformToString();
    expect(raw).toContain('Subject: Billing');
    expect(raw).toContain('My last invoice was charged twice.');
    expect(stored.ContentType).toBe('message/rfc822');
  });

  it('refuses a recipient outside its domain with 550 and invokes nothing', async () => {
    // Act
    const error = await refusal({ from: 'ada@example.com', to: 'someone@elsewhere.example', text: 'hi' });
    await invoker.idle();

    // Assess
    expect(error).toMatchObject({ responseCode: 550 });
    expect(invoked).toHaveLength(0);
  });

  it('answers 451 (try again later) when the message cannot be stored', async () => {
    // Prepare
    storeFails = true;

    // Act
    const error = await refusal({ from: 'ada@example.com', to: `help@${DOMAIN}`, text: 'hi' });

    // Assess
    expect(error).toMatchObject({ responseCode: 451 });
    expect(invoked).toHaveLength(0);
  });

  it('refuses a message over the size limit with 552', async () => {
    // Act
    const error = await refusal({
      from: 'ada@example.com',
      to: `help@${DOMAIN}`,
      text: 'x'.repeat(80 * 1024),
    });
    await invoker.idle();

    // Assess
    expect(error).toMatchObject({ responseCode: 552 });
    expect(invoked).toHaveLength(0);
  });
});
