import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock.js';
import { ConflictError, ContentionError, NotFoundError } from '../errors.js';
import { openingAssignment } from '../routing/opening-assignment.js';
import { SLA_POLICY, serviceLevelDueTimes } from '../routing/sla-policy.js';
import type {
  Channel,
  Conversation,
  Customer,
  Identity,
  IdentityRef,
  InboundMessage,
  Interaction,
} from '../schemas/index.js';
import { getConversation } from '../store/conversations.js';
import { getCustomerVersion } from '../store/customers.js';
import type { Db } from '../store/db.js';
import { getIdentities } from '../store/identities.js';
import {
  conversationItem,
  customerItem,
  identityItem,
  interactionFromItem,
  interactionItem,
} from '../store/items.js';
import { customerKey, identityKey, inboundInteractionKey } from '../store/keys.js';
import { cancelledTransaction, conditionFailedItem } from '../store/write-errors.js';
import { identityString, uniqueIdentities } from './identity.js';
import { mergeCustomers } from './merge-customers.js';

/** What ingest did with one inbound message; handed to routing. */
export interface IngestResult {
  /** `duplicate`: the provider message id was seen before; the ids are those of the first delivery. */
  readonly outcome: 'recorded' | 'duplicate';
  readonly customerId: string;
  readonly conversationId: string;
  readonly interactionId: string;
  readonly channel: Channel;
  readonly occurredAt: string;
  readonly customerCreated: boolean;
  readonly conversationOpened: boolean;
  /** Customers merged into `customerId` because this message carried identities of both. */
  readonly mergedCustomerIds: readonly string[];
}

/** Channel knowledge ingest cannot derive from the message itself. */
export interface IngestOptions {
  /**
   * A conversation the message says it continues (an email reply naming one of our Message-IDs).
   * Honoured only when that conversation is not resolved and belongs to the customer the identities
   * resolve to; otherwise the usual threading applies. It never attaches an identity to a customer.
   */
  readonly conversationHint?: string | undefined;
}

const MAX_ATTEMPTS = 6;

/**
 * Records one inbound message of any channel on its customer's timeline.
 *
 * - Idempotent on (channel, providerMessageId): the interaction's key is built from them and written
 *   with a condition, so a retried or concurrent second delivery returns the first one's ids.
 * - Resolves identities to one customer: unknown identities create a customer (identity items are
 *   written with a condition, so two simultaneous first messages still make one customer); identities
 *   of two customers merge them (see docs/data-model.md, "Merging customers").
 * - Threads: continues the hinted conversation (`options.conversationHint`) when it is the customer's
 *   and not resolved, else the customer's open conversation, whatever its channel, or opens one.
 * - A `record-only` message (an auto-reply) never opens a conversation in a work queue: without an
 *   open conversation it is filed in a new one that is resolved at once and that nothing points at.
 *
 * The common case (known identities, open conversation) costs one read and one conditional put.
 * Structural changes (new customer, new identity, new conversation) are one transaction. A lost race
 * re-reads with strong consistency and tries again.
 */
export async function ingestInbound(
  db: Db,
  message: InboundMessage,
  clock: Clock,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const identities = uniqueIdentities(message.identities);
  const interactionId = clock.newId();
  const mergedCustomerIds: string[] = [];

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const owned = await getIdentities(db, identities, attempt > 0);
    const ownerIds = [...new Set(owned.map((identity) => identity.customerId))];

    if (ownerIds.length > 1) {
      mergedCustomerIds.push(...(await mergeCustomers(db, ownerIds, clock)));
      continue;
    }

    const context: AttemptContext = {
      db,
      message,
      identities,
      interactionId,
      clock,
      mergedCustomerIds,
      conversationHint: options.conversationHint,
      consistent: attempt > 0,
    };
    const [ownerId] = ownerIds;
    const result =
      ownerId === undefined
        ? await recordForNewCustomer(context)
        : await recordForKnownCustomer(context, ownerId, owned);
    if (result) return result;
  }
  throw new ContentionError('identity or conversation kept changing while recording the message');
}

interface AttemptContext {
  readonly db: Db;
  readonly message: InboundMessage;
  readonly identities: readonly IdentityRef[];
  readonly interactionId: string;
  readonly clock: Clock;
  readonly mergedCustomerIds: readonly string[];
  readonly conversationHint: string | undefined;
  /** A retry after a lost race reads with strong consistency. */
  readonly consistent: boolean;
}

/** One attempt's outcome; `undefined` means a race was lost and the caller should re-read. */
type AttemptResult = IngestResult | undefined;

