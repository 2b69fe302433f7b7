import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../functions/lib/http.js';
import { identitySecretFromText, siteSignature } from '../../shared/identity/site-signature.js';
import { loadEvent } from '../support/events.js';
import { lambdaContext, setHandlerEnv, TEST_IDENTITY_SECRET } from '../support/lambda.js';

const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
let handler: (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

beforeAll(async () => {
  setHandlerEnv();
  ({ handler } = await import('../../functions/webform/handler.js'));
});

afterEach(() => {
  dynamo.reset();
  sqs.reset();
});

function submission(body: Record<string, unknown> | string, headers: Record<string, string> = {}): HttpEvent {
  const event = loadEvent<HttpEvent>('http/webform-submission.json');
  event.body = typeof body === 'string' ? body : JSON.stringify(body);
  event.headers = { ...event.headers, ...headers };
  return event;
}

async function invoke(event: HttpEvent) {
  const result = await handler(event, lambdaContext('webform'));
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
}

const CUSTOMER = '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q';
const CONVERSATION = '01JDQ3V9XK4T2B7Y8Z0M5N6P7R';
const INTERACTION = '01JDQ3V9XK4T2B7Y8Z0M5N6P7S';

describe('POST /v1/channels/webform', () => {
  it('records a first submission and answers 202 with the interaction id only', async () => {
    // Prepare
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'carebridge-test': [] } });
    dynamo.on(TransactWriteCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });

    // Act
    const { status, body } = await invoke(loadEvent<HttpEvent>('http/webform-submission.json'));

    // Assess
    expect(status).toBe(202);
    expect(Object.keys(body)).toEqual(['interactionId']);
    const [routing, verification] = sqs
      .commandCalls(SendMessageCommand)
      .map((call) => JSON.parse(call.args[0].input.MessageBody ?? '{}'));
    expect(routing).toMatchObject({
      kind: 'inbound',
      interactionId: body.interactionId,
      conversationOpened: true,
    });
    // The typed-in email is a claim: its owner gets a link to prove it.
    expect(verification).toMatchObject({ kind: 'email-verification', email: 'ada.lovelace@example.com' });
  });

  it('records unsigned identities as claims and site-signed ones as verified', async () => {
    // Prepare
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'carebridge-test': [] } });
    dynamo.on(TransactWriteCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});
    const signed = {
      email: 'ada.lovelace@example.com',
      emailSignature: siteSignature(identitySecretFromText(TEST_IDENTITY_SECRET), 'ada.lovelace@example.com'),
      phone: '+14155552671',
      message: 'My last invoice was charged twice.',
    };

    // Act
    const { status } = await invoke(submission(signed));

    // Assess
    expect(status).toBe(202);
    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    const interaction = items[0]?.Put?.Item;
    expect(interaction?.identities).toEqual([
      { kind: 'email', value: 'ada.lovelace@example.com', trust: 'verified' },
      { kind: 'phone', value: '+14155552671', trust: 'claimed' },
    ]);
    // A verified email needs no verification link.
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
  });

  it('refuses a signature that does not match, or signs nothing, with 400 naming the field', async () => {
    const wrong = siteSignature(identitySecretFromText(TEST_IDENTITY_SECRET), 'someone.else@example.com');

    const mismatched = await invoke(
      submission({ email: 'ada@example.com', emailSignature: wrong, message: 'Hi' }),
    );
    const orphan = await invoke(
      submission({ email: 'ada@example.com', phoneSignature: wrong, message: 'Hi' }),
    );

    expect(mismatched.status).toBe(400);
    expect(mismatched.body.issues).toEqual([
      { field: 'emailSignature', message: 'does not match the email' },
    ]);
    expect(orphan.status).toBe(400);
    expect(orphan.body.issues.map((issue: { field: string }) => issue.field)).toEqual(['phoneSignature']);
    expect(dynamo.calls()).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('looks the sender up by normalized email and E.164 phone', async () => {
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'carebridge-test': [] } });
    dynamo.on(TransactWriteCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});

    await invoke(loadEvent<HttpEvent>('http/webform-submission.json'));

    const keys =
      dynamo.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.['carebridge-test']?.Keys;
    expect(keys).toEqual([
      { pk: 'IDENTITY#email#ada.lovelace@example.com', sk: 'IDENTITY' },
      { pk: 'IDENTITY#phone#+14155552671', sk: 'IDENTITY' },
    ]);
  });

  it('answers a retried submission with the first interaction id and 202, as the first time', async () => {
    // Prepare: the sender is known and the interaction already stored.
    dynamo.on(BatchGetCommand).resolves({
      Responses: {
        'carebridge-test': [
          {
            pk: 'IDENTITY#email#ada.lovelace@example.com',
            sk: 'IDENTITY',
            kind: 'email',
            value: 'ada.lovelace@example.com',
            trust: 'claimed',
            claimSetSize: 2,
            customerId: CUSTOMER,
            conversationId: CONVERSATION,
            createdAt: '2026-11-26T12:00:00.000Z',
          },
          {
            pk: 'IDENTITY#phone#+14155552671',
            sk: 'IDENTITY',
            kind: 'phone',
            value: '+14155552671',
            trust: 'claimed',
            claimSetSize: 2,
            customerId: CUSTOMER,
            conversationId: CONVERSATION,
            createdAt: '2026-11-26T12:00:00.000Z',
          },
        ],
      },
    });
    const stored = {
      pk: 'MESSAGE#webform#contact:sub-20261126-0001',
      sk: 'MESSAGE',
      interactionId: INTERACTION,
      customerId: CUSTOMER,
      conversationId: CONVERSATION,
      direction: 'inbound',
      channel: 'webform',
      identities: [
        { kind: 'email', value: 'ada.lovelace@example.com', trust: 'claimed' },
        { kind: 'phone', value: '+14155552671', trust: 'claimed' },
      ],
      subject: 'Billing question',
      body: 'My last invoice was charged twice.',
      attachments: [],
      providerMessageId: 'contact:sub-20261126-0001',
      providerRefs: { formId: 'contact' },
      occurredAt: '2026-11-26T12:00:00.000Z',
      recordedAt: '2026-11-26T12:00:00.100Z',
    };
    dynamo.on(PutCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: marshall(stored),
      }),
    );
    sqs.on(SendMessageCommand).resolves({});

    // Act
    const { status, body } = await invoke(loadEvent<HttpEvent>('http/webform-submission.json'));

    // Assess
    expect(status).toBe(202);
    expect(body).toEqual({ interactionId: INTERACTION });
  });

  it('refuses a submissionId reused for another message with 409 idempotency_key_reused', async () => {
    // Prepare: the same submissionId was recorded with other text.
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'carebridge-test': [] } });
    const stored = {
      interactionId: INTERACTION,
      customerId: CUSTOMER,
      conversationId: CONVERSATION,
      direction: 'inbound',
      channel: 'webform',
      identities: [{ kind: 'email', value: 'ada.lovelace@example.com', trust: 'claimed' }],
      body: 'Something else entirely.',
      attachments: [],
      providerMessageId: 'contact:sub-20261126-0001',
      providerRefs: { formId: 'contact' },
      occurredAt: '2026-11-26T12:00:00.000Z',
      recordedAt: '2026-11-26T12:00:00.100Z',
    };
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed', Item: marshall(stored) }, { Code: 'None' }],
      }),
    );

    // Act
    const { status, body } = await invoke(loadEvent<HttpEvent>('http/webform-submission.json'));

    // Assess
    expect(status).toBe(409);
    expect(body.error).toBe('idempotency_key_reused');
    expect(JSON.stringify(body)).not.toContain(CUSTOMER);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('refuses bad fields with 400 naming each one, and writes nothing', async () => {
    const { status, body } = await invoke(submission({ email: 'not-an-email', phone: '12', message: '' }));

    expect(status).toBe(400);
    const fields = body.issues.map((issue: { field: string }) => issue.field).sort();
    expect(fields).toEqual(['email', 'message', 'phone']);
    expect(dynamo.calls()).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('requires an email or a phone number', async () => {
    const { status, body } = await invoke(submission({ message: 'Hello' }));

    expect(status).toBe(400);
    expect(body.issues.map((issue: { field: string }) => issue.field).sort()).toEqual(['email', 'phone']);
  });

  it('refuses unknown fields', async () => {
    const { status, body } = await invoke(submission({ email: 'a@example.com', message: 'Hi', admin: true }));

    expect(status).toBe(400);
    expect(JSON.stringify(body.issues)).toContain('admin');
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('tells the caller which limit a field breaks', async () => {
    const { status, body } = await invoke(
      submission({ email: 'a@example.com', name: 'x'.repeat(201), message: 'Hi' }),
    );

    expect(status).toBe(400);
    expect(body.issues).toEqual([
      { field: 'name', message: 'Too big: expected string to have <=200 characters' },
    ]);
  });

  it('refuses a message over 10 KB with 400 on the message field', async () => {
    const { status, body } = await invoke(submission({ email: 'a@example.com', message: 'é'.repeat(5200) }));

    expect(status).toBe(400);
    expect(body.issues).toEqual([{ field: 'message', message: 'must be at most 10240 bytes' }]);
  });

  it('refuses a body over 64 KB with 413 before parsing it', async () => {
    const { status } = await invoke(
      submission(`{"email":"a@example.com","message":"${'x'.repeat(70_000)}"}`),
    );

    expect(status).toBe(413);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('refuses malformed JSON with 400', async () => {
    const { status, body } = await invoke(submission('{"email": '));

    expect(status).toBe(400);
    expect(body.issues).toEqual([{ field: '(body)', message: 'malformed JSON' }]);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const { status } = await invoke(submission('email=a@example.com', { 'content-type': 'text/plain' }));

    expect(status).toBe(415);
  });

  it('answers a bot that filled the honeypot like a success but stores nothing', async () => {
    const { status, body } = await invoke(
      submission({ email: 'bot@example.com', message: 'Buy now', website: 'http://spam.example' }),
    );

    expect(status).toBe(202);
    expect(Object.keys(body)).toEqual(['interactionId']);
    expect(body.interactionId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(dynamo.calls()).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('answers 500 without internals when the store fails', async () => {
    dynamo.on(BatchGetCommand).rejects(new Error('socket hang up at 10.0.0.12'));

    const { status, body } = await invoke(loadEvent<HttpEvent>('http/webform-submission.json'));

    expect(status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('10.0.0.12');
  });
});
