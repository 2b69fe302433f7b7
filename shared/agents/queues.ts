import { decodeTime } from 'ulid';
import type { Clock } from '../clock.js';
import type { RoutingDefinition } from '../routing/definition.js';
import type { Tier } from '../schemas/index.js';
import { listAgents } from '../store/agents.js';
import type { Db } from '../store/db.js';
import { claimQueuePartition, conversationIdOfQueueKey } from '../store/keys.js';
import { queryPages } from '../store/query-pages.js';
import { workableTiers } from './assignment.js';

/** One work queue as a supervisor sees it. */
export interface QueueSummary {
  readonly tier: Tier;
  readonly skill: string;
  /** Open conversations nobody holds. */
  readonly waiting: number;
  /** Seconds the longest-waiting of them has existed; absent when none waits. */
  readonly oldestWaitSeconds?: number;
  /** Waiting ones whose current due time has passed, or passes within `atRiskMinutes`. */
  readonly slaAtRisk: number;
  /** Agents who may take from it now: available, with a free slot, of that tier or deeper, with the skill. */
  readonly agentsAvailable: number;
}

const AT_RISK_MINUTES = 60;
const MAX_PAGES = 10;

/**
 * `GET /v1/queues`: per tier and skill of the definition, the waiting count, the oldest wait, the number
 * at risk of missing their service level and the agents available. Reads each queue's keys (gsi2 is
 * keys-only, at most ten 1 MB pages per queue) and the agent list.
 */
export async function queueOverview(
  db: Db,
  definition: RoutingDefinition,
  clock: Clock,
): Promise<QueueSummary[]> {
  const now = Date.parse(clock.now());
  const riskBy = new Date(now + AT_RISK_MINUTES * 60_000).toISOString();
  const agents = await listAgents(db);
  const tiers: Tier[] = ['e', '1', '2', '3'];
  const queues = tiers.flatMap((tier) => definition.skills.map((skill) => ({ tier, skill })));
  return Promise.all(
    queues.map(async ({ tier, skill }) => {
      const keys = await queueKeys(db, claimQueuePartition(tier, skill));
      const created = keys.map((key) => decodeTime(conversationIdOfQueueKey(key)));
      const oldest = created.length > 0 ? Math.min(...created) : undefined;
      const slaAtRisk = keys.filter((key) => (key.split('#')[1] ?? '') <= riskBy).length;
      const agentsAvailable = agents.filter(
        (agent) =>
          agent.status === 'available' &&
          agent.activeCount < agent.capacity &&
          agent.skills.includes(skill) &&
          workableTiers(agent.tier).includes(tier),
      ).length;
      return {
        tier,
        skill,
        waiting: keys.length,
        ...(oldest !== undefined
          ? { oldestWaitSeconds: Math.max(0, Math.round((now - oldest) / 1000)) }
          : {}),
        slaAtRisk,
        agentsAvailable,
      };
    }),
  );
}

async function queueKeys(db: Db, partition: string): Promise<string[]> {
  const items = await queryPages(
    db,
    {
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :queue',
      ExpressionAttributeValues: { ':queue': partition },
    },
    MAX_PAGES,
  );
  return items.map((item) => String(item.gsi2sk));
}