async function recordForNewCustomer(context: AttemptContext): Promise<AttemptResult> {
  const { db, message, identities, clock } = context;
  const now = clock.now();
  const customerId = clock.newId();
  const conversation = openConversation(context, customerId, now);
  const pointTo = openPointer(conversation);
  const customer: Customer = {
    customerId,
    ...(message.name ? { name: message.name } : {}),
    identities: [...identities],
    consent: {},
    ...(pointTo ? { openConversationId: pointTo } : {}),
    mergedFrom: [],
    lastInteractionAt: message.receivedAt,
    createdAt: now,
    updatedAt: now,
  };
  const interaction = buildInteraction(context, customerId, conversation.conversationId, now);
  const identityPuts = identities.map((identity) => newIdentityPut(db, identity, customerId, pointTo, now));
  return writeTransaction(context, interaction, [
    {
      Put: {
        TableName: db.tableName,
        Item: customerItem(customer, 1),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    { Put: { TableName: db.tableName, Item: conversationItem(conversation) } },
    ...identityPuts,
  ]).then((result) => result && { ...result, customerCreated: true, conversationOpened: true });
}

async function recordForKnownCustomer(
  context: AttemptContext,
  customerId: string,
  owned: readonly Identity[],
): Promise<AttemptResult> {
  const { db, identities, clock } = context;
  const ownedKeys = new Set(owned.map(identityString));
  const unknown = identities.filter((identity) => !ownedKeys.has(identityString(identity)));
  const pointer = owned[0]?.conversationId;
  const pointersAgree = owned.every((identity) => identity.conversationId === pointer);
  const hinted = await hintedConversation(context, customerId, pointer);

  if (unknown.length === 0 && hinted !== undefined) {
    return putInteraction(context, buildInteraction(context, customerId, hinted, clock.now()));
  }
  if (unknown.length === 0 && pointer !== undefined && pointersAgree) {
    return putInteraction(context, buildInteraction(context, customerId, pointer, clock.now()));
  }

  // Structural change: read the profile (its version guards the change) and write it all at once.
  const found = await getCustomerVersion(db, customerId, true);
  if (!found || found.customer.mergedInto) return undefined;
  const { customer, version } = found;
  const now = clock.now();
  let opened: Conversation | undefined;
  let conversationId = hinted ?? customer.openConversationId;
  if (conversationId === undefined) {
    opened = openConversation(context, customerId, now);
    conversationId = opened.conversationId;
  }
  const interaction = buildInteraction(context, customerId, conversationId, now);
  // What the profile and identities point at: the open conversation, never a hinted or resolved one.
  const pointTo = opened ? openPointer(opened) : customer.openConversationId;

  // Every identity must point at the open conversation: all of them when it is new, else the stale ones.
  const toRepoint =
    pointTo === undefined
      ? []
      : opened
        ? customer.identities.filter(
            (identity) => !unknown.some((u) => identityString(u) === identityString(identity)),
          )
        : owned.filter((identity) => identity.conversationId !== pointTo);
  const names: Record<string, string> = { '#version': 'version', '#updatedAt': 'updatedAt' };
  const values: Record<string, unknown> = { ':version': version, ':next': version + 1, ':now': now };
  const sets = ['#version = :next', '#updatedAt = :now'];
  if (unknown.length > 0) {
    names['#identities'] = 'identities';
    values[':unknown'] = unknown;
    sets.push('#identities = list_append(#identities, :unknown)');
  }
  if (opened && pointTo) {
    names['#open'] = 'openConversationId';
    values[':open'] = pointTo;
    sets.push('#open = :open');
  }
  return writeTransaction(context, interaction, [
    {
      Update: {
        TableName: db.tableName,
        Key: customerKey(customerId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: '#version = :version AND attribute_not_exists(mergedInto)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
    ...(opened ? [{ Put: { TableName: db.tableName, Item: conversationItem(opened) } }] : []),
    ...unknown.map((identity) => newIdentityPut(db, identity, customerId, pointTo, now)),
    ...toRepoint.map((identity) => ({
      Update: {
        TableName: db.tableName,
        Key: identityKey(identity),
        UpdateExpression: 'SET conversationId = :conversation',
        ConditionExpression: 'customerId = :customer',
        ExpressionAttributeValues: { ':conversation': pointTo, ':customer': customerId },
      },
    })),
  ]).then((result) => result && { ...result, conversationOpened: opened !== undefined });
}

/**
 * The hinted conversation if it may take the message: it exists, is not resolved and belongs to this
 * customer. A hint equal to the open pointer changes nothing and costs no read.
 */
async function hintedConversation(
  context: AttemptContext,
  customerId: string,
  pointer: string | undefined,
): Promise<string | undefined> {
  const hint = context.conversationHint;
  if (hint === undefined || hint === pointer) return undefined;
  try {
    const conversation = await getConversation(context.db, hint, context.consistent);
    return conversation.customerId === customerId && conversation.status !== 'resolved' ? hint : undefined;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** The conversation the profile and identities point at once `conversation` is written, if any. */
function openPointer(conversation: Conversation): string | undefined {
  return conversation.status === 'resolved' ? undefined : conversation.conversationId;
}

/** The common case: one conditional put, which is also the idempotency check. */
async function putInteraction(context: AttemptContext, interaction: Interaction): Promise<AttemptResult> {
  try {
    await context.db.doc.send(
      new PutCommand({
        TableName: context.db.tableName,
        Item: interactionItem(interaction),
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (error) {
    const old = conditionFailedItem(error);
    if (old === null) throw error;
    return duplicateOf(context, old);
  }
  return recorded(context, interaction);
}

type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;

/** Writes the interaction (always item 0) with the structural items; all or nothing. */
async function writeTransaction(
  context: AttemptContext,
  interaction: Interaction,
  items: TransactItems,
): Promise<AttemptResult> {
  try {
    await context.db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: context.db.tableName,
              Item: interactionItem(interaction),
              ConditionExpression: 'attribute_not_exists(pk)',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          ...items,
        ],
      }),
    );
  } catch (error) {
    const cancelled = cancelledTransaction(error);
    if (cancelled === null) throw error;
    const interactionFailure = cancelled.failed.find((failure) => failure.index === 0);
    if (interactionFailure) return duplicateOf(context, interactionFailure.item);
    return undefined;
  }
  return recorded(context, interaction);
}

/**
 * The first delivery's result. A provider message id reused by a different sender is not a retry:
 * it is refused rather than answered with another customer's ids.
 */
async function duplicateOf(
  context: AttemptContext,
  oldItem: Record<string, unknown> | undefined,
): Promise<IngestResult> {
  const item = oldItem ?? (await readInteraction(context));
  const first = interactionFromItem(item);
  const sameSender = first.identities.some((stored) =>
    context.identities.some((identity) => identityString(identity) === identityString(stored)),
  );
  if (!sameSender) throw new ConflictError('this message id was already used by another sender');
  return {
    outcome: 'duplicate',
    customerId: first.customerId,
    conversationId: first.conversationId,
    interactionId: first.interactionId,
    channel: first.channel,
    occurredAt: first.occurredAt,
    customerCreated: false,
    conversationOpened: false,
    mergedCustomerIds: context.mergedCustomerIds,
  };
}

async function readInteraction(context: AttemptContext): Promise<Record<string, unknown>> {
  const { db, message } = context;
  const output = await db.doc.send(
    new GetCommand({
      TableName: db.tableName,
      Key: inboundInteractionKey(message.channel, message.providerMessageId),
      ConsistentRead: true,
    }),
  );
  if (!output.Item) throw new ContentionError('the first delivery of this message could not be read back');
  return output.Item;
}

function recorded(context: AttemptContext, interaction: Interaction): IngestResult {
  return {
    outcome: 'recorded',
    customerId: interaction.customerId,
    conversationId: interaction.conversationId,
    interactionId: interaction.interactionId,
    channel: interaction.channel,
    occurredAt: interaction.occurredAt,
    customerCreated: false,
    conversationOpened: false,
    mergedCustomerIds: context.mergedCustomerIds,
  };
}

function buildInteraction(
  context: AttemptContext,
  customerId: string,
  conversationId: string,
  now: string,
): Interaction {
  const { message, identities, interactionId } = context;
  return {
    interactionId,
    customerId,
    conversationId,
    direction: 'inbound',
    channel: message.channel,
    identities: [...identities],
    ...(message.subject ? { subject: message.subject } : {}),
    body: message.body,
    attachments: message.attachments,
    providerMessageId: message.providerMessageId,
    providerRefs: message.providerRefs,
    occurredAt: message.receivedAt,
    recordedAt: now,
    ...(message.routing === 'record-only' ? { routing: message.routing } : {}),
  };
}

function openConversation(context: AttemptContext, customerId: string, now: string): Conversation {
  const { message, clock } = context;
  const { tier, priority } = openingAssignment(message);
  // A record-only message must not put work in a queue: its conversation is resolved from the start.
  const recordOnly = message.routing === 'record-only';
  return {
    conversationId: clock.newId(),
    customerId,
    status: recordOnly ? 'resolved' : 'open',
    ...(recordOnly ? { resolvedAt: message.receivedAt } : {}),
    channel: message.channel,
    tier,
    priority,
    ...(message.subject ? { subject: message.subject } : {}),
    openedAt: message.receivedAt,
    slaPolicyVersion: SLA_POLICY.version,
    ...serviceLevelDueTimes(tier, priority, message.receivedAt),
    lastInboundAt: message.receivedAt,
    updatedAt: now,
  };
}

/**
 * Writes an identity that nobody owns yet. The condition is what makes identities unique: of two
 * simultaneous first messages from one address, one transaction is cancelled here.
 */
function newIdentityPut(
  db: Db,
  identity: IdentityRef,
  customerId: string,
  conversationId: string | undefined,
  now: string,
) {
  return {
    Put: {
      TableName: db.tableName,
      Item: identityItem({
        ...identity,
        customerId,
        ...(conversationId ? { conversationId } : {}),
        createdAt: now,
      }),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
