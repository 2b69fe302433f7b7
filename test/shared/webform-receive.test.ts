import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { receiveWebForm, webFormSubmissionSchema } from '../../shared/channels/webform.js';
import { IdempotencyKeyReusedError } from '../../shared/errors.js';
import type { EmailVerificationRequest } from '../../shared/identity/verification-request.js';
import type { Db } from '../../shared/store/db.js';
import { fixedClock } from '../support/chat.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { testDb } from '../support/inbound.js';

const table = useDynamoTable();
const schema = webFormSubmissionSchema('US');

function receiverFor(db: Db, clock = fixedClock('2026-11-26T12:00:00.000Z')) {
  const verifications: EmailVerificationRequest[] = [];
  const handedOff: string[] = [];
  return {
    clock,
    verifications,
    handedOff,
    receiver: {
      db,
      clock,
      handoff: async (result: { interactionId: string }) => {
        handedOff.push(result.interactionId);
      },
      identitySecret: async () => new TextEncoder().encode('unused-in-these-tests-but-32-bytes-long'),
      requestVerification: async (request: EmailVerificationRequest) => {
        verifications.push(request);
      },
    },
  };
}

async function interactions(db: Db) {
  const output = await db.doc.send(
    new ScanCommand({
      TableName: db.tableName,
      FilterExpression: 'entity = :entity',
      ExpressionAttributeValues: { ':entity': 'interaction' },
    }),
  );
  return output.Items ?? [];
}

describe('receiveWebForm', () => {
  it('records a double click without a submissionId once, within ten minutes', async () => {
    // Prepare
    const db = testDb(table);
    const { receiver, clock, handedOff } = receiverFor(db);
    const submission = schema.parse({ email: 'ada@example.com', message: 'My invoice is wrong' });

    // Act
    const first = await receiveWebForm(receiver, submission, clock.now());
    clock.advance(9 * 60 * 1000);
    const repeat = await receiveWebForm(receiver, submission, clock.now());
    clock.advance(2 * 60 * 1000);
    const laterStill = await receiveWebForm(receiver, submission, clock.now());

    // Assess
    expect(repeat).toEqual(first);
    expect(laterStill.interactionId).not.toBe(first.interactionId);
    expect(await interactions(db)).toHaveLength(2);
    // The repeat is handed off again, like any retry, so a first attempt that died before it is not lost.
    expect(handedOff).toEqual([first.interactionId, first.interactionId, laterStill.interactionId]);
  });

  it('records other text from the same sender as a new message', async () => {
    const db = testDb(table);
    const { receiver, clock } = receiverFor(db);

    await receiveWebForm(receiver, schema.parse({ email: 'ada@example.com', message: 'one' }), clock.now());
    await receiveWebForm(receiver, schema.parse({ email: 'ada@example.com', message: 'two' }), clock.now());

    expect(await interactions(db)).toHaveLength(2);
  });

  it('answers a retried submissionId with the first answer and refuses it for other content', async () => {
    // Prepare
    const db = testDb(table);
    const { receiver, clock } = receiverFor(db);
    const original = schema.parse({ email: 'ada@example.com', message: 'first', submissionId: 'sub-000001' });
    const changed = schema.parse({
      email: 'ada@example.com',
      message: 'changed',
      submissionId: 'sub-000001',
    });
    const otherSender = schema.parse({
      email: 'eve@example.com',
      message: 'first',
      submissionId: 'sub-000001',
    });

    // Act
    const first = await receiveWebForm(receiver, original, clock.now());
    const retry = await receiveWebForm(receiver, original, clock.now());
    const reused = await receiveWebForm(receiver, changed, clock.now()).catch((error: unknown) => error);
    const stolen = await receiveWebForm(receiver, otherSender, clock.now()).catch((error: unknown) => error);

    // Assess
    expect(retry).toEqual(first);
    expect(reused).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(stolen).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(await interactions(db)).toHaveLength(1);
  });

  it('answers a bot with an id of the same shape and stores nothing', async () => {
    const db = testDb(table);
    const { receiver, clock, verifications } = receiverFor(db);

    const answer = await receiveWebForm(
      receiver,
      schema.parse({ email: 'bot@example.com', message: 'Buy now', website: 'http://spam.example' }),
      clock.now(),
    );

    expect(Object.keys(answer)).toEqual(['interactionId']);
    expect(answer.interactionId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(await interactions(db)).toHaveLength(0);
    expect(verifications).toEqual([]);
  });

  it('asks for a verification link for a claimed email once, when it creates its customer', async () => {
    const db = testDb(table);
    const { receiver, clock, verifications } = receiverFor(db);

    const first = await receiveWebForm(
      receiver,
      schema.parse({ email: 'ada@example.com', message: 'a' }),
      clock.now(),
    );
    await receiveWebForm(receiver, schema.parse({ email: 'ada@example.com', message: 'b' }), clock.now());

    expect(verifications).toHaveLength(1);
    expect(verifications[0]).toMatchObject({ kind: 'email-verification', email: 'ada@example.com' });
    expect(first.interactionId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });
});

describe('webFormSubmissionSchema', () => {
  it('strips control and bidirectional characters from single-line fields and keeps newlines in the message', () => {
    const parsed = schema.parse({
      email: 'ada@example.com',
      name: 'Ada\u0000 \u202eLovelace\u001b[31m',
      subject: 'Invoice\r\nBcc: x@example.com',
      message: 'Line one\r\nLine\ttwo\u0007',
    });

    expect(parsed.name).toBe('Ada Lovelace[31m');
    expect(parsed.subject).toBe('Invoice Bcc: x@example.com');
    expect(parsed.message).toBe('Line one\nLine\ttwo');
  });

  it('refuses lone surrogates with 400 naming the field', () => {
    const result = schema.safeParse({ email: 'ada@example.com', name: 'Ada \ud800', message: 'Hi \udc00' });

    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual(['message', 'name']);
  });
});
