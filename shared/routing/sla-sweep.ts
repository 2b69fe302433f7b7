import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { changeConversation } from '../agents/assignment.js';
import { moved, raisedPriority } from '../agents/workflow.js';
import type { Clock } from '../clock.js';
import type { Conversation, Escalation, Tier } from '../schemas/index.js';
import type { Db } from '../store/db.js';
import { currentDueAt } from '../store/items.js';
import {
  claimQueueDueRange,
  claimQueuePartition,
  conversationIdOfQueueKey,
  heldPartition,
} from '../store/keys.js';
import { PRIORITY_ORDER, type RoutingDefinition, TIER_ORDER } from './definition.js';

/** One missed service level, as the sweep handled it. */
export interface Breach {
  readonly conversationId: string;
  readonly kind: 'first-response-breach' | 'resolution-breach';
  readonly fromTier: Tier;
  readonly toTier: Tier;
  readonly fromPriority: Conversation['priority'];
  readonly toPriority: Conversation['priority'];
  readonly dueAt: string;
}

/** Conversations looked at per sweep at most; the next sweep takes the rest. */
const MAX_PER_SWEEP = 500;

/**
 * Finds every conversation whose current due time (first response until there is one, then resolution)
 * has passed, and escalates it: one tier deeper, or, at tier 3, one priority higher. The move is recorded
 * on the conversation (`escalations`, reason `first-response-breach` or `resolution-breach`), releases its
 * agent and gives it fresh due times from now at its new level, so one breach escalates once.
 *
 * Reads only what is due: gsi2 keeps every conversation that is not resolved under its due time
 * (`HELD#<tier>` by due time, `QUEUE#<tier>#<skill>` by priority then due time), so a sweep is one Query
 * per held tier and per queue and priority, whatever the number of conversations (docs/routing.md says
 * why a sweep each minute, rather than a timer per conversation).
 */
export async function sweepBreaches(db: Db, definition: RoutingDefinition, clock: Clock): Promise<Breach[]> {
  const now = clock.now();
  const due = await dueConversationIds(db, definition, now);
  const breaches: Breach[] = [];
  for (const conversationId of due.slice(0, MAX_PER_SWEEP)) {
    const breach = await escalateBreach(db, conversationId, definition, clock);
    if (breach) breaches.push(breach);
  }
  return breaches;
}

async function dueConversationIds(db: Db, definition: RoutingDefinition, now: string): Promise<string[]> {
  const tiers = TIER_ORDER;
  const queries = [
    ...tiers.map((tier) => ({ partition: heldPartition(tier), from: '0', to: `${now}#~` })),
    ...tiers.flatMap((tier) =>
      definition.skills.flatMap((skill) =>
        PRIORITY_ORDER.map((priority) => ({
          partition: claimQueuePartition(tier, skill),
          ...claimQueueDueRange(priority, now),
        })),
      ),
    ),
  ];
  const pages = await Promise.all(
    queries.map(({ partition, from, to }) =>
      db.doc.send(
        new QueryCommand({
          TableName: db.tableName,
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :partition AND gsi2sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':partition': partition, ':from': from, ':to': to },
          Limit: MAX_PER_SWEEP,
        }),
      ),
    ),
  );
  const ids = pages
    .flatMap((page) => page.Items ?? [])
    .map((item) => conversationIdOfQueueKey(String(item.gsi2sk)));
  return [...new Set(ids)];
}

/** Escalates one conversation whose due time has passed; undefined when it no longer has (a race). */
async function escalateBreach(
  db: Db,
  conversationId: string,
  definition: RoutingDefinition,
  clock: Clock,
): Promise<Breach | undefined> {
  const now = clock.now();
  let breach: Breach | undefined;
  await changeConversation(db, conversationId, (current) => {
    breach = undefined;
    const dueAt = currentDueAt(current);
    if (current.status === 'resolved' || dueAt > now) return undefined;
    const kind: Escalation['reason'] = current.firstRespondedAt
      ? 'resolution-breach'
      : 'first-response-breach';
    const deeper = TIER_ORDER[TIER_ORDER.indexOf(current.tier) + 1];
    const next = moved(
      current,
      deeper ? { tier: deeper, reason: kind } : { priority: raisedPriority(current.priority), reason: kind },
      definition,
      now,
    );
    breach = {
      conversationId,
      kind,
      fromTier: current.tier,
      toTier: next.tier,
      fromPriority: current.priority,
      toPriority: next.priority,
      dueAt,
    };
    return next;
  });
  return breach;
}
