import { changeConversation } from '../agents/assignment.js';
import { moved } from '../agents/workflow.js';
import type { Clock } from '../clock.js';
import { NotDeliverableError } from '../errors.js';
import { sendReply } from '../outbound/send-reply.js';
import type { Senders } from '../outbound/sender.js';
import type { Channel, Conversation, ELevelAttempt } from '../schemas/index.js';
import { getConversation } from '../store/conversations.js';
import type { Db } from '../store/db.js';
import type { RoutingDefinition } from './definition.js';
import type { TierRequest } from './tier-queues.js';

/**
 * The e-level: the automated tier that answers standard concerns from the knowledge base. Above the
 * definition's confidence thresholds it answers on the customer's channel (through the outbound path an
 * agent's reply takes), says how to reach a person, and resolves the concern; the customer's next
 * message within the reopen window reopens it, and then (or on AGENT, which routing sends to a person)
 * the concern goes to tier 1. Below the thresholds, or on a second contact about the same concern, it
 * goes to tier 1 at once with the attempt attached.
 */

/** The knowledge base as the e-level asks it: the best article for a text, with its confidence. */
export interface KnowledgeBase {
  best(text: string):
    | {
        readonly article: { readonly articleId: string; readonly title: string; readonly body: string };
        readonly score: number;
        readonly coverage: number;
      }
    | undefined;
}

/** Who the e-level's answers are by, on the timeline. */
export const E_LEVEL_AUTHOR = 'e-level';
/** The resolution code of a concern the e-level answered. */
export const E_LEVEL_RESOLUTION = 'e-level-answer';

/** How a customer reaches a person from an automated answer, per channel (routing's asks-for-agent rule). */
const PERSON_HINT: Readonly<Record<Channel, string>> = {
  email: 'Not what you needed? Reply with the word AGENT and a person will take over.',
  sms: 'Reply AGENT to reach a person.',
  chat: 'Type AGENT to talk to a person.',
  webform: 'Not what you needed? Reply with the word AGENT and a person will take over.',
};

/** What the e-level did with one tier request. */
export type ELevelOutcome =
  | { readonly kind: 'answered'; readonly conversation: Conversation }
  | { readonly kind: 'handed-off'; readonly conversation: Conversation; readonly reason: string }
  /** The conversation is no longer the e-level's (moved, held, resolved) or this message was handled. */
  | { readonly kind: 'skipped' };

export interface ELevelDeps {
  readonly db: Db;
  readonly senders: Senders;
  readonly knowledgeBase: () => Promise<KnowledgeBase>;
  /** Sends the concern to tier 1's queue once it moved there. */
  readonly handOff: (request: TierRequest) => Promise<void>;
  readonly definition: RoutingDefinition;
  readonly clock: Clock;
}

/** Works one message of a conversation waiting at the e-level. Idempotent per message. */
export async function runELevel(deps: ELevelDeps, request: TierRequest): Promise<ELevelOutcome> {
  const { db, definition, clock } = deps;
  const conversation = await getConversation(db, request.conversationId, true);
  if (conversation.eLevel?.interactionId === request.interactionId) {
    // Worked before. A hand-off whose queueing failed is queued again (tier 1's queue drops a copy).
    if (conversation.eLevel.outcome === 'handed-off' && waitsForAgent(conversation)) {
      await deps.handOff({ ...request, tier: conversation.tier, skill: conversation.skill ?? request.skill });
    }
    return { kind: 'skipped' };
  }
  if (!waitsOnELevel(conversation)) return { kind: 'skipped' };
  if (conversation.eLevel !== undefined) {
    return handOff(deps, request, { outcome: 'handed-off', reason: 'second-contact' });
  }
  const text = [request.content?.subject, request.content?.body].filter(Boolean).join('\n');
  const match = (await deps.knowledgeBase()).best(text);
  const found = match
    ? {
        articleId: match.article.articleId,
        title: match.article.title,
        score: round(match.score),
        coverage: round(match.coverage),
      }
    : {};
  if (
    match === undefined ||
    match.score < definition.eLevel.minScore ||
    match.coverage < definition.eLevel.minCoverage
  ) {
    return handOff(deps, request, { outcome: 'handed-off', reason: 'low-confidence', ...found });
  }
  let answer: Awaited<ReturnType<typeof sendReply>>;
  try {
    answer = await sendReply(
      db,
      deps.senders,
      {
        conversationId: conversation.conversationId,
        body: `${match.article.body}\n\n${PERSON_HINT[request.channel]}`,
        authorId: E_LEVEL_AUTHOR,
      },
      clock,
    );
  } catch (error) {
    // Opted out, undeliverable, or an address the conversation does not vouch for: a person decides.
    if (!(error instanceof NotDeliverableError)) throw error;
    return handOff(deps, request, { outcome: 'handed-off', reason: 'undeliverable', ...found });
  }
  const attempt: ELevelAttempt = {
    interactionId: request.interactionId,
    at: clock.now(),
    outcome: 'answered',
    ...found,
    answerInteractionId: answer.interactionId,
  };
  const resolved = await changeConversation(db, conversation.conversationId, (current) => {
    if (current.eLevel?.interactionId === request.interactionId) return undefined;
    // The customer wrote again meanwhile, or an agent or a deeper tier has it: record, resolve nothing.
    const newer = current.lastInboundAt !== undefined && current.lastInboundAt > request.occurredAt;
    if (newer || current.tier !== 'e' || current.assignee !== undefined || current.status === 'resolved') {
      return { ...current, eLevel: attempt, updatedAt: clock.now() };
    }
    const now = clock.now();
    return {
      ...current,
      eLevel: attempt,
      status: 'resolved',
      resolvedAt: now,
      resolutionCode: E_LEVEL_RESOLUTION,
      updatedAt: now,
    };
  });
  return { kind: 'answered', conversation: resolved };
}

/** Open, unassigned, at a human tier. */
function waitsForAgent(conversation: Conversation): boolean {
  return conversation.status === 'open' && conversation.tier !== 'e' && conversation.assignee === undefined;
}

/** Open, unassigned, at the e-level. */
function waitsOnELevel(conversation: Conversation): boolean {
  return conversation.status === 'open' && conversation.tier === 'e' && conversation.assignee === undefined;
}

/** Moves the concern to tier 1 with the attempt attached, then puts it in tier 1's queue. */
async function handOff(
  deps: ELevelDeps,
  request: TierRequest,
  attempt: Omit<ELevelAttempt, 'interactionId' | 'at'>,
): Promise<ELevelOutcome> {
  const { db, definition, clock } = deps;
  const now = clock.now();
  const recorded: ELevelAttempt = { interactionId: request.interactionId, at: now, ...attempt };
  const conversation = await changeConversation(db, request.conversationId, (current) => {
    if (!waitsOnELevel(current)) return undefined;
    return {
      ...moved(current, { tier: '1', reason: 'e-level-handoff' }, definition, now),
      eLevel: recorded,
    };
  });
  if (conversation.tier !== '1' || conversation.eLevel?.interactionId !== request.interactionId) {
    return { kind: 'skipped' };
  }
  await deps.handOff({ ...request, tier: '1', skill: conversation.skill ?? request.skill });
  return { kind: 'handed-off', conversation, reason: attempt.reason ?? 'low-confidence' };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
