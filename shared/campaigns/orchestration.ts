import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import type { Clock } from '../clock.js';
import { ConflictError, ValidationError } from '../errors.js';
import { IdSchema, IsoTimestampSchema } from '../schemas/index.js';
import type { Db } from '../store/db.js';
import type { StoredCampaign } from './definition.js';
import type { Segment } from './segment.js';
import { readSegment } from './segment-read.js';
import {
  addCount,
  addCounts,
  dueRecipients,
  enrolRecipient,
  getCampaign,
  nextDue,
  type Recipient,
  runningCampaigns,
  transitionCampaign,
} from './store.js';
import { entering, type RecipientJob } from './work.js';

/**
 * How a campaign runs: Step Functions orchestrates each launched campaign (infra/lib/campaign-state-
 * machine.ts): `enrolPage` until the segment is read, then `sendWave` and a wait, again and again. Each
 * recipient's state (its step, when it is due) lives in the table, and waves hand the due recipients to
 * the send workers through SQS, so the state machine's transitions grow with waves, not recipients.
 */

/** Starts and stops the orchestration of one campaign (Step Functions on AWS and locally). */
export interface Orchestrator {
  /**
   * Starts an execution for the campaign's enrolment number `round` (0 at launch, then each recurrence);
   * returns its id (execution ARN). Idempotent per campaign and round.
   */
  start(campaign: StoredCampaign, round: number): Promise<string>;
  /** Stops it (cancel). */
  stop(executionArn: string): Promise<void>;
}

/** Recipients enrolled per enrol task; Step Functions loops until the segment is read. */
export const ENROL_PAGE = 200;
/** Recipients a wave queues at most; the next wave follows soon when it was full. */
export const WAVE_SIZE = 1000;
/** Between waves: at least a minute (workers finish a wave), at most an hour (pause, cancel, new due). */
const MIN_WAIT_SECONDS = 60;
const MAX_WAIT_SECONDS = 3600;

export const EnrolInputSchema = z.object({
  campaignId: IdSchema,
  cursor: z.optional(z.string().check(z.maxLength(4096))),
});
export const WaveInputSchema = z.object({ campaignId: IdSchema });

/** `POST /v1/campaigns/{id}/launch`: draft → running, and the execution starts. 409 when not a draft. */
export async function launchCampaign(
  db: Db,
  orchestrator: Orchestrator,
  campaignId: string,
  clock: Clock,
): Promise<StoredCampaign> {
  const now = clock.now();
  const running = await transitionCampaign(db, campaignId, ['draft'], 'running', now, {
    launchedAt: now,
    lastEnrolledAt: now,
    enrolments: 1,
  });
  const executionArn = await orchestrator.start(running, 0);
  return transitionCampaign(db, campaignId, ['running'], 'running', clock.now(), { executionArn });
}

/** Pause (running → paused), resume (paused → running), cancel (draft, running or paused → cancelled). */
export async function changeCampaignState(
  db: Db,
  orchestrator: Orchestrator,
  campaignId: string,
  action: 'pause' | 'resume' | 'cancel',
  clock: Clock,
): Promise<StoredCampaign> {
  const now = clock.now();
  if (action === 'pause') return transitionCampaign(db, campaignId, ['running'], 'paused', now);
  if (action === 'resume') return transitionCampaign(db, campaignId, ['paused'], 'running', now);
  const cancelled = await transitionCampaign(
    db,
    campaignId,
    ['draft', 'running', 'paused'],
    'cancelled',
    now,
  );
  if (cancelled.executionArn) await orchestrator.stop(cancelled.executionArn);
  return cancelled;
}

/**
 * The enrol task: one page of a retention campaign's segment becomes recipients (due now), each once
 * (a relaunch or a retried task finds them there). Follow-up campaigns enrol from events instead.
 */
