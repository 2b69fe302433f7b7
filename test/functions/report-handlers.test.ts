import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../functions/lib/http.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { applyAggregates } from '../../shared/reports/aggregates.js';
import { COUNTER, firstResponseBucketCounter, tagCounter } from '../../shared/reports/metrics.js';
import { getConversation } from '../../shared/store/conversations.js';
import { fixedClock } from '../support/chat.js';
import { type StaffRequest, staffRequestEvent } from '../support/events.js';
import { useHandlerTable } from '../support/handler-table.js';
import { email, inbound } from '../support/inbound.js';
import { lambdaContext, setHandlerEnv } from '../support/lambda.js';

/** The reporting routes' handlers against an emulated table: who may call them, and what they refuse. */

type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

const TABLE = 'carebridge-report-handlers-test';
const table = useHandlerTable(TABLE);
let summary: Handler;
let tags: Handler;

beforeAll(async () => {
  setHandlerEnv({
    TABLE_NAME: TABLE,
    AWS_ENDPOINT_URL_DYNAMODB: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? '',
  });
  ({ handler: summary } = await import('../../functions/reports/summary.js'));
  ({ handler: tags } = await import('../../functions/conversations/tags.js'));
  // Two months of aggregates: the last day of January and the first of March.
  await applyAggregates(table.db, [
    { day: '2027-01-31', dimension: 'all', counters: { [COUNTER.inbound]: 3, [COUNTER.outbound]: 2 } },
    {
      day: '2027-01-31',
      dimension: 'channel#sms',
      counters: { [COUNTER.inbound]: 3, [COUNTER.outbound]: 2 },
    },
    {
      day: '2027-03-01',
      dimension: 'all',
      counters: {
        [COUNTER.inbound]: 1,
        [COUNTER.responded]: 1,
        [COUNTER.firstResponseMinutes]: 12,
        [firstResponseBucketCounter(1)]: 1,
        [tagCounter('product-feedback')]: 1,
      },
    },
    { day: '2027-03-01', dimension: 'channel#email', counters: { [COUNTER.inbound]: 1 } },
  ]);
});

/** Report requests always name the caller's groups. */
type Request = StaffRequest & { readonly groups: string };

async function call(handler: Handler, request: Request) {
  const result = await handler(staffRequestEvent(request), lambdaContext('reports'));
  const contentType = String(result.headers?.['content-type'] ?? '');
  const body = result.body ?? '';
  return {
    status: result.statusCode,
    contentType,
    body: contentType.startsWith('application/json') && body !== '' ? JSON.parse(body) : body,
  };
}

