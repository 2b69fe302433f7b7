import { PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { addNote } from '../agents/workflow.js';
import type { Clock } from '../clock.js';
import { NotFoundError } from '../errors.js';
import { sendMarketingMessage } from '../outbound/marketing-message.js';
import type { ReplyChannel, Senders } from '../outbound/sender.js';
import { ROUTING_DEFINITION } from '../routing/definition.js';
import { serviceLevelDueTimes } from '../routing/sla-policy.js';
import type { TierRequest } from '../routing/tier-queues.js';
import { type Conversation, type Customer, IdSchema } from '../schemas/index.js';
import { getConversation, replaceConversation } from '../store/conversations.js';
import { getCustomer } from '../store/customers.js';
import type { Db } from '../store/db.js';
import { conversationItem } from '../store/items.js';
import { render, type Step, type StoredCampaign } from './definition.js';
import { checkMarketingSend, DEFAULT_SUPPRESSION, reserveMarketingSend } from './ledger.js';
import {
  addCount,
  type CounterDelta,
  getCampaign,
  getRecipient,
  type Recipient,
  type RecipientOutcome,
  replaceRecipient,
} from './store.js';
import { withStopHint } from './unsubscribe-stop-hint.js';

/**
 * The send worker's job: one recipient's due step. Each recipient's place in the flow lives in its
 * item; a step is applied with a conditional write on the version read, so a duplicate delivery, a
 * retry or a relaunch never applies (or sends) one step twice: a message step first records that it is
 * sending (`sending`), then calls the provider, then moves on. Docs: docs/campaigns.md.
 */

/** What the wave queues for the workers: a recipient whose current step is due. */
export const RecipientJobSchema = z.object({ campaignId: IdSchema, recipientId: IdSchema });
export type RecipientJob = z.infer<typeof RecipientJobSchema>;

export interface CampaignWorkDeps {
  readonly db: Db;
  readonly senders: Senders;
  readonly clock: Clock;
  /** The signed one-click unsubscribe link for a customer's channel (email). */
  readonly unsubscribeUrl: (claim: {
    customerId: string;
    channel: 'email' | 'sms' | 'chat';
    campaignId: string;
  }) => Promise<string>;
  /** The five signed score links (1 to 5) of a conversation's survey email. */
  readonly surveyLinks: (conversationId: string) => Promise<string[]>;
  /** Puts a new personal-contact conversation in tier 1's queue (push assignment). */
  readonly handOff: (request: TierRequest) => Promise<void>;
}

/** What became of one job. */
export type JobOutcome =
  | { readonly kind: 'skipped' }
  | { readonly kind: 'applied'; readonly recipient: Recipient };

/** Works one recipient's due step; counts go to `counts` (added once per batch by the caller). */
export async function workRecipient(
  deps: CampaignWorkDeps,
  job: RecipientJob,
  counts: Map<string, CounterDelta>,
  campaigns: Map<string, StoredCampaign>,
): Promise<JobOutcome> {
  const { db, clock } = deps;
  const campaign = campaigns.get(job.campaignId) ?? (await getCampaign(db, job.campaignId));
  campaigns.set(job.campaignId, campaign);
  const recipient = await getRecipient(db, job.campaignId, job.recipientId);
  const now = clock.now();
  if (
    recipient === undefined ||
    recipient.status !== 'active' ||
    recipient.sending !== undefined ||
    (recipient.nextDueAt !== undefined && recipient.nextDueAt > now)
  ) {
    return { kind: 'skipped' };
  }
  const delta = counts.get(campaign.campaignId) ?? new Map();
  counts.set(campaign.campaignId, delta);
  if (campaign.status === 'paused') return { kind: 'skipped' };
  if (campaign.status === 'cancelled')
    return finish(deps, recipient, 'cancelled', undefined, delta, undefined);
  const step = campaign.draft.steps[recipient.stepIndex];
  if (step === undefined) return finish(deps, recipient, 'completed', undefined, delta, undefined);

  let customer: Customer;
  try {
    customer = await getCustomer(db, recipient.customerId);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    // Erased meanwhile.
    return finish(deps, recipient, 'cancelled', 'erased', delta, step);
  }
  switch (step.type) {
    case 'message':
      if (recipient.lastSentAt && (await repliedSince(db, customer, recipient.lastSentAt))) {
        addCount(delta, step.id, 'replied');
        return finish(deps, recipient, 'replied', undefined, delta, step);
      }
      return sendStep(deps, campaign, recipient, customer, step, delta);
    case 'wait':
      return waitStep(deps, campaign, recipient, customer, step, delta);
    case 'contact':
      return contactStep(deps, campaign, recipient, customer, step, delta);
    case 'survey':
      return surveyStep(deps, campaign, recipient, customer, step, delta);
  }
}

/**
 * Did the customer write to us since `since`? A reply opens (or reopens) a conversation: their open one
 * says so, or, when it was answered and resolved meanwhile (the e-level is quick), the last resolved one.
 */
async function repliedSince(db: Db, customer: Customer, since: string): Promise<boolean> {
  const candidates = [
    customer.openConversationId,
    customer.lastResolved && customer.lastResolved.resolvedAt > since
      ? customer.lastResolved.conversationId
      : undefined,
  ].filter((id): id is string => id !== undefined);
  for (const conversationId of candidates) {
    const conversation = await getConversation(db, conversationId).catch(() => undefined);
    if (conversation?.lastInboundAt !== undefined && conversation.lastInboundAt > since) return true;
  }
  return false;
}

/** Channels to try for a message step, in order. */
function candidateChannels(
  step: Extract<Step, { type: 'message' }>,
  customer: Customer,
  used: readonly string[],
): ('email' | 'sms')[] {
  const reachable = (['email', 'sms'] as const).filter((channel) =>
    customer.identities.some((identity) => identity.kind === (channel === 'email' ? 'email' : 'phone')),
  );
  if (step.channel === 'email' || step.channel === 'sms') return [step.channel];
  if (step.channel === 'other') return reachable.filter((channel) => !used.includes(channel));
  const preferred = customer.preferredChannel;
  return [...reachable].sort((a, b) => Number(b === preferred) - Number(a === preferred));
}

async function sendStep(
  deps: CampaignWorkDeps,
  campaign: StoredCampaign,
  recipient: Recipient,
  customer: Customer,
  step: Extract<Step, { type: 'message' }>,
  delta: CounterDelta,
): Promise<JobOutcome> {
  const { db, clock } = deps;
  const now = clock.now();
  const channels = candidateChannels(step, customer, recipient.channelsUsed);
  let refusal: string | undefined;
  for (const channel of channels) {
    const decision = await checkMarketingSend(db, {
      customerId: customer.customerId,
      channel,
      caps: campaign.draft.caps ?? {},
      now,
      suppression: campaign.draft.suppression ?? DEFAULT_SUPPRESSION,
      ...(campaign.draft.consentRequired !== undefined
        ? { consentRequired: campaign.draft.consentRequired }
        : {}),
      sendKey: sendKey(recipient, step),
    });
    if (decision.kind === 'deferred') {
      addCount(delta, step.id, 'deferred');
      return advance(
        deps,
        recipient,
        { nextDueAt: decision.until },
        { stepId: step.id, result: 'deferred:quiet-hours' },
      );
    }
    if (decision.kind === 'suppressed') {
      // Another channel may still be open to us; a reason about the customer holds on every channel.
      if (decision.reason === 'no-consent' || decision.reason === 'unreachable') {
        refusal ??= decision.reason;
        continue;
      }
      addCount(delta, step.id, `suppressed:${decision.reason}`);
      return finish(deps, recipient, 'suppressed', decision.reason, delta, step);
    }
    const reserved = await reserveMarketingSend(db, decision.reservation, now);
    if (reserved.kind === 'suppressed') {
      addCount(delta, step.id, 'suppressed:cap');
      return finish(deps, recipient, 'suppressed', 'cap', delta, step);
    }
    // Recorded before the provider is called: a retry after this point never sends the step again.
    const sending: Recipient = { ...recipient, sending: recipient.stepIndex, updatedAt: clock.now() };
    if (!(await replaceRecipient(db, sending, recipient.updatedAt))) return { kind: 'skipped' };
    const template = step.templates[channel];
    if (template === undefined) throw new Error(`step ${step.id} has no ${channel} template`);
    const body = render(template.body, customer);
    try {
      await sendMarketingMessage(
        db,
        deps.senders,
        {
          customerId: customer.customerId,
          channel,
          to: decision.reservation.address,
          ...('subject' in template ? { subject: render(template.subject, customer) } : {}),
          body: channel === 'sms' ? withStopHint(body) : body,
          campaignId: campaign.campaignId,
          ...(channel === 'email'
            ? {
                unsubscribeUrl: await deps.unsubscribeUrl({
                  customerId: customer.customerId,
                  channel,
                  campaignId: campaign.campaignId,
                }),
              }
            : {}),
        },
        clock,
      );
    } catch (error) {
      addCount(delta, step.id, 'failed');
      const { sending: _sending, ...rest } = sending;
      await replaceRecipient(
        db,
        {
          ...rest,
          status: 'done',
          outcome: 'failed',
          reason: 'provider',
          history: history(rest, step.id, 'failed', clock),
          updatedAt: clock.now(),
        },
        sending.updatedAt,
      );
      throw error;
    }
    addCount(delta, step.id, 'sent');
    const { sending: _sent, ...rest } = sending;
    const sentAt = clock.now();
    return advance(
      deps,
      { ...rest, updatedAt: sending.updatedAt },
      {
        ...entering(campaign, recipient.stepIndex + 1, sentAt),
        lastSentAt: sentAt,
        channelsUsed: [...new Set([...recipient.channelsUsed, channel])],
      },
      { stepId: step.id, result: `sent:${channel}` },
      sending.updatedAt,
    );
  }
  const reason = refusal ?? 'unreachable';
  const optedOut = (['email', 'sms'] as const).some(
    (channel) => customer.consent[channel]?.status === 'opted_out',
  );
  addCount(delta, step.id, `suppressed:${optedOut ? 'opted-out' : reason}`);
  return finish(deps, recipient, optedOut ? 'opted-out' : 'suppressed', reason, delta, step);
}

async function waitStep(
  deps: CampaignWorkDeps,
  campaign: StoredCampaign,
  recipient: Recipient,
  customer: Customer,
  step: Extract<Step, { type: 'wait' }>,
  delta: CounterDelta,
): Promise<JobOutcome> {
  const now = deps.clock.now();
  if (recipient.waitUntil === undefined) {
    const until = new Date(Date.parse(now) + step.hours * 3_600_000).toISOString();
    return advance(
      deps,
      recipient,
      { waitUntil: until, nextDueAt: until },
      { stepId: step.id, result: 'waiting' },
    );
  }
  if (recipient.lastSentAt && (await repliedSince(deps.db, customer, recipient.lastSentAt))) {
    addCount(delta, step.id, 'replied');
    return finish(deps, recipient, 'replied', undefined, delta, step);
  }
  const { waitUntil: _done, ...rest } = recipient;
  return advance(
    deps,
    { ...rest, updatedAt: recipient.updatedAt },
    entering(campaign, recipient.stepIndex + 1, now),
    { stepId: step.id, result: 'silent' },
    recipient.updatedAt,
  );
}

/**
 * A tier 1 "personal contact" conversation for the customer, with the campaign's context as a note,
 * put in tier 1's queue: an agent calls or writes to them.
 */
async function contactStep(
  deps: CampaignWorkDeps,
  campaign: StoredCampaign,
  recipient: Recipient,
  customer: Customer,
  step: Extract<Step, { type: 'contact' }>,
  delta: CounterDelta,
): Promise<JobOutcome> {
  const { db, clock } = deps;
  const claimed: Recipient = { ...recipient, sending: recipient.stepIndex, updatedAt: clock.now() };
  if (!(await replaceRecipient(db, claimed, recipient.updatedAt))) return { kind: 'skipped' };
  const now = clock.now();
  const channel = customer.identities.some((identity) => identity.kind === 'email') ? 'email' : 'sms';
  const conversation: Conversation = {
    conversationId: clock.newId(),
    customerId: customer.customerId,
    status: 'open',
    channel,
    tier: '1',
    skill: ROUTING_DEFINITION.defaultAssignment.skill,
    priority: 'normal',
    subject: `Personal contact: ${campaign.draft.name}`.slice(0, 500),
    openedAt: now,
    slaPolicyVersion: ROUTING_DEFINITION.version,
    ...serviceLevelDueTimes('1', 'normal', now, ROUTING_DEFINITION),
    updatedAt: now,
  };
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: conversationItem(conversation),
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  const sentSteps = recipient.history
    .filter((entry) => entry.result.startsWith('sent:'))
    .map((entry) => entry.stepId);
  await addNote(
    db,
    conversation.conversationId,
    `campaign:${campaign.campaignId}`,
    `${step.note}\n\nCampaign "${campaign.draft.name}" (${campaign.campaignId}): sent ${sentSteps.join(', ') || 'nothing'}; no reply.`,
    clock,
  );
  await deps.handOff({
    kind: 'tier',
    tier: '1',
    skill: conversation.skill ?? 'general',
    customerId: customer.customerId,
    conversationId: conversation.conversationId,
    interactionId: conversation.conversationId,
    channel,
    occurredAt: now,
  });
  addCount(delta, step.id, 'escalated');
  const { sending: _done, ...rest } = claimed;
  return finish(
    deps,
    { ...rest, updatedAt: claimed.updatedAt },
    'escalated',
    undefined,
    delta,
    step,
    claimed.updatedAt,
  );
}

async function surveyStep(
  deps: CampaignWorkDeps,
  campaign: StoredCampaign,
  recipient: Recipient,
  customer: Customer,
  step: Extract<Step, { type: 'survey' }>,
  delta: CounterDelta,
): Promise<JobOutcome> {
  const { db, clock } = deps;
  const conversationId = recipient.conversationId;
  if (conversationId === undefined) return finish(deps, recipient, 'failed', 'no-conversation', delta, step);
  const conversation = await getConversation(db, conversationId, true);
  if (recipient.waitUntil !== undefined) {
    // The answer window ended (an answer ends the recipient at once, shared/campaigns/survey.ts).
    addCount(delta, step.id, 'no-answer');
    return finish(deps, recipient, 'no-answer', undefined, delta, step);
  }
  if (conversation.status !== 'resolved') {
    return finish(deps, recipient, 'suppressed', 'reopened', delta, step);
  }
  const claimed: Recipient = { ...recipient, sending: recipient.stepIndex, updatedAt: clock.now() };
  if (!(await replaceRecipient(db, claimed, recipient.updatedAt))) return { kind: 'skipped' };
  const channel: ReplyChannel =
    conversation.channel === 'sms' ? 'sms' : conversation.channel === 'chat' ? 'chat' : 'email';
  const template: { subject?: string; body: string } | undefined =
    step.templates[channel] ?? step.templates.email;
  const to = customer.identities.find((identity) =>
    channel === 'sms'
      ? identity.kind === 'phone'
      : channel === 'chat'
        ? identity.kind === 'visitor'
        : identity.kind === 'email',
  );
  if (template === undefined || to === undefined || customer.consent[channel]?.status === 'opted_out') {
    const { sending: _s, ...rest } = claimed;
    return finish(
      deps,
      { ...rest, updatedAt: claimed.updatedAt },
      'suppressed',
      'unreachable',
      delta,
      step,
      claimed.updatedAt,
    );
  }
  const now = clock.now();
  await sendMarketingMessage(
    db,
    deps.senders,
    {
      customerId: customer.customerId,
      channel,
      to,
      ...(template.subject !== undefined ? { subject: render(template.subject, customer) } : {}),
      body: `${render(template.body, customer)}\n\n${
        channel === 'email' ? await emailScoreLinks(deps, conversationId) : SURVEY_PROMPT[channel]
      }`,
      campaignId: campaign.campaignId,
      conversationId,
    },
    clock,
  );
  // The conversation waits for its score: a reply of 1-5 on it is the answer.
  const current = await getConversation(db, conversationId, true);
  await replaceConversation(
    db,
    {
      ...current,
      survey: {
        campaignId: campaign.campaignId,
        recipientId: recipient.recipientId,
        sentAt: now,
        recoverAtMost: step.recoverAtMost,
      },
      updatedAt: clock.now(),
    },
    current.updatedAt,
  );
  addCount(delta, step.id, 'sent');
  const until = new Date(Date.parse(now) + step.answerHours * 3_600_000).toISOString();
  const { sending: _sent, ...rest } = claimed;
  return advance(
    deps,
    { ...rest, updatedAt: claimed.updatedAt },
    { waitUntil: until, nextDueAt: until, lastSentAt: now, channelsUsed: [channel] },
    { stepId: step.id, result: `sent:${channel}` },
    claimed.updatedAt,
  );
}

/** The score links of a survey email, one line each; a reply with the digit counts too. */
async function emailScoreLinks(deps: CampaignWorkDeps, conversationId: string): Promise<string> {
  const links = await deps.surveyLinks(conversationId);
  const labels = ['1 (poor)', '2', '3', '4', '5 (great)'];
  return [
    'Click your score:',
    ...links.map((link, index) => `${labels[index]}: ${link}`),
    'Or reply to this email with a number from 1 to 5.',
  ].join('\n');
}

const SURVEY_PROMPT: Readonly<Record<ReplyChannel, string>> = {
  sms: 'Reply with a number from 1 (poor) to 5 (great).',
  chat: 'Type a number from 1 (poor) to 5 (great).',
  email: 'Reply to this email with a number from 1 (poor) to 5 (great).',
};

/**
 * Where a recipient stands on entering step `stepIndex` at `at`: a wait starts counting at once (from the
 * send before it, not from when a wave next looks), anything else is due at once.
 */
export function entering(
  campaign: StoredCampaign,
  stepIndex: number,
  at: string,
): Pick<Recipient, 'stepIndex' | 'nextDueAt'> & { waitUntil?: string } {
  const step = campaign.draft.steps[stepIndex];
  if (step?.type === 'wait') {
    const until = new Date(Date.parse(at) + step.hours * 3_600_000).toISOString();
    return { stepIndex, nextDueAt: until, waitUntil: until };
  }
  return { stepIndex, nextDueAt: at };
}

function sendKey(recipient: Recipient, step: Step): string {
  return `${recipient.campaignId}:${recipient.recipientId}:${step.id}`;
}

function history(recipient: Recipient, stepId: string, result: string, clock: Clock): Recipient['history'] {
  return [...recipient.history, { stepId, at: clock.now(), result }].slice(-40);
}

/** The recipient moved on within the flow. */
async function advance(
  deps: CampaignWorkDeps,
  recipient: Recipient,
  change: Partial<Pick<Recipient, 'stepIndex' | 'nextDueAt' | 'waitUntil' | 'lastSentAt' | 'channelsUsed'>>,
  entry: { stepId: string; result: string },
  readUpdatedAt = recipient.updatedAt,
): Promise<JobOutcome> {
  const next: Recipient = {
    ...recipient,
    ...change,
    history: history(recipient, entry.stepId, entry.result, deps.clock),
    updatedAt: deps.clock.now(),
  };
  if (!(await replaceRecipient(deps.db, next, readUpdatedAt))) return { kind: 'skipped' };
  return { kind: 'applied', recipient: next };
}

/** The recipient's walk ends. */
async function finish(
  deps: CampaignWorkDeps,
  recipient: Recipient,
  outcome: RecipientOutcome,
  reason: string | undefined,
  _delta: CounterDelta,
  step: Step | undefined,
  readUpdatedAt = recipient.updatedAt,
): Promise<JobOutcome> {
  const { nextDueAt: _due, waitUntil: _wait, sending: _sending, ...rest } = recipient;
  const next: Recipient = {
    ...rest,
    status: 'done',
    outcome,
    ...(reason ? { reason } : {}),
    history: step
      ? history(recipient, step.id, reason ? `${outcome}:${reason}` : outcome, deps.clock)
      : recipient.history,
    updatedAt: deps.clock.now(),
  };
  if (!(await replaceRecipient(deps.db, next, readUpdatedAt))) return { kind: 'skipped' };
  return { kind: 'applied', recipient: next };
}
