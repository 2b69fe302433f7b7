import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_FUNCTIONS } from '../../functions/manifest/reports.js';
import { createTable } from '../../local/create-table.js';
import { type DynamoEmulator, startDynamoEmulator } from '../../local/dynamodb-emulator.js';
import { compileFilterCriteria } from '../../local/event-pattern.js';
import { setTags } from '../../shared/agents/tags.js';
import { addNote, resolve } from '../../shared/agents/workflow.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { sendReply } from '../../shared/outbound/send-reply.js';
import { readAggregates } from '../../shared/reports/aggregates.js';
import { buildReport, type ReportGroup } from '../../shared/reports/report.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import { routingRequest } from '../../shared/routing/handoff.js';
import { recordInboundActivity, ruleRouter } from '../../shared/routing/record-activity.js';
import { sweepBreaches } from '../../shared/routing/sla-sweep.js';
import { updateConversation } from '../../shared/store/conversations.js';
import { createDb, type Db } from '../../shared/store/db.js';
import { fixedClock } from '../support/chat.js';
import { email, inbound, phone } from '../support/inbound.js';
import { lambdaContext, setHandlerEnv } from '../support/lambda.js';
import { recordingSender } from '../support/recording-sender.js';

/**
 * The report aggregator against the DynamoDB emulator: real domain code (ingest, routing, a reply, the
 * service-level sweep, an agent's resolution and tags) writes the table; the emulator's change stream,
 * filtered as the event source mapping filters it, is handed to the handler; the report read back says
 * what happened.
 */

type StreamHandler = (event: DynamoDBStreamEvent, context: unknown) => Promise<DynamoDBBatchResponse>;

const TABLE = 'carebridge-reports-test';
const DAY = '2026-11-26';
const at = (time: string) => `${DAY}T${time}:00.000Z`;
const config = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const aggregator = REPORT_FUNCTIONS.find((fn) => fn.name === 'reports-aggregate');
const router = ruleRouter(ROUTING_DEFINITION);
const supervisor = { agentId: 'sup-1', supervisor: true };

let emulator: DynamoEmulator;
let db: Db;
let handler: StreamHandler;
const records: DynamoDBRecord[] = [];
let unsubscribe: () => void = () => undefined;

beforeAll(async () => {
  emulator = await startDynamoEmulator();
  const client = new DynamoDBClient({ ...config, endpoint: emulator.endpoint });
  await createTable(client, TABLE);
  client.destroy();
  unsubscribe = emulator.subscribeStream((record) => records.push(record), { tableName: TABLE });
  db = createDb(TABLE, { ...config, endpoint: emulator.endpoint });
  setHandlerEnv({ TABLE_NAME: TABLE, AWS_ENDPOINT_URL_DYNAMODB: emulator.endpoint });
  ({ handler } = (await import('../../functions/reports/aggregate.js')) as { handler: StreamHandler });
});

afterAll(async () => {
  unsubscribe();
  db?.doc.destroy();
  await emulator?.stop();
});

/** The records the event source mapping hands the aggregator: its filter, as the local stack applies it. */
function mappedRecords(): DynamoDBRecord[] {
  if (aggregator?.kind !== 'stream') throw new Error('reports-aggregate is not a stream function');
  const matches = compileFilterCriteria([
    { dynamodb: { Keys: { pk: { S: aggregator.partitionKeyPrefixes.map((prefix) => ({ prefix })) } } } },
  ]);
  return records.splice(0).filter((record) => matches(record));
}