describe('GET /v1/reports/summary', () => {
  it('answers a supervisor with the totals and a group per day of the range, across months', async () => {
    // Act
    const reply = await call(summary, {
      groups: '[supervisor]',
      query: { from: '2027-01-31', to: '2027-03-01', groupBy: 'day' },
    });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.totals).toMatchObject({
      messages: { inbound: 4, outbound: 2 },
      firstResponse: { count: 1, averageMinutes: 12, p50Minutes: 15 },
      tags: { 'product-feedback': 1 },
    });
    expect(reply.body.groups).toHaveLength(30);
    expect(reply.body.groups[0]).toMatchObject({
      group: '2027-01-31',
      messages: { inbound: 3, outbound: 2 },
    });
    expect(reply.body.groups[29]).toMatchObject({ group: '2027-03-01', messages: { inbound: 1 } });
    expect(reply.body.complete).toBe(true);
  });

  it('gives marketing the same report as CSV, one row per channel and a total', async () => {
    // Act
    const reply = await call(summary, {
      groups: '[marketing]',
      query: { from: '2027-01-01', to: '2027-03-31', groupBy: 'channel', format: 'csv' },
    });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.contentType).toBe('text/csv; charset=utf-8');
    const rows = String(reply.body)
      .trimEnd()
      .split('\r\n')
      .map((line) => line.split(','));
    const header = rows[0] ?? [];
    const column = (row: string[] | undefined, name: string) => row?.[header.indexOf(name)];
    expect(header.slice(0, 3)).toEqual(['channel', 'inbound', 'outbound']);
    expect(header).toContain('tag:product-feedback');
    expect(rows.map((row) => row[0])).toEqual(['channel', 'email', 'sms', 'chat', 'webform', 'total']);
    expect(column(rows[2], 'inbound')).toBe('3');
    expect(column(rows[5], 'inbound')).toBe('4');
    expect(column(rows[5], 'first_response_p50_minutes')).toBe('15');
    expect(column(rows[1], 'first_response_p50_minutes')).toBe('');
  });

  it.each(['[agent]', '[admin]'])('refuses %s with 403', async (groups) => {
    // Act
    const reply = await call(summary, { groups, query: { from: '2027-01-01', to: '2027-01-31' } });

    // Assess
    expect(reply.status).toBe(403);
  });

  it.each([
    ['an inverted range', { from: '2027-03-01', to: '2027-02-28' }, 'to'],
    ['a range over 366 days', { from: '2027-01-01', to: '2028-01-02' }, 'to'],
    ['a day that does not exist', { from: '2027-02-30', to: '2027-03-01' }, 'from'],
    ['an unknown grouping', { from: '2027-01-01', to: '2027-01-02', groupBy: 'agent' }, 'groupBy'],
    ['a missing end', { from: '2027-01-01' }, 'to'],
  ])('answers 400 naming the field for %s', async (_, query, field) => {
    // Act
    const reply = await call(summary, { groups: '[supervisor]', query });

    // Assess
    expect(reply.status).toBe(400);
    expect(reply.body.issues.map((issue: { field: string }) => issue.field)).toEqual([field]);
  });

  it('accepts a whole leap year, 366 days', async () => {
    // Act
    const reply = await call(summary, {
      groups: '[supervisor]',
      query: { from: '2028-01-01', to: '2028-12-31' },
    });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.groups).toHaveLength(366);
  });
});

describe('POST /v1/conversations/{id}/tags', () => {
  async function conversation(address: string) {
    const clock = fixedClock('2027-02-01T09:00:00.000Z');
    const result = await ingestInbound(
      table.db,
      inbound([email(address)], { receivedAt: clock.now() }),
      clock,
    );
    return result.conversationId;
  }

  it('sets the tags an agent gives, once each and sorted, replacing those the conversation had', async () => {
    // Prepare
    const id = await conversation('tags@example.com');
    await call(tags, { groups: '[agent]', id, body: { tags: ['complaint'] } });

    // Act
    const reply = await call(tags, {
      groups: '[supervisor]',
      id,
      body: { tags: ['shipping', 'praise', 'shipping'] },
    });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.tags).toEqual(['praise', 'shipping']);
    expect((await getConversation(table.db, id)).tags).toEqual(['praise', 'shipping']);
  });

  it('clears the tags with an empty list', async () => {
    // Prepare
    const id = await conversation('untag@example.com');
    await call(tags, { groups: '[agent]', id, body: { tags: ['complaint'] } });

    // Act
    const reply = await call(tags, { groups: '[agent]', id, body: { tags: [] } });

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.tags).toBeUndefined();
  });

  it.each([
    ['a tag that is not a name', { tags: ['Product Feedback'] }, 'tags.0'],
    ['more than ten tags', { tags: Array.from({ length: 11 }, (_, n) => `tag-${n}`) }, 'tags'],
    ['an unknown field', { tags: ['praise'], note: 'x' }, '(root)'],
  ])('answers 400 naming the field for %s', async (_, body, field) => {
    // Prepare
    const id = await conversation(`bad-${field}@example.com`);

    // Act
    const reply = await call(tags, { groups: '[agent]', id, body });

    // Assess
    expect(reply.status).toBe(400);
    expect(reply.body.issues.map((issue: { field: string }) => issue.field)).toEqual([field]);
  });

  it('answers 404 for an unknown conversation and 403 for marketing', async () => {
    // Act
    const unknown = await call(tags, {
      groups: '[agent]',
      id: '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q',
      body: { tags: [] },
    });
    const marketing = await call(tags, {
      groups: '[marketing]',
      id: '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q',
      body: { tags: [] },
    });

    // Assess
    expect(unknown.status).toBe(404);
    expect(marketing.status).toBe(403);
  });
});
