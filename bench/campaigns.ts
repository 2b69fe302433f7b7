import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { CampaignDraft } from '../shared/campaigns/definition.js';
import { ENROL_PAGE, WAVE_SIZE } from '../shared/campaigns/orchestration.js';
import { createCampaign, getCounts, transitionCampaign } from '../shared/campaigns/store.js';
import { systemClock } from '../shared/clock.js';
import { ingestInbound } from '../shared/ingest/ingest.js';
import { ROUTING_DEFINITION } from '../shared/routing/definition.js';
import { routingRequest } from '../shared/routing/handoff.js';
import { recordInboundActivity, ruleRouter } from '../shared/routing/record-activity.js';
import { setConsent } from '../shared/store/consent.js';
import { createDb } from '../shared/store/db.js';
import { sqsEvent } from './events.js';
import type { CommandTally } from './request-counter.js';
import { type BenchStack, REGION } from './stack.js';
import { round } from './stats.js';

/**
 * A retention campaign end to end in the bench process: RECIPIENTS customers who opted in by email and
 * were quiet for a month, a draft of an email offer, a three-day wait and an email follow-up, driven by
 * the real task handlers (enrol, wave) and send worker, the state machine's loop played here state by
 * state (its transitions counted from the definition), the clock warped over the wait. Every AWS
 * request after seeding is counted.
 */
export const RECIPIENTS = 200;

/** States a Standard execution enters per task of each kind (Step Functions bills state transitions). */
const TRANSITIONS = {
  /** Enrol and the MoreToEnrol choice. */
  enrol: 2,
  /** SendWave, the Finished choice and the wait (the last wave enters Done instead of the wait). */
  wave: 3,
  /** The execution's start. */
  start: 1,
} as const;

const DRAFT: CampaignDraft = {
  name: 'Bench win-back',
  kind: 'retention',
  segment: { lastInteractionOlderThanDays: 30, channels: ['email'] },
  steps: [
    {
      id: 'offer',
      type: 'message',
      channel: 'email',
      templates: {
        email: {
          subject: 'We miss you, {{firstName}}',
          body: 'Hello {{firstName}},\n\nyour next order ships free with the code WELCOME-BACK.\n\nYour Customer Care team',
        },
      },
    },
    { id: 'wait-offer', type: 'wait', hours: 72 },
    {
      id: 'follow-up',
      type: 'message',
      channel: 'email',
      templates: {
        email: {
          subject: 'Still waiting for you',
          body: 'Hello {{firstName}},\n\nthe code WELCOME-BACK is still yours.',
        },
      },
    },
  ],
  caps: { perDay: 1, perWeek: 3 },
  // Every seeded customer has an open conversation (they wrote once): the bench measures sending.
  suppression: { openConversation: false, slaBreachDays: null, lowSatisfaction: null },
};

export interface CampaignFigures {
  readonly recipients: number;
  readonly messagesSent: number;
  /** What this run did: task invocations, waves (busy: some recipients were due), worker batches, transitions. */
  readonly run: {
    readonly enrolInvocations: number;
    readonly waves: number;
    readonly busyWaves: number;
    readonly sendBatches: number;
    readonly transitions: number;
  };
  /** Modelled for a million recipients: enrol pages and busy waves scale, idle waves (the waits) do not. */
  readonly atAMillion: {
    readonly transitionsPerRecipient: number;
    readonly taskInvocationsPerRecipient: number;
  };
  readonly perRecipient: {
    readonly transitions: number;
    readonly lambdaInvocations: number;
    readonly dynamodbRequests: number;
    readonly writeUnits: number;
    readonly readUnits: number;
    readonly sqsRequests: number;
    readonly sesEmails: number;
    /** In-process handler time (ms) and log bytes, per recipient. */
    readonly handlerMs: number;
    readonly logBytes: number;
  };
  readonly requests: Readonly<Record<string, number>>;
  readonly handlerMs: { readonly enrol: number; readonly wave: number; readonly send: number };
  readonly counters: Record<string, Record<string, number>>;
}