/** Hands the records over in batches of `size`, as the mapping would. */
async function deliver(batch: DynamoDBRecord[], size: number): Promise<void> {
  for (let start = 0; start < batch.length; start += size) {
    const response = await handler({ Records: batch.slice(start, start + size) }, lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
  }
}

/** A customer's message, ingested and routed as the queue consumer would. */
async function message(
  identity: ReturnType<typeof email>,
  channel: 'webform' | 'sms',
  body: string,
  time: string,
) {
  const clock = fixedClock(at(time));
  const result = await ingestInbound(db, inbound([identity], { channel, body, receivedAt: at(time) }), clock);
  await recordInboundActivity(db, routingRequest(result), router, clock);
  return result;
}

async function report(groupBy: 'channel' | 'tier' | 'day') {
  return buildReport({ from: DAY, to: DAY, groupBy }, await readAggregates(db, DAY, DAY));
}

function group(groups: readonly ReportGroup[], name: string): ReportGroup {
  const found = groups.find((candidate) => candidate.group === name);
  if (!found) throw new Error(`no group ${name}`);
  return found;
}

describe('the report aggregator', () => {
  it('counts messages, responses, resolutions, breaches and tags from the change stream', async () => {
    // Prepare: an email-verified web-form complaint about an invoice, answered after 20 minutes and
    // resolved after an hour; an SMS question the e-level does not answer within its service level.
    const ada = await message(
      email('ada@example.com'),
      'webform',
      'My invoice was charged twice. This is unacceptable.',
      '09:00',
    );
    const reply = fixedClock(at('09:20'));
    await sendReply(
      db,
      { email: recordingSender('email') },
      { conversationId: ada.conversationId, body: 'We refunded it.', authorId: 'agent-1', channel: 'email' },
      reply,
    );
    await addNote(db, ada.conversationId, 'agent-1', 'Refund issued.', reply);
    await resolve(
      db,
      ada.conversationId,
      { resolutionCode: 'answered' },
      supervisor,
      fixedClock(at('10:00')),
    );
    const grace = await message(phone('+14155550123'), 'sms', 'What are your opening hours?', '09:30');
    await sweepBreaches(db, ROUTING_DEFINITION, fixedClock(at('09:40')));
    await setTags(db, grace.conversationId, ['praise'], fixedClock(at('09:45')));
    await updateConversation(db, grace.conversationId, (current) => ({
      ...current,
      satisfaction: { score: 4, at: at('11:00'), channel: 'sms' },
      updatedAt: at('11:00'),
    }));

    // Act: in batches of three, so most aggregates are written by several batches.
    await deliver(mappedRecords(), 3);

    // Assess
    const byChannel = await report('channel');
    const web = group(byChannel.groups, 'webform');
    const sms = group(byChannel.groups, 'sms');
    expect(byChannel.totals.messages).toEqual({ inbound: 2, outbound: 1 });
    expect(group(byChannel.groups, 'email').messages).toEqual({ inbound: 0, outbound: 1 });
    expect(web).toMatchObject({
      messages: { inbound: 1, outbound: 0 },
      conversations: { opened: 1, resolved: 1 },
      firstResponse: { count: 1, averageMinutes: 20, p50Minutes: 30, p90Minutes: 30 },
      resolution: { count: 1, averageMinutes: 60, p50Minutes: 60 },
      sla: { firstResponsesWithinSla: 1, resolvedWithinSla: 1, resolutionAttainment: 1 },
      tags: { complaint: 1 },
    });
    expect(sms).toMatchObject({
      messages: { inbound: 1, outbound: 0 },
      conversations: { opened: 1, resolved: 0 },
      sla: { firstResponseBreaches: 1 },
      escalations: { 'first-response-breach': 1 },
      satisfaction: { responses: 1, average: 4, distribution: { '4': 1 } },
      tags: { praise: 1 },
    });
    const byTier = await report('tier');
    expect(group(byTier.groups, 'e')).toMatchObject({ sla: { firstResponseBreaches: 1 } });
    expect(group(byTier.groups, '1')).toMatchObject({ conversations: { resolved: 1 } });
    expect(group(byTier.groups, '1').messages).toBeUndefined();
    const byDay = await report('day');
    expect(byDay.groups).toEqual([{ group: DAY, ...byDay.totals }]);
    expect(byDay.totals.tags).toEqual({ complaint: 1, praise: 1 });
  });

  it('takes a tag off the count when an agent removes it', async () => {
    // Prepare
    const before = (await report('day')).totals.tags;
    const chat = await message(email('lin@example.com'), 'webform', 'Terrible delay on my order', '12:00');
    await setTags(db, chat.conversationId, ['complaint', 'shipping'], fixedClock(at('12:05')));
    await deliver(mappedRecords(), 100);

    // Act
    await setTags(db, chat.conversationId, ['shipping'], fixedClock(at('12:10')));
    await deliver(mappedRecords(), 100);

    // Assess: `terrible` tagged it complaint by rule, the agent kept it, then took it off.
    expect(before).toEqual({ complaint: 1, praise: 1 });
    expect((await report('day')).totals.tags).toEqual({ complaint: 1, praise: 1, shipping: 1 });
  });
});