export async function enrolPage(
  db: Db,
  input: z.infer<typeof EnrolInputSchema>,
  clock: Clock,
): Promise<{ campaignId: string; cursor?: string; done: boolean }> {
  const campaign = await getCampaign(db, input.campaignId, true);
  const segment = campaign.draft.segment;
  if (campaign.draft.kind !== 'retention' || segment === undefined || campaign.status === 'cancelled') {
    return { campaignId: campaign.campaignId, done: true };
  }
  const page = await readSegment(db, segment, {
    // The cutoff of this enrolment (launch or recurrence), the same on every page.
    now: campaign.lastEnrolledAt ?? campaign.launchedAt ?? clock.now(),
    pageSize: ENROL_PAGE,
    ...(input.cursor ? { cursor: input.cursor } : {}),
  });
  const now = clock.now();
  let enrolled = 0;
  for (const customer of page.customers) {
    if (await enrolRecipient(db, newRecipient(campaign, customer.customerId, undefined, now))) enrolled += 1;
  }
  const delta = new Map<string, number>();
  const first = campaign.draft.steps[0];
  if (first && enrolled > 0) addCount(delta, first.id, 'targeted', enrolled);
  await addCounts(db, campaign.campaignId, delta);
  return page.cursor
    ? { campaignId: campaign.campaignId, cursor: page.cursor, done: false }
    : { campaignId: campaign.campaignId, done: true };
}

/** A recipient entering the first step at `startAt` (the resolution, for a follow-up), enrolled `now`. */
function newRecipient(
  campaign: StoredCampaign,
  customerId: string,
  conversationId: string | undefined,
  now: string,
  startAt = now,
): Recipient {
  return {
    campaignId: campaign.campaignId,
    recipientId: conversationId ?? customerId,
    customerId,
    ...(conversationId ? { conversationId } : {}),
    ...entering(campaign, 0, startAt),
    status: 'active',
    channelsUsed: [],
    history: [],
    enrolledAt: now,
    updatedAt: now,
  };
}

/**
 * The wave task: hands every recipient due now to the send queue (SendMessageBatch, ten at a time) and
 * says how long to wait before the next wave. A paused campaign sends nothing; a cancelled one, or a
 * retention campaign with nobody left, is finished (completed). A recipient queued twice (a wave before
 * the workers finished) is worked once: the worker applies a step only to the recipient as it read it.
 */
export async function sendWave(
  db: Db,
  sqs: SQSClient,
  queueUrl: string,
  input: z.infer<typeof WaveInputSchema>,
  clock: Clock,
): Promise<{ campaignId: string; state: 'running' | 'finished'; waitSeconds: number }> {
  const campaign = await getCampaign(db, input.campaignId, true);
  const running = (waitSeconds: number) => ({
    campaignId: campaign.campaignId,
    state: 'running' as const,
    waitSeconds: Math.round(Math.min(MAX_WAIT_SECONDS, Math.max(MIN_WAIT_SECONDS, waitSeconds))),
  });
  if (campaign.status === 'cancelled' || campaign.status === 'completed') {
    return { campaignId: campaign.campaignId, state: 'finished', waitSeconds: 0 };
  }
  if (campaign.status === 'paused' || campaign.status === 'draft') return running(MAX_WAIT_SECONDS / 4);
  const now = clock.now();
  const due = await dueRecipients(db, campaign.campaignId, now, WAVE_SIZE);
  for (let start = 0; start < due.length; start += 10) {
    const chunk = due.slice(start, start + 10);
    const output = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((recipient, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify(job(campaign, recipient.recipientId)),
        })),
      }),
    );
    if ((output.Failed ?? []).length > 0)
      throw new Error(`the send queue refused ${output.Failed?.length} jobs`);
  }
  if (due.length > 0) return running(MIN_WAIT_SECONDS);
  const next = await nextDue(db, campaign.campaignId);
  // A recurring campaign stays running: its next enrolment starts an execution of its own.
  if (next === undefined && campaign.draft.kind === 'retention' && campaign.draft.recurrence !== undefined) {
    return { campaignId: campaign.campaignId, state: 'finished', waitSeconds: 0 };
  }
  if (next === undefined && campaign.draft.kind === 'retention') {
    await transitionCampaign(db, campaign.campaignId, ['running'], 'completed', clock.now());
    return { campaignId: campaign.campaignId, state: 'finished', waitSeconds: 0 };
  }
  return running(next === undefined ? MAX_WAIT_SECONDS : (Date.parse(next) - Date.parse(now)) / 1000);
}

