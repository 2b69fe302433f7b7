import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../functions/lib/http.js';
import { issueSurveyToken } from '../../shared/campaigns/survey-link.js';
import { type Clock, systemClock } from '../../shared/clock.js';
import { identitySecretFromText } from '../../shared/identity/site-signature.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { getConversation, updateConversation } from '../../shared/store/conversations.js';
import { loadEvent } from '../support/events.js';
import { useHandlerTable } from '../support/handler-table.js';
import { email, inbound } from '../support/inbound.js';
import { lambdaContext, setHandlerEnv, TEST_IDENTITY_SECRET } from '../support/lambda.js';

/**
 * Issue 8: a survey email's signed one-click score links. GET shows the score and changes nothing;
 * POST records the first answer; a low one reopens the concern at tier 2.
 */

type Http = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

const table = useHandlerTable();
let page: Http;
let answer: Http;

beforeAll(async () => {
  setHandlerEnv({ TABLE_NAME: 'carebridge-test' });
  ({ handler: page } = await import('../../functions/campaigns/survey-page.js'));
  ({ handler: answer } = await import('../../functions/campaigns/survey-answer.js'));
});

const SECRET = identitySecretFromText(TEST_IDENTITY_SECRET);
const CAMPAIGN = '01JDQ3V9XK4T2B7Y8Z0M5N6P70';
const RECIPIENT = '01JDQ3V9XK4T2B7Y8Z0M5N6P71';

/** A resolved conversation whose survey went out, and the token of its score links. */
async function surveyed(address: string, clock: Clock = systemClock) {
  const { conversationId } = await ingestInbound(table.db, inbound([email(address)]), systemClock);
  const now = systemClock.now();
  await updateConversation(table.db, conversationId, (current) => ({
    ...current,
    status: 'resolved',
    resolvedAt: now,
    resolutionCode: 'answered',
    survey: { campaignId: CAMPAIGN, recipientId: RECIPIENT, sentAt: now, recoverAtMost: 2 },
    updatedAt: now,
  }));
  return { conversationId, token: await issueSurveyToken(SECRET, conversationId, clock) };
}

function linkRequest(method: 'GET' | 'POST', query: Record<string, string>, form?: string): HttpEvent {
  const event = loadEvent<HttpEvent>('http/webform-submission.json');
  const headers: Record<string, string | undefined> = { ...event.headers };
  delete headers['content-length'];
  delete headers.origin;
  headers['content-type'] = form === undefined ? undefined : 'application/x-www-form-urlencoded';
  return {
    ...event,
    routeKey: `${method} /v1/surveys/answer`,
    rawPath: '/v1/surveys/answer',
    rawQueryString: new URLSearchParams(query).toString(),
    queryStringParameters: query,
    headers,
    requestContext: {
      ...event.requestContext,
      routeKey: `${method} /v1/surveys/answer`,
      http: { ...event.requestContext.http, method, path: '/v1/surveys/answer' },
    },
    body: form === undefined ? undefined : Buffer.from(form, 'utf8').toString('base64'),
    isBase64Encoded: form !== undefined,
  };
}

describe('survey score links', () => {
  it('shows the score to confirm and changes nothing on GET', async () => {
    const { conversationId, token } = await surveyed('look@example.com');
    const before = await getConversation(table.db, conversationId);

    const response = await page(linkRequest('GET', { token, score: '4' }), lambdaContext());

    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toContain('text/html');
    expect(response.body).toContain('4 out of 5');
    expect(response.body).toContain('name="confirm"');
    expect(await getConversation(table.db, conversationId)).toEqual(before);
  });

  it('records the first score only; a low one reopens the concern at tier 2', async () => {
    const { conversationId, token } = await surveyed('low@example.com');

    const first = await answer(linkRequest('POST', { token, score: '2' }, 'confirm=yes'), lambdaContext());
    const second = await answer(linkRequest('POST', { token, score: '5' }, 'confirm=yes'), lambdaContext());

    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(await getConversation(table.db, conversationId)).toMatchObject({
      status: 'open',
      tier: '2',
      priority: 'high',
      satisfaction: { score: 2, channel: 'email' },
    });
  });

  it('keeps a good score on the resolved concern', async () => {
    const { conversationId, token } = await surveyed('good@example.com');

    await answer(linkRequest('POST', { token, score: '5' }, 'confirm=yes'), lambdaContext());

    expect(await getConversation(table.db, conversationId)).toMatchObject({
      status: 'resolved',
      satisfaction: { score: 5 },
    });
  });

  it('refuses a link that is not ours (400) or expired (410), and a score out of range naming the field', async () => {
    const { token } = await surveyed('old@example.com', {
      now: () => '2025-01-01T00:00:00.000Z',
      newId: () => systemClock.newId(),
    });

    const forged = await answer(
      linkRequest('POST', { token: `${token}x`, score: '3' }, 'confirm=yes'),
      lambdaContext(),
    );
    const expired = await page(linkRequest('GET', { token, score: '3' }), lambdaContext());
    const outOfRange = await page(linkRequest('GET', { token, score: '9' }), lambdaContext());
    const scanner = await answer(linkRequest('POST', { token, score: '3' }, 'other=1'), lambdaContext());

    expect(forged.statusCode).toBe(400);
    expect(expired.statusCode).toBe(410);
    expect(outOfRange.statusCode).toBe(400);
    expect(outOfRange.body).toContain('score');
    expect(scanner.statusCode).toBe(400);
  });
});
