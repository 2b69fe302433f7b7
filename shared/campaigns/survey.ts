import type { Clock } from '../clock.js';
import { ROUTING_DEFINITION, type RoutingDefinition } from '../routing/definition.js';
import { serviceLevelDueTimes } from '../routing/sla-policy.js';
import { type Conversation, MAX_ESCALATIONS } from '../schemas/index.js';
import type { Db } from '../store/db.js';
import { recordSatisfaction } from './ledger-store.js';
import { addCount, addCounts, getRecipient, replaceRecipient } from './store.js';

/**
 * Satisfaction surveys of follow-up campaigns: the survey goes out on the resolved conversation's
 * channel; the customer's reply of 1-5 on that conversation (an SMS, a chat message, an email reply) is
 * its answer. The route consumer recognises it before a reopen: the score is kept on the conversation
 * and the customer; a score at or below the survey's `recoverAtMost` reopens the concern at tier 2
 * (service recovery); a higher one leaves it resolved.
 */

/** The score a survey reply gives: a short message starting with a digit from 1 to 5. */
export function surveyScore(body: string | undefined): number | undefined {
  if (body === undefined) return undefined;
  const text = body.trim();
  if (text.length === 0 || text.length > 200) return undefined;
  const match = /^([1-5])(?![0-9.,])/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Does this conversation wait for a survey answer? */
export function awaitsSurvey(conversation: Conversation): boolean {
  return conversation.survey !== undefined && conversation.survey.answeredAt === undefined;
}

/** The conversation with a survey answer applied (pure; the route consumer writes it). */
export function answeredSurvey(
  conversation: Conversation,
  score: number,
  answer: { readonly occurredAt: string; readonly channel: Conversation['channel'] },
  now: string,
  definition: RoutingDefinition = ROUTING_DEFINITION,
): Conversation {
  const survey = conversation.survey;
  if (survey === undefined) return conversation;
  const answered: Conversation = {
    ...conversation,
    survey: { ...survey, answeredAt: answer.occurredAt },
    satisfaction: { score, at: answer.occurredAt, channel: answer.channel },
    lastInboundAt: answer.occurredAt,
    updatedAt: now,
  };
  if (score > survey.recoverAtMost) return answered;
  // Service recovery: open again at tier 2 at least, more urgent, with fresh due times from the answer.
  const {
    resolvedAt: _resolved,
    resolutionCode: _code,
    assignee: _assignee,
    firstRespondedAt: _first,
    ...rest
  } = answered;
  const tier: Conversation['tier'] = conversation.tier === '3' ? '3' : '2';
  const priority: Conversation['priority'] = conversation.priority === 'urgent' ? 'urgent' : 'high';
  return {
    ...rest,
    status: 'open',
    tier,
    priority,
    reopenedAt: answer.occurredAt,
    slaPolicyVersion: definition.version,
    ...serviceLevelDueTimes(tier, priority, answer.occurredAt, definition),
    escalations: [
      ...(conversation.escalations ?? []),
      {
        at: now,
        reason: 'service-recovery' as const,
        fromTier: conversation.tier,
        toTier: tier,
        fromPriority: conversation.priority,
        toPriority: priority,
        ...(conversation.skill ? { skill: conversation.skill } : {}),
      },
    ].slice(-MAX_ESCALATIONS),
  };
}

/**
 * What follows an answer outside the conversation: the customer's latest score (campaign suppression
 * reads it), the campaign recipient's outcome and the step's `answered` count. Idempotent: a recipient
 * already done is left alone.
 */
export async function recordSurveyOutcome(db: Db, conversation: Conversation, clock: Clock): Promise<void> {
  const survey = conversation.survey;
  const satisfaction = conversation.satisfaction;
  if (survey === undefined || satisfaction === undefined) return;
  await recordSatisfaction(
    db,
    conversation.customerId,
    { score: satisfaction.score, at: satisfaction.at },
    clock,
  );
  const recipient = await getRecipient(db, survey.campaignId, survey.recipientId);
  if (recipient === undefined || recipient.status === 'done') return;
  const { nextDueAt: _due, waitUntil: _wait, sending: _sending, ...rest } = recipient;
  const stepId = recipient.history.at(-1)?.stepId ?? 'survey';
  const done = await replaceRecipient(
    db,
    {
      ...rest,
      status: 'done',
      outcome: 'surveyed',
      reason: `score-${satisfaction.score}`,
      history: [
        ...recipient.history,
        { stepId, at: clock.now(), result: `answered:${satisfaction.score}` },
      ].slice(-40),
      updatedAt: clock.now(),
    },
    recipient.updatedAt,
  );
  if (!done) return;
  const delta = new Map<string, number>();
  addCount(delta, stepId, 'answered');
  if (conversation.status === 'open') addCount(delta, stepId, 'escalated');
  await addCounts(db, survey.campaignId, delta);
}