function job(campaign: StoredCampaign, recipientId: string): RecipientJob {
  return { campaignId: campaign.campaignId, recipientId };
}

/**
 * The recurrence sweep (a schedule, hourly): every running retention campaign with a `recurrence` whose
 * next enrolment is due gets an execution of its own that enrols the segment again (members already
 * enrolled are skipped) and sends to the new ones. Returns the campaigns started.
 */
export async function startRecurrences(db: Db, orchestrator: Orchestrator, clock: Clock): Promise<string[]> {
  const started: string[] = [];
  for (const campaign of await runningCampaigns(db, 'retention')) {
    const everyDays = campaign.draft.recurrence?.everyDays;
    if (everyDays === undefined) continue;
    const last = campaign.lastEnrolledAt ?? campaign.launchedAt;
    const now = clock.now();
    if (last !== undefined && Date.parse(now) - Date.parse(last) < everyDays * 86_400_000) continue;
    const round = campaign.enrolments ?? 1;
    // Recorded first: a failed start is retried by the next sweep under the same name, so it starts once.
    let updated: StoredCampaign;
    try {
      updated = await transitionCampaign(db, campaign.campaignId, ['running'], 'running', now, {
        lastEnrolledAt: now,
        enrolments: round + 1,
      });
    } catch (error) {
      // Paused or cancelled meanwhile.
      if (error instanceof ConflictError) continue;
      throw error;
    }
    await orchestrator.start(updated, round);
    started.push(campaign.campaignId);
  }
  return started;
}

/** The `conversation.resolved` event as the follow-up trigger reads it (ids only). */
export const ResolvedEventSchema = z.object({
  conversationId: IdSchema,
  customerId: IdSchema,
  occurredAt: IsoTimestampSchema,
  automated: z.optional(z.boolean()),
});

/**
 * `conversation.resolved` enrols the conversation in every running follow-up campaign, once (the event
 * id is deterministic and the recipient is keyed by the conversation, so a duplicate event changes
 * nothing). Returns how many enrolments were made.
 */
export async function enrolResolved(
  db: Db,
  event: z.infer<typeof ResolvedEventSchema>,
  clock: Clock,
): Promise<number> {
  let enrolled = 0;
  for (const campaign of await runningCampaigns(db, 'followup')) {
    const now = clock.now();
    // The follow-up's first wait counts from the resolution, however late the event arrives.
    const startAt = [event.occurredAt, now].sort()[0] ?? now;
    if (
      await enrolRecipient(db, newRecipient(campaign, event.customerId, event.conversationId, now, startAt))
    ) {
      enrolled += 1;
      const delta = new Map<string, number>();
      const first = campaign.draft.steps[0];
      if (first) addCount(delta, first.id, 'targeted');
      await addCounts(db, campaign.campaignId, delta);
    }
  }
  return enrolled;
}

/** Checks a segment can be read without a scan before a launch; ValidationError naming `segment` if not. */
export function assertLaunchable(
  campaign: StoredCampaign,
  plan: { needsScan: boolean; reason?: string },
): void {
  if (campaign.status !== 'draft') throw new ConflictError(`the campaign is ${campaign.status}`);
  if (plan.needsScan) {
    throw new ValidationError('request failed validation', [
      { path: 'segment', message: plan.reason ?? 'this segment needs a scan of the whole table' },
    ]);
  }
}

export type { Segment };
