import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RawEmailMissingError } from '../../shared/channels/email/errors.js';
import { ValidationError } from '../../shared/errors.js';
import { mime, nestedMime, s3Body } from '../support/email.js';
import { loadEvent, loadRaw } from '../support/events.js';
import { lambdaContext, setHandlerEnv } from '../support/lambda.js';

const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const s3 = mockClient(S3Client);
let handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<void>;

beforeAll(async () => {
  setHandlerEnv({ INBOUND_EMAIL_BUCKET: 'carebridge-inbound-test', INBOUND_EMAIL_PREFIX: 'inbound/' });
  ({ handler } = await import('../../functions/email/inbound.js'));
});

afterEach(() => {
  dynamo.reset();
  sqs.reset();
  s3.reset();
});

interface SesEventFixture {
  Records: { ses: { mail: { messageId: string }; receipt: Record<string, unknown> } }[];
}

const MESSAGE_ID = '6n4thuhcbhpfiuf25gshf70rss364fuejrvmqko1';
const RAW = mime(
  'From: Amazon Web Services <aws@amazon.com>',
  'To: lambda@amazon.com',
  'Subject: Test Subject',
  'Message-ID: <CAEddw6POFV_On91m+ZoL_SN8B_M2goDe_Ni355owhc7QSjPQSQ@amazon.com>',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Hello from SES.',
);

function sesEvent(change?: (event: SesEventFixture) => void): SesEventFixture {
  const event = loadEvent<SesEventFixture>('email/ses-lambda-event.json');
  change?.(event);
  return event;
}

function storedRaw(raw: Uint8Array): void {
  s3.on(GetObjectCommand).callsFake(() => ({
    Body: s3Body(raw),
    ContentLength: raw.length,
    ContentRange: `bytes 0-${raw.length - 1}/${raw.length}`,
  }));
}

describe('SES receipt handler (functions/email/inbound.ts)', () => {
  it('reads the raw message the S3 action stored, records it and hands it to routing', async () => {
    // Prepare
    storedRaw(RAW);
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'carebridge-test': [] } });
    dynamo.on(TransactWriteCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });

    // Act
    await handler(sesEvent(), lambdaContext('email-inbound'));

    // Assess
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'carebridge-inbound-test',
      Key: `inbound/${MESSAGE_ID}`,
      Range: `bytes=0-${10 * 1024 * 1024}`,
    });
    const keys =
      dynamo.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.['carebridge-test']?.Keys;
    expect(keys).toEqual([{ pk: 'IDENTITY#email#aws@amazon.com', sk: 'IDENTITY' }]);
    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items[0]?.Put?.Item).toMatchObject({
      pk: `MESSAGE#email#${MESSAGE_ID}`,
      channel: 'email',
      subject: 'Test Subject',
      body: 'Hello from SES.',
    });
    const handedOff = JSON.parse(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '{}');
    expect(handedOff).toMatchObject({ kind: 'inbound', channel: 'email', conversationOpened: true });
  });

  it('looks a reply up by the Message-IDs it answers', async () => {
    storedRaw(loadRaw('email/reply-gmail.eml'));
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'carebridge-test': [] } });
    dynamo.on(TransactWriteCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});

    await handler(sesEvent(), lambdaContext('email-inbound'));

    const [threads, identities] = dynamo
      .commandCalls(BatchGetCommand)
      .map((call) => call.args[0].input.RequestItems?.['carebridge-test']?.Keys);
    expect(threads).toEqual([
      { pk: 'EMAILID#01JDQ3V9XK4T2B7Y8Z0M5N6P7S@help.example.com', sk: 'EMAILID' },
      { pk: 'EMAILID#first-1@mail.gmail.com', sk: 'EMAILID' },
    ]);
    expect(identities).toEqual([{ pk: 'IDENTITY#email#ada@example.com', sk: 'IDENTITY' }]);
  });

  it('quarantines a spam verdict without reading the message or routing it', async () => {
    dynamo.on(PutCommand).resolves({});

    await handler(
      sesEvent((event) => {
        const record = event.Records[0];
        if (record) record.ses.receipt.spamVerdict = { status: 'FAIL' };
      }),
      lambdaContext('email-inbound'),
    );

    expect(s3.calls()).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
    const put = dynamo.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put?.Item).toMatchObject({
      pk: `QUARANTINE#email#${MESSAGE_ID}`,
      entity: 'quarantine',
      reasons: ['spam'],
      expiresAt: expect.any(Number),
    });
    expect(put?.ConditionExpression).toBe('attribute_not_exists(pk)');
  });

  it('quarantines MIME the parser refuses instead of throwing, so the event is not retried', async () => {
    // Prepare
    dynamo.on(PutCommand).resolves({});
    storedRaw(nestedMime(60, 'From: Amazon Web Services <aws@amazon.com>'));

    // Act
    await handler(sesEvent(), lambdaContext('email-inbound'));

    // Assess
    expect(sqs.calls()).toHaveLength(0);
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      pk: `QUARANTINE#email#${MESSAGE_ID}`,
      reasons: ['unparseable'],
    });
  });

  it('records an auto-reply without handing it to routing', async () => {
    storedRaw(loadRaw('email/out-of-office.eml'));
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'carebridge-test': [] } });
    dynamo.on(TransactWriteCommand).resolves({});

    await handler(sesEvent(), lambdaContext('email-inbound'));

    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items[0]?.Put?.Item).toMatchObject({ routing: 'record-only' });
    expect(sqs.calls()).toHaveLength(0);
  });

  it('throws on an event that is not an SES receipt, touching nothing', async () => {
    await expect(
      handler({ Records: [{ eventSource: 'aws:sqs' }] }, lambdaContext('email-inbound')),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      handler(
        sesEvent((event) => {
          const record = event.Records[0];
          if (record) record.ses.mail.messageId = '../../etc/passwd';
        }),
        lambdaContext('email-inbound'),
      ),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(s3.calls()).toHaveLength(0);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('throws when the stored message is missing, so Lambda retries and then dead-letters the event', async () => {
    s3.on(GetObjectCommand).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }),
    );

    await expect(handler(sesEvent(), lambdaContext('email-inbound'))).rejects.toBeInstanceOf(
      RawEmailMissingError,
    );
    expect(dynamo.calls()).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('throws when the hand-off fails after recording, so the retry hands the duplicate off', async () => {
    storedRaw(RAW);
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'carebridge-test': [] } });
    dynamo.on(TransactWriteCommand).resolves({});
    sqs.on(SendMessageCommand).rejects(new Error('throttled'));

    await expect(handler(sesEvent(), lambdaContext('email-inbound'))).rejects.toThrow('throttled');
  });
});
