import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock.js';
import { ConflictError, ContentionError, ForbiddenError, ValidationError } from '../errors.js';
import { highest } from '../routing/classifier.js';
import { PRIORITY_ORDER, type RoutingDefinition, TIER_ORDER } from '../routing/definition.js';
import { serviceLevelDueTimes } from '../routing/sla-policy.js';
import {
  type AgentTier,
  type Conversation,
  type Escalation,
  MAX_ESCALATIONS,
  type Note,
  NoteSchema,
  type Tier,
} from '../schemas/index.js';
import { getAgent } from '../store/agents.js';
import { getConversation } from '../store/conversations.js';
import type { Db } from '../store/db.js';
import { conversationKey, NOTE_PREFIX, noteKey } from '../store/keys.js';
import { TABLE_KEYS } from '../store/table-definition.js';
import { changeConversation, claimQueued, queueHeads } from './assignment.js';

/** Who is acting: the staff JWT subject, and whether they supervise (may act on anyone's conversation). */
export interface Actor {
  readonly agentId: string;
  readonly supervisor: boolean;
}

/** The agent has no free slot, or is away: a claim cannot give them more. */
export class AgentUnavailableError extends ConflictError {
  override name = 'AgentUnavailableError';
}

const CLAIM_ROUNDS = 4;

/**
 * `POST /v1/agents/me/next`: claims the next conversation the agent may work (their skills, their tier
 * and the shallower human tiers), most urgent first, then earliest due. Atomic: two agents never get the
 * same conversation and an agent never exceeds their capacity. Undefined when there is nothing to do;
 * AgentUnavailableError when the agent is away or full.
 */
export async function claimNext(db: Db, agentId: string, clock: Clock): Promise<Conversation | undefined> {
  const agent = await getAgent(db, agentId, true);
  if (agent.status !== 'available') throw new AgentUnavailableError('set your status to available first');
  if (agent.activeCount >= agent.capacity) {
    throw new AgentUnavailableError(`you hold ${agent.activeCount} conversations, your capacity`);
  }
  for (let round = 0; round < CLAIM_ROUNDS; round++) {
    const heads = await queueHeads(db, agent, 3);
    if (heads.length === 0) return undefined;
    for (const head of heads) {
      const attempt = await claimQueued(db, head, agentId, clock.now());
      if (attempt === 'claimed') return getConversation(db, head.conversationId, true);
      if (attempt === 'agent-unavailable') throw new AgentUnavailableError('you are away or at capacity');
    }
  }
  throw new ContentionError('other agents took every conversation in view; try again');
}

/** May `actor` change this conversation? Its assignee may, a supervisor may, anyone may an unassigned one. */
function assertMayWork(conversation: Conversation, actor: Actor): void {
  if (conversation.status === 'resolved') throw new ConflictError('the conversation is resolved');
  const assignee = conversation.assignee?.agentId;
  if (assignee !== undefined && assignee !== actor.agentId && !actor.supervisor) {
    throw new ForbiddenError('another agent holds this conversation');
  }
}

/**
 * `POST /v1/conversations/{id}/escalate {toTier, note}`: hands the concern to a deeper human tier, with
 * the note for the next agent. It leaves its agent and waits in the deeper tier's queue, with fresh due
 * times at that tier from now (the knowledge gathered travels in the notes and the timeline).
 */
export async function escalate(
  db: Db,
  conversationId: string,
  request: { readonly toTier: AgentTier; readonly note: string },
  actor: Actor,
  definition: RoutingDefinition,
  clock: Clock,
): Promise<Conversation> {
  const now = clock.now();
  const check = (current: Conversation) => {
    assertMayWork(current, actor);
    if (TIER_ORDER.indexOf(request.toTier) <= TIER_ORDER.indexOf(current.tier)) {
      throw new ValidationError('request failed validation', [
        { path: 'toTier', message: `must be deeper than the conversation's tier ${current.tier}` },
      ]);
    }
  };
  // A refused request writes nothing; an accepted one writes the note first, so what the agent learned
  // is on record even if the move then fails.
  check(await getConversation(db, conversationId, true));
  await addNote(db, conversationId, actor.agentId, request.note, clock);
  return changeConversation(db, conversationId, (current) => {
    check(current);
    return moved(current, { tier: request.toTier, reason: 'escalated', by: actor.agentId }, definition, now);
  });
}

/**
 * `POST /v1/conversations/{id}/transfer {skill, note}`: hands the concern to another skill at the same
 * tier; it leaves its agent and waits in that skill's queue.
 */
