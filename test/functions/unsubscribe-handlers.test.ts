import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../functions/lib/http.js';
import { issueUnsubscribeToken, type UnsubscribeClaim } from '../../shared/campaigns/unsubscribe-link.js';
import { type Clock, systemClock } from '../../shared/clock.js';
import { identitySecretFromText } from '../../shared/identity/site-signature.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { listConsentHistory } from '../../shared/store/consent.js';
import { getCustomer } from '../../shared/store/customers.js';
import { loadEvent } from '../support/events.js';
import { useHandlerTable } from '../support/handler-table.js';
import { email, inbound } from '../support/inbound.js';
import { lambdaContext, setHandlerEnv, TEST_IDENTITY_SECRET } from '../support/lambda.js';

type Http = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

const table = useHandlerTable();
let page: Http;
let oneClick: Http;

beforeAll(async () => {
  setHandlerEnv({ TABLE_NAME: 'carebridge-test' });
  ({ handler: page } = await import('../../functions/campaigns/unsubscribe-page.js'));
  ({ handler: oneClick } = await import('../../functions/campaigns/unsubscribe.js'));
});

const SECRET = identitySecretFromText(TEST_IDENTITY_SECRET);
const CAMPAIGN = '01JDQ3V9XK4T2B7Y8Z0M5N6P70';
const ONE_CLICK = 'List-Unsubscribe=One-Click';

function clockAt(now: string): Clock {
  return { now: () => now, newId: () => systemClock.newId() };
}

/** A customer opted in to email, and a link of a campaign mail to them. */
async function subscriber(address: string) {
  const { customerId } = await ingestInbound(table.db, inbound([email(address)]), systemClock);
  const claim: UnsubscribeClaim = { customerId, channel: 'email', campaignId: CAMPAIGN };
  return { customerId, token: await issueUnsubscribeToken(SECRET, claim, systemClock) };
}

/**
 * The request a browser or a mail provider makes to the link (`/v1/unsubscribe?token=…`), built on the
 * web-form fixture's API Gateway envelope. A form body comes base64-encoded, as HTTP APIs pass it.
 */
function linkRequest(
  method: 'GET' | 'POST',
  token: string | undefined,
  body?: { readonly contentType: string; readonly text: string },
): HttpEvent {
  const event = loadEvent<HttpEvent>('http/webform-submission.json');
  const query: Record<string, string> = token === undefined ? {} : { token };
  const headers: Record<string, string | undefined> = { ...event.headers };
  delete headers['content-type'];
  delete headers['content-length'];
  delete headers.origin;
  if (body) headers['content-type'] = body.contentType;
  return {
    ...event,
    routeKey: `${method} /v1/unsubscribe`,
    rawPath: '/v1/unsubscribe',
    rawQueryString: new URLSearchParams(query).toString(),
    queryStringParameters: token === undefined ? undefined : query,
    headers,
    requestContext: {
      ...event.requestContext,
      routeKey: `${method} /v1/unsubscribe`,
      http: { ...event.requestContext.http, method, path: '/v1/unsubscribe' },
    },
    body: body ? Buffer.from(body.text, 'utf8').toString('base64') : undefined,
    isBase64Encoded: body !== undefined,
  };
}

const formBody = (text = ONE_CLICK) => ({ contentType: 'application/x-www-form-urlencoded', text });