type TaskHandler = (event: unknown, context: Context) => Promise<unknown>;
type QueueHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export async function runCampaignScenario(stack: BenchStack, runId: string): Promise<CampaignFigures> {
  const { QueueUrl: sendQueue } = await stack.inspector.send(
    new CreateQueueCommand({ QueueName: `carebridge-bench-campaign-send-${runId}` }),
  );
  if (!sendQueue) throw new Error('fauxqs returned no queue URL');
  const { Attributes } = await stack.inspector.send(
    new GetQueueAttributesCommand({ QueueUrl: sendQueue, AttributeNames: ['QueueArn'] }),
  );
  const sendQueueArn = Attributes?.QueueArn ?? 'arn:aws:sqs:us-east-1:000000000000:campaign-send';
  Object.assign(process.env, {
    CAMPAIGN_SEND_QUEUE_URL: sendQueue,
    UNSUBSCRIBE_URL: 'https://api.bench.example.com/v1/unsubscribe',
    SURVEY_URL: 'https://api.bench.example.com/v1/surveys/answer',
    IDENTITY_SECRET: process.env.IDENTITY_SECRET ?? 'bench-identity-secret-of-32-bytes-at-least',
  });
  // Noon UTC a month from now: outside the default quiet hours whenever the bench runs.
  const startMs = Date.now();
  const noon = new Date(startMs);
  noon.setUTCHours(12, 0, 0, 0);
  warpTo(noon.getTime() - startMs);

  const db = createDb(stack.tableName);
  const router = ruleRouter(ROUTING_DEFINITION);
  for (let index = 0; index < RECIPIENTS; index++) {
    const address = `bench-${runId}-${index}@example.com`;
    const at = systemClock.now();
    const result = await ingestInbound(
      db,
      {
        channel: 'webform',
        identities: [{ kind: 'email', value: address, trust: 'verified' }],
        name: `Recipient ${index}`,
        body: 'Hello, a question about my last order.',
        attachments: [],
        providerMessageId: `bench:${runId}-${index}`,
        providerRefs: {},
        receivedAt: at,
      },
      systemClock,
    );
    await recordInboundActivity(db, routingRequest(result), router, systemClock);
    await setConsent(
      db,
      result.customerId,
      'email',
      { status: 'opted_in', at, source: 'webform' },
      systemClock,
    );
  }
  warpTo(noon.getTime() - startMs + 31 * 24 * 3_600_000);
  const campaign = await createCampaign(db, DRAFT, 'bench', systemClock);
  await transitionCampaign(db, campaign.campaignId, ['draft'], 'running', systemClock.now(), {
    launchedAt: systemClock.now(),
  });
  stack.counter.take();
  stack.logs.take();
  // Units are computed per request by the meter (it reads the items around each write).
  stack.meter.enabled = true;

  const enrol = (await import('../functions/campaigns/enrol.js')).handler as unknown as TaskHandler;
  const wave = (await import('../functions/campaigns/wave.js')).handler as unknown as TaskHandler;
  const send = (await import('../functions/campaigns/send.js')).handler as unknown as QueueHandler;
  const ms = { enrol: 0, wave: 0, send: 0 };
  const timed = async <T>(key: keyof typeof ms, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      ms[key] += performance.now() - started;
    }
  };
  let transitions: number = TRANSITIONS.start;
  let enrols = 0;
  let waves = 0;
  let busyWaves = 0;
  let sendBatches = 0;

  let page = (await timed('enrol', () =>
    enrol({ campaignId: campaign.campaignId }, stack.context('campaigns-enrol')),
  )) as {
    cursor?: string;
    done: boolean;
  };
  enrols += 1;
  while (!page.done) {
    page = (await timed('enrol', () =>
      enrol({ campaignId: campaign.campaignId, cursor: page.cursor }, stack.context('campaigns-enrol')),
    )) as { cursor?: string; done: boolean };
    enrols += 1;
  }
  transitions += enrols * TRANSITIONS.enrol;

  for (let round = 0; round < 100; round++) {
    const result = (await timed('wave', () =>
      wave({ campaignId: campaign.campaignId }, stack.context('campaigns-wave')),
    )) as { state: string; waitSeconds: number };
    waves += 1;
    transitions += TRANSITIONS.wave;
    if (result.state === 'finished') break;
    // The send workers (the queue's event source mapping), ten records per invocation.
    let queued = false;
    for (;;) {
      const { Messages: messages = [] } = await stack.poller.send(
        new ReceiveMessageCommand({ QueueUrl: sendQueue, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (messages.length === 0) break;
      queued = true;
      const response = await timed('send', () =>
        send(sqsEvent(messages, sendQueueArn, REGION), stack.context('campaigns-send')),
      );
      sendBatches += 1;
      if (response.batchItemFailures.length > 0) {
        throw new Error(`the send worker failed ${response.batchItemFailures.length} records`);
      }
      await deleteAll(stack, sendQueue, messages);
    }
    if (queued) busyWaves += 1;
    // The wait: the clock jumps over it instead of sleeping.
    warpBy(result.waitSeconds * 1000);
  }
  const tallies = stack.counter.take();
  const logs = stack.logs.take();
  stack.meter.enabled = false;
  const counters = await getCounts(db, campaign.campaignId);
  const sent = Object.values(counters).reduce((sum, step) => sum + (step.sent ?? 0), 0);
  delete process.env.CAREBRIDGE_CLOCK_OFFSET_MS;
  const per = (value: number) => round(value / RECIPIENTS, 3);
  const sum = (service: string, pick: (tally: CommandTally) => number) =>
    tallies.filter((tally) => tally.service === service).reduce((total, tally) => total + pick(tally), 0);
  // At a million recipients the campaign has the same waits (idle waves) and steps, but enrol pages of
  // ENROL_PAGE and busy waves of WAVE_SIZE: transitions and task invocations per recipient shrink.
  const million = 1_000_000;
  const idleWaves = waves - busyWaves;
  const busyWavesAtScale = busyWaves * Math.ceil(million / WAVE_SIZE);
  const enrolsAtScale = Math.ceil(million / ENROL_PAGE) + 1;
  const transitionsAtScale =
    TRANSITIONS.start + enrolsAtScale * TRANSITIONS.enrol + (busyWavesAtScale + idleWaves) * TRANSITIONS.wave;
  return {
    recipients: RECIPIENTS,
    messagesSent: sent,
    run: { enrolInvocations: enrols, waves, busyWaves, sendBatches, transitions },
    atAMillion: {
      transitionsPerRecipient: round(transitionsAtScale / million, 4),
      taskInvocationsPerRecipient: round((enrolsAtScale + busyWavesAtScale + idleWaves) / million, 4),
    },
    perRecipient: {
      transitions: per(transitions),
      lambdaInvocations: per(enrols + waves + sendBatches),
      dynamodbRequests: per(sum('DynamoDB', (tally) => tally.requests)),
      writeUnits: per(sum('DynamoDB', (tally) => tally.computedWriteUnits)),
      readUnits: per(sum('DynamoDB', (tally) => tally.computedReadUnits)),
      sqsRequests: per(sum('SQS', (tally) => tally.requests)),
      sesEmails: per(sum('SESv2', (tally) => tally.requests)),
      handlerMs: per(ms.enrol + ms.wave + ms.send),
      logBytes: per(logs.bytes),
    },
    requests: Object.fromEntries(
      tallies.map((tally) => [`${tally.service}.${tally.command}`, per(tally.requests)]),
    ),
    handlerMs: {
      enrol: round(ms.enrol / Math.max(enrols, 1), 2),
      wave: round(ms.wave / Math.max(waves, 1), 2),
      send: round(ms.send / Math.max(sendBatches, 1), 2),
    },
    counters,
  };
}

let offsetMs = 0;
function warpTo(ms: number): void {
  offsetMs = ms;
  process.env.CAREBRIDGE_CLOCK_OFFSET_MS = String(offsetMs);
}
function warpBy(ms: number): void {
  warpTo(offsetMs + ms);
}

async function deleteAll(stack: BenchStack, queueUrl: string, messages: readonly Message[]): Promise<void> {
  await stack.poller.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: messages.map((message, index) => ({
        Id: String(index),
        ReceiptHandle: message.ReceiptHandle,
      })),
    }),
  );
}
