import type * as z from 'zod/mini';
import {
  type Conversation,
  ConversationSchema,
  type Customer,
  CustomerSchema,
  type Identity,
  IdentitySchema,
  type Interaction,
  InteractionSchema,
} from '../schemas/index.js';
import {
  activityIndexKeys,
  conversationKey,
  customerConversationIndexKeys,
  customerKey,
  type Entity,
  identityKey,
  inboundInteractionKey,
  outboundInteractionKey,
  timelineIndexKeys,
  workQueueIndexKeys,
} from './keys.js';
import { TABLE_KEYS } from './table-definition.js';

/** Attributes that exist for the table's sake (keys, index keys, bookkeeping), not the entity's. */
export const STORAGE_ATTRIBUTES: ReadonlySet<string> = new Set<string>([
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'gsi3pk',
  'gsi3sk',
  TABLE_KEYS.entityAttribute,
  TABLE_KEYS.ttlAttribute,
  'version',
]);

export type Item = Record<string, unknown>;

function entityOf<S extends z.ZodMiniType>(schema: S, item: Item): z.infer<S> {
  const attributes = Object.fromEntries(
    Object.entries(item).filter(([name]) => !STORAGE_ATTRIBUTES.has(name)),
  );
  return schema.parse(attributes);
}

/** Customer profile item; `version` guards read-modify-write of identities, merges and the open pointer. */
export function customerItem(customer: Customer, version: number): Item {
  return {
    ...customerKey(customer.customerId),
    [TABLE_KEYS.entityAttribute]: 'customer' satisfies Entity,
    ...(customer.lastInteractionAt ? activityIndexKeys(customer.customerId, customer.lastInteractionAt) : {}),
    ...customer,
    version,
  };
}

export function customerFromItem(item: Item): { customer: Customer; version: number } {
  const version = typeof item.version === 'number' ? item.version : 0;
  return { customer: entityOf(CustomerSchema, item), version };
}

export function identityItem(identity: Identity): Item {
  return { ...identityKey(identity), [TABLE_KEYS.entityAttribute]: 'identity' satisfies Entity, ...identity };
}

export function identityFromItem(item: Item): Identity {
  return entityOf(IdentitySchema, item);
}

/** The due time that matters now: first response until there is one, then resolution. */
export function currentDueAt(conversation: Conversation): string {
  return conversation.firstRespondedAt ? conversation.resolutionDueAt : conversation.firstResponseDueAt;
}

/**
 * Conversation item; every conversation not resolved sits in a work queue of gsi2 (see
 * workQueueIndexKeys), and every one among its customer's conversations on gsi3 (keys only).
 */
export function conversationItem(conversation: Conversation): Item {
  const queue = workQueueIndexKeys({ ...conversation, dueAt: currentDueAt(conversation) }) ?? {};
  return {
    ...conversationKey(conversation.conversationId),
    [TABLE_KEYS.entityAttribute]: 'conversation' satisfies Entity,
    ...queue,
    ...customerConversationIndexKeys(
      conversation.customerId,
      conversation.openedAt,
      conversation.conversationId,
    ),
    ...conversation,
  };
}

export function conversationFromItem(item: Item): Conversation {
  return entityOf(ConversationSchema, item);
}

/** Interaction item: keyed for idempotency, indexed on the customer's timeline (gsi1). */
export function interactionItem(interaction: Interaction): Item {
  const key =
    interaction.direction === 'inbound'
      ? inboundInteractionKey(interaction.channel, interaction.providerMessageId)
      : outboundInteractionKey(interaction.interactionId);
  return {
    ...key,
    [TABLE_KEYS.entityAttribute]: 'interaction' satisfies Entity,
    ...timelineIndexKeys(interaction.customerId, interaction.occurredAt, interaction.interactionId),
    ...interaction,
  };
}

export function interactionFromItem(item: Item): Interaction {
  return entityOf(InteractionSchema, item);
}
