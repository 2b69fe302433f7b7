import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../errors.js';
import { type Agent, AgentSchema, type AgentStatus, type AgentTier } from '../schemas/index.js';
import type { Db } from './db.js';
import { AGENTS_PARTITION, agentIndexKeys, agentKey, type Entity } from './keys.js';
import { queryPages } from './query-pages.js';
import { TABLE_KEYS } from './table-definition.js';
import { conditionFailedItem } from './write-errors.js';

function agentFromItem(item: Record<string, unknown>): Agent {
  return AgentSchema.parse({
    agentId: item.agentId,
    name: item.name,
    tier: item.tier,
    skills: item.skills,
    capacity: item.capacity,
    status: item.status,
    activeCount: item.activeCount,
    updatedAt: item.updatedAt,
  });
}

/** Access pattern "agent by id": GetItem `AGENT#<id>` / `PROFILE`; NotFoundError when there is none. */
export async function getAgent(db: Db, agentId: string, consistent = false): Promise<Agent> {
  const output = await db.doc.send(
    new GetCommand({ TableName: db.tableName, Key: agentKey(agentId), ConsistentRead: consistent }),
  );
  if (!output.Item) throw new NotFoundError('no agent profile for this user');
  return agentFromItem(output.Item);
}

/**
 * Creates or updates an agent's profile (tier, skills, capacity, name). A new agent starts `away` with
 * nothing assigned; an existing one keeps their status and the conversations they hold.
 */
export async function putAgentProfile(
  db: Db,
  profile: {
    agentId: string;
    name?: string | undefined;
    tier: AgentTier;
    skills: readonly string[];
    capacity: number;
  },
  now: string,
): Promise<Agent> {
  const output = await db.doc.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: agentKey(profile.agentId),
      UpdateExpression:
        'SET #entity = :entity, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk, agentId = :agentId, tier = :tier, skills = :skills, ' +
        '#capacity = :capacity, updatedAt = :now, #status = if_not_exists(#status, :away), ' +
        'activeCount = if_not_exists(activeCount, :zero)' +
        (profile.name ? ', #name = :name' : ''),
      ExpressionAttributeNames: {
        '#entity': TABLE_KEYS.entityAttribute,
        '#status': 'status',
        '#capacity': 'capacity',
        ...(profile.name ? { '#name': 'name' } : {}),
      },
      ExpressionAttributeValues: {
        ':entity': 'agent' satisfies Entity,
        ...prefixed(agentIndexKeys(profile.agentId)),
        ':agentId': profile.agentId,
        ':tier': profile.tier,
        ':skills': [...profile.skills],
        ':capacity': profile.capacity,
        ':now': now,
        ':away': 'away',
        ':zero': 0,
        ...(profile.name ? { ':name': profile.name } : {}),
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return agentFromItem(output.Attributes ?? {});
}

/** Sets an agent's status; NotFoundError when they have no profile. */
export async function setAgentStatus(
  db: Db,
  agentId: string,
  status: AgentStatus,
  now: string,
): Promise<Agent> {
  try {
    const output = await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: agentKey(agentId),
        UpdateExpression: 'SET #status = :status, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ':now': now },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return agentFromItem(output.Attributes ?? {});
  } catch (error) {
    if (conditionFailedItem(error) === null) throw error;
    throw new NotFoundError('no agent profile for this user');
  }
}

/** Access pattern "every agent": Query gsi1 `gsi1pk = AGENTS` (at most ten 1 MB pages). */
export async function listAgents(db: Db): Promise<Agent[]> {
  const items = await queryPages(
    db,
    {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :agents',
      ExpressionAttributeValues: { ':agents': AGENTS_PARTITION },
    },
    10,
  );
  return items.map(agentFromItem);
}

function prefixed(keys: { gsi1pk: string; gsi1sk: string }) {
  return { ':gsi1pk': keys.gsi1pk, ':gsi1sk': keys.gsi1sk };
}
