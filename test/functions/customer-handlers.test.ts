import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../functions/lib/http.js';
import { loadEvent } from '../support/events.js';
import { lambdaContext, setHandlerEnv } from '../support/lambda.js';

type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;
const dynamo = mockClient(DynamoDBDocumentClient);
let getCustomer: Handler;
let findCustomer: Handler;
let timeline: Handler;

beforeAll(async () => {
  setHandlerEnv();
  ({ handler: getCustomer } = await import('../../functions/customers/get.js'));
  ({ handler: findCustomer } = await import('../../functions/customers/find.js'));
  ({ handler: timeline } = await import('../../functions/customers/timeline.js'));
});

afterEach(() => dynamo.reset());

const CUSTOMER = '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q';
const profile = {
  pk: `CUSTOMER#${CUSTOMER}`,
  sk: 'PROFILE',
  entity: 'customer',
  version: 1,
  customerId: CUSTOMER,
  name: 'Ada Lovelace',
  identities: [{ kind: 'email', value: 'ada@example.com', trust: 'verified' }],
  consent: { email: { status: 'opted_in', at: '2026-11-01T10:00:00.000Z', source: 'webform' } },
  mergedFrom: [],
  createdAt: '2026-11-01T10:00:00.000Z',
  updatedAt: '2026-11-01T10:00:00.000Z',
};

function staffEvent(groups: string | undefined, changes: Partial<HttpEvent> = {}): HttpEvent {
  const event = loadEvent<HttpEvent>('http/staff-get-customer.json');
  const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
  if (groups === undefined) delete claims['cognito:groups'];
  else claims['cognito:groups'] = groups;
  return { ...event, ...changes };
}

async function call(handler: Handler, event: HttpEvent) {
  const result = await handler(event, lambdaContext());
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
}

describe('GET /v1/customers/{id}', () => {
  it('returns the profile with identities and consent to an agent', async () => {
    dynamo.on(GetCommand).resolves({ Item: profile });

    const { status, body } = await call(getCustomer, staffEvent('[agent]'));

    expect(status).toBe(200);
    expect(body).toMatchObject({
      customerId: CUSTOMER,
      identities: profile.identities,
      consent: profile.consent,
    });
    expect(body).not.toHaveProperty('pk');
    expect(body).not.toHaveProperty('version');
  });

  it('returns 404 when the customer is unknown', async () => {
    dynamo.on(GetCommand).resolves({});

    const { status } = await call(getCustomer, staffEvent('[supervisor]'));

    expect(status).toBe(404);
  });

  it('follows a merged customer to the survivor', async () => {
    const survivor = '01JDQ3V9XK4T2B7Y8Z0M5N6P70';
    dynamo
      .on(GetCommand, { Key: { pk: `CUSTOMER#${CUSTOMER}`, sk: 'PROFILE' } })
      .resolves({ Item: { ...profile, mergedInto: survivor } })
      .on(GetCommand, { Key: { pk: `CUSTOMER#${survivor}`, sk: 'PROFILE' } })
      .resolves({
        Item: { ...profile, customerId: survivor, pk: `CUSTOMER#${survivor}`, mergedFrom: [CUSTOMER] },
      });

    const { status, body } = await call(getCustomer, staffEvent('[agent]'));

    expect(status).toBe(200);
    expect(body.customerId).toBe(survivor);
  });

  it('refuses a marketing user with 403', async () => {
    const { status } = await call(getCustomer, staffEvent('[marketing]'));

    expect(status).toBe(403);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('refuses a request without verified claims with 401', async () => {
    const event = staffEvent('[agent]');
    delete event.requestContext.authorizer;

    const { status } = await call(getCustomer, event);

    expect(status).toBe(401);
  });

  it('refuses an id that is not a customer id with 400', async () => {
    const { status, body } = await call(
      getCustomer,
      staffEvent('[agent]', { pathParameters: { id: 'nope' } }),
    );

    expect(status).toBe(400);
    expect(body.issues[0].field).toBe('id');
  });
});

describe('GET /v1/customers?email=|phone=', () => {
  it('finds the customer by an email written in any case', async () => {
    dynamo.on(BatchGetCommand).resolves({
      Responses: {
        'carebridge-test': [
          {
            pk: 'IDENTITY#email#ada@example.com',
            sk: 'IDENTITY',
            kind: 'email',
            value: 'ada@example.com',
            trust: 'verified',
            customerId: CUSTOMER,
            createdAt: '2026-11-01T10:00:00.000Z',
          },
        ],
      },
    });
    dynamo.on(GetCommand).resolves({ Item: profile });

    const { status, body } = await call(
      findCustomer,
      staffEvent('[agent]', { queryStringParameters: { email: ' ADA@Example.com' }, pathParameters: {} }),
    );

    expect(status).toBe(200);
    expect(body.customerId).toBe(CUSTOMER);
    const keys =
      dynamo.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.['carebridge-test']?.Keys;
    expect(keys).toEqual([{ pk: 'IDENTITY#email#ada@example.com', sk: 'IDENTITY' }]);
  });

  it('returns 404 when no customer has that phone', async () => {
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'carebridge-test': [] } });

    const { status } = await call(
      findCustomer,
      staffEvent('[admin]', { queryStringParameters: { phone: '+44 20 7946 0958' }, pathParameters: {} }),
    );

    expect(status).toBe(404);
  });

  it('requires exactly one of email or phone', async () => {
    const { status } = await call(
      findCustomer,
      staffEvent('[agent]', { queryStringParameters: {}, pathParameters: {} }),
    );

    expect(status).toBe(400);
  });
});

describe('GET /v1/customers/{id}/timeline', () => {
  it('refuses a limit over 100 and a forged cursor with 400', async () => {
    dynamo.on(GetCommand).resolves({ Item: profile });

    const tooMany = await call(timeline, staffEvent('[agent]', { queryStringParameters: { limit: '500' } }));
    const forged = await call(timeline, staffEvent('[agent]', { queryStringParameters: { cursor: 'abc' } }));

    expect(tooMany.status).toBe(400);
    expect(tooMany.body.issues[0].field).toBe('limit');
    expect(forged.status).toBe(400);
    expect(forged.body.issues[0].field).toBe('cursor');
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
  });
});