describe('GET /v1/unsubscribe', () => {
  it('shows a page whose Unsubscribe button posts the one-click form back, and changes nothing', async () => {
    // Prepare
    const { customerId, token } = await subscriber('page@example.com');
    const before = await getCustomer(table.db, customerId);

    // Act
    const result = await page(linkRequest('GET', token), lambdaContext());

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(result.headers?.['cache-control']).toBe('no-store');
    expect(result.body).toContain('<form method="post">');
    expect(result.body).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(result.body).not.toContain('page@example.com');
    expect(await getCustomer(table.db, customerId)).toEqual(before);
  });

  it('answers 400 for a link that is not ours, 410 for an expired one, naming nobody', async () => {
    const { token } = await subscriber('expired-page@example.com');
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(43)}`;
    const expired = await issueUnsubscribeToken(
      SECRET,
      { customerId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q', channel: 'email', campaignId: CAMPAIGN },
      clockAt(new Date(Date.now() - 31 * 24 * 3_600_000).toISOString()),
    );

    const bad = await page(linkRequest('GET', forged), lambdaContext());
    const old = await page(linkRequest('GET', expired), lambdaContext());

    expect(bad.statusCode).toBe(400);
    expect(old.statusCode).toBe(410);
    for (const result of [bad, old]) {
      expect(result.headers?.['content-type']).toBe('text/html; charset=utf-8');
      expect(result.body).not.toContain('<form');
      expect(result.body).not.toContain('01JDQ3V9XK4T2B7Y8Z0M5N6P7Q');
    }
  });

  it('answers 400 naming the field when the token is missing', async () => {
    const result = await page(linkRequest('GET', undefined), lambdaContext());

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ issues: [{ field: 'token' }] });
  });
});

describe('POST /v1/unsubscribe', () => {
  it("opts the customer out of the link's channel with the campaign as source and answers 200", async () => {
    // Prepare
    const { customerId, token } = await subscriber('one-click@example.com');

    // Act
    const result = await oneClick(linkRequest('POST', token, formBody()), lambdaContext());

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('You are unsubscribed');
    expect((await getCustomer(table.db, customerId)).consent.email).toMatchObject({
      status: 'opted_out',
      source: `unsubscribe-link:${CAMPAIGN}`,
    });
  });

  it('is idempotent: a repeated POST answers 200 and leaves the recorded decision as it was', async () => {
    const { customerId, token } = await subscriber('twice@example.com');
    await oneClick(linkRequest('POST', token, formBody()), lambdaContext());
    const first = (await getCustomer(table.db, customerId)).consent.email;

    const again = await oneClick(linkRequest('POST', token, formBody()), lambdaContext());

    expect(again.statusCode).toBe(200);
    expect((await getCustomer(table.db, customerId)).consent.email).toEqual(first);
    expect(await listConsentHistory(table.db, customerId, 'email')).toHaveLength(1);
  });

  it('accepts the one-click form as multipart/form-data, as RFC 8058 recommends to mail providers', async () => {
    const { customerId, token } = await subscriber('multipart@example.com');
    const boundary = '----carebridge-test';
    const text = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;

    const result = await oneClick(
      linkRequest('POST', token, { contentType: `multipart/form-data; boundary=${boundary}`, text }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(200);
    expect((await getCustomer(table.db, customerId)).consent.email?.status).toBe('opted_out');
  });

  it('changes nothing without the one-click body: 400 naming the field', async () => {
    const { customerId, token } = await subscriber('no-body@example.com');

    const result = await oneClick(linkRequest('POST', token, formBody('confirm=yes')), lambdaContext());

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ issues: [{ field: 'List-Unsubscribe' }] });
    expect((await getCustomer(table.db, customerId)).consent.email).toBeUndefined();
  });

  it('refuses another media type with 415', async () => {
    const { token } = await subscriber('json@example.com');

    const result = await oneClick(
      linkRequest('POST', token, {
        contentType: 'application/json',
        text: '{"List-Unsubscribe":"One-Click"}',
      }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(415);
  });

  it('answers 400 for a forged link and 410 for an expired one, changing nothing', async () => {
    const { customerId, token } = await subscriber('refused@example.com');
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(43)}`;
    const expired = await issueUnsubscribeToken(
      SECRET,
      { customerId, channel: 'email', campaignId: CAMPAIGN },
      clockAt(new Date(Date.now() - 31 * 24 * 3_600_000).toISOString()),
    );

    const bad = await oneClick(linkRequest('POST', forged, formBody()), lambdaContext());
    const old = await oneClick(linkRequest('POST', expired, formBody()), lambdaContext());

    expect(bad.statusCode).toBe(400);
    expect(old.statusCode).toBe(410);
    expect((await getCustomer(table.db, customerId)).consent.email).toBeUndefined();
  });

  it('answers 200 for a valid link of a customer that no longer exists, as for any other', async () => {
    const token = await issueUnsubscribeToken(
      SECRET,
      { customerId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7Z', channel: 'email', campaignId: CAMPAIGN },
      systemClock,
    );

    const result = await oneClick(linkRequest('POST', token, formBody()), lambdaContext());

    expect(result.statusCode).toBe(200);
  });
});
