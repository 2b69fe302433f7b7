import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../functions/lib/http.js';
import { systemClock } from '../../shared/clock.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { type StaffRequest, staffRequestEvent } from '../support/events.js';
import { useHandlerTable } from '../support/handler-table.js';
import { email, inbound, phone } from '../support/inbound.js';
import { lambdaContext, setHandlerEnv } from '../support/lambda.js';

/** The data-rights routes (admin only), their handlers against an emulated table; S3 mocked. */

type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

const table = useHandlerTable('carebridge-data-rights-test');
const s3 = mockClient(S3Client);
type Route = 'export' | 'erase' | 'merges' | 'split';
const handlers = new Map<Route, Handler>();

beforeAll(async () => {
  setHandlerEnv({
    TABLE_NAME: 'carebridge-data-rights-test',
    AWS_ENDPOINT_URL_DYNAMODB: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? '',
  });
  handlers.set('export', (await import('../../functions/customers/export.js')).handler);
  handlers.set('erase', (await import('../../functions/customers/erase.js')).handler);
  handlers.set('merges', (await import('../../functions/customers/merges.js')).handler);
  handlers.set('split', (await import('../../functions/customers/split.js')).handler);
});

afterEach(() => s3.reset());

const UNKNOWN_ID = '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q';

/** Data-rights requests always name a customer. */
type Request = StaffRequest & { readonly id: string };

async function call(name: Route, request: Request) {
  const handler = handlers.get(name);
  if (!handler) throw new Error(`${name} was not loaded`);
  const result = await handler(staffRequestEvent(request), lambdaContext(`customers-${name}`));
  return { status: result.statusCode, body: result.body ? JSON.parse(result.body) : undefined };
}

describe.each(['export', 'erase', 'merges', 'split'] as const)('%s', (name) => {
  const body = name === 'split' ? { identities: [{ kind: 'email', value: 'ada@example.com' }] } : undefined;

  it.each(['[agent]', '[supervisor]', '[marketing]', '[agent supervisor marketing]'])(
    'refuses %s with 403',
    async (groups) => {
      const { status, body: answer } = await call(name, { groups, id: UNKNOWN_ID, body });

      expect(status).toBe(403);
      expect(answer).toMatchObject({ error: 'forbidden' });
    },
  );

  it('refuses a request without a verified caller with 401', async () => {
    const { status } = await call(name, { groups: null, id: UNKNOWN_ID, body });

    expect(status).toBe(401);
  });

  it('answers 404 for an unknown customer', async () => {
    const { status, body: answer } = await call(name, { id: UNKNOWN_ID, body });

    expect(status).toBe(404);
    expect(answer).toMatchObject({ error: 'not_found' });
  });

  it('answers 400 naming the id when it is not a customer id', async () => {
    const { status, body: answer } = await call(name, { id: 'not-a-ulid', body });

    expect(status).toBe(400);
    expect(answer.issues).toEqual([{ field: 'id', message: expect.any(String) }]);
  });
});

describe('the data-rights routes for an admin', () => {
  it('exports a customer, then erases it: the erasure answers counts, a second one 404', async () => {
    // Prepare
    const message = await ingestInbound(
      table.db,
      inbound([email('erin@example.com')], {
        channel: 'email',
        providerRefs: { rawLocation: 's3://carebridge-test-inbound-mail/inbound/ses-erin-1' },
      }),
      systemClock,
    );
    s3.on(DeleteObjectCommand).resolves({});

    // Act
    const exported = await call('export', { id: message.customerId });
    const erased = await call('erase', { id: message.customerId });
    const again = await call('erase', { id: message.customerId });

    // Assess
    expect(exported.status).toBe(200);
    expect(exported.body).toMatchObject({
      customerId: message.customerId,
      identities: [expect.objectContaining({ kind: 'email', value: 'erin@example.com' })],
      rawEmails: [
        {
          location: 's3://carebridge-test-inbound-mail/inbound/ses-erin-1',
          interactionIds: [message.interactionId],
        },
      ],
    });
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({
      customerId: message.customerId,
      customerIds: [message.customerId],
      counts: { customer: 1, identity: 1, conversation: 1, interaction: 1, 'raw-email': 1 },
    });
    expect(JSON.stringify(erased.body)).not.toContain('erin@example.com');
    expect(s3.commandCalls(DeleteObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'carebridge-test-inbound-mail',
      Key: 'inbound/ses-erin-1',
    });
    expect(again.status).toBe(404);
  });

  it('lists a merge and splits it, refusing a malformed identity with 400 naming it', async () => {
    // Prepare
    const first = await ingestInbound(table.db, inbound([email('fay@example.com')]), systemClock);
    const second = await ingestInbound(table.db, inbound([phone('+14155550133')]), systemClock);
    await ingestInbound(table.db, inbound([email('fay@example.com'), phone('+14155550133')]), systemClock);

    // Act
    const merges = await call('merges', { id: second.customerId });
    const malformed = await call('split', {
      id: first.customerId,
      body: { identities: [{ kind: 'email', value: 'Fay@Example.com' }] },
    });
    const split = await call('split', {
      id: first.customerId,
      body: { identities: [{ kind: 'phone', value: '+14155550133' }] },
    });

    // Assess
    expect(merges.status).toBe(200);
    expect(merges.body.merges).toEqual([
      expect.objectContaining({ survivorId: first.customerId, mergedCustomerIds: [second.customerId] }),
    ]);
    expect(malformed.status).toBe(400);
    expect(malformed.body.issues).toEqual([{ field: 'identities.0.value', message: expect.any(String) }]);
    expect(split.status).toBe(200);
    expect(split.body.restored).toEqual([expect.objectContaining({ customerId: second.customerId })]);
  });
});