export async function transfer(
  db: Db,
  conversationId: string,
  request: { readonly skill: string; readonly note: string },
  actor: Actor,
  definition: RoutingDefinition,
  clock: Clock,
): Promise<Conversation> {
  if (!definition.skills.includes(request.skill)) {
    throw new ValidationError('request failed validation', [
      { path: 'skill', message: `must be one of ${definition.skills.join(', ')}` },
    ]);
  }
  const now = clock.now();
  assertMayWork(await getConversation(db, conversationId, true), actor);
  await addNote(db, conversationId, actor.agentId, request.note, clock);
  return changeConversation(db, conversationId, (current) => {
    assertMayWork(current, actor);
    return moved(
      current,
      { skill: request.skill, reason: 'transferred', by: actor.agentId },
      definition,
      now,
    );
  });
}

/**
 * `POST /v1/conversations/{id}/resolve {resolutionCode}`: the concern is done. Its agent gets the slot
 * back; the customer's next message within the reopen window reopens it, a later one opens a new one.
 */
export async function resolve(
  db: Db,
  conversationId: string,
  request: { readonly resolutionCode: string },
  actor: Actor,
  clock: Clock,
): Promise<Conversation> {
  const now = clock.now();
  return changeConversation(db, conversationId, (current) => {
    assertMayWork(current, actor);
    const { assignee: _released, ...rest } = current;
    return {
      ...rest,
      status: 'resolved',
      resolvedAt: now,
      resolutionCode: request.resolutionCode,
      updatedAt: now,
    };
  });
}

/**
 * A move of tier, skill or priority (by an agent or a missed service level): the conversation leaves its
 * agent, waits in the new queue, gets fresh due times from now at its new level, and the move is recorded.
 */
export function moved(
  current: Conversation,
  move: {
    readonly tier?: Tier;
    readonly skill?: string;
    readonly priority?: Conversation['priority'];
    readonly reason: Escalation['reason'];
    readonly by?: string;
  },
  definition: RoutingDefinition,
  now: string,
): Conversation {
  const tier = move.tier ?? current.tier;
  const priority = move.priority ? highest(current.priority, move.priority) : current.priority;
  const skill = move.skill ?? current.skill;
  const due = serviceLevelDueTimes(tier, priority, now, definition);
  const { assignee: _released, ...rest } = current;
  return {
    ...rest,
    status: current.status === 'pending' ? 'pending' : 'open',
    tier,
    priority,
    ...(skill ? { skill } : {}),
    slaPolicyVersion: definition.version,
    // A first response already given stays given; the clock that still runs restarts at the new level.
    firstResponseDueAt: current.firstRespondedAt ? current.firstResponseDueAt : due.firstResponseDueAt,
    resolutionDueAt: due.resolutionDueAt,
    escalations: [
      ...(current.escalations ?? []),
      {
        at: now,
        reason: move.reason,
        fromTier: current.tier,
        toTier: tier,
        fromPriority: current.priority,
        toPriority: priority,
        ...(skill ? { skill } : {}),
        ...(move.by ? { by: move.by } : {}),
      },
    ].slice(-MAX_ESCALATIONS),
    updatedAt: now,
  };
}

/** One priority step up (urgent stays urgent). */
export function raisedPriority(priority: Conversation['priority']): Conversation['priority'] {
  return PRIORITY_ORDER[PRIORITY_ORDER.indexOf(priority) + 1] ?? priority;
}

/** `POST /v1/conversations/{id}/notes {text}`: an internal note for staff, never sent to the customer. */
export async function addNote(
  db: Db,
  conversationId: string,
  authorId: string,
  text: string,
  clock: Clock,
): Promise<Note> {
  await getConversation(db, conversationId);
  const note = NoteSchema.parse({ noteId: clock.newId(), conversationId, authorId, text, at: clock.now() });
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        ...noteKey(conversationId, note.at, note.noteId),
        [TABLE_KEYS.entityAttribute]: 'note',
        ...note,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return note;
}

/** Access pattern "a conversation's notes": Query `pk = CONVERSATION#<id>`, `begins_with(sk, 'NOTE#')`, oldest first. */
export async function listNotes(db: Db, conversationId: string): Promise<Note[]> {
  const output = await db.doc.send(
    new QueryCommand({
      TableName: db.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :notes)',
      ExpressionAttributeValues: { ':pk': conversationKey(conversationId).pk, ':notes': NOTE_PREFIX },
      Limit: 200,
    }),
  );
  return (output.Items ?? []).map((item) =>
    NoteSchema.parse({
      noteId: item.noteId,
      conversationId: item.conversationId,
      authorId: item.authorId,
      text: item.text,
      at: item.at,
    }),
  );
}
