import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock.js';
import { refuseErasedSender } from '../data-rights/tombstones.js';
import { ContentionError, IdempotencyKeyReusedError, NotFoundError } from '../errors.js';
import { type RoutingContent, routingContent } from '../routing/content.js';
import { ROUTING_DEFINITION } from '../routing/definition.js';
import { openingAssignment } from '../routing/opening-assignment.js';
import { SLA_POLICY, serviceLevelDueTimes } from '../routing/sla-policy.js';
import {
  type Channel,
  type Conversation,
  type Customer,
  type Identity,
  type InboundMessage,
  type Interaction,
  identityString,
  type TrustedIdentity,
} from '../schemas/index.js';
import { getConversation } from '../store/conversations.js';
import { getCustomerVersion, getCustomerVersions } from '../store/customers.js';
import type { Db } from '../store/db.js';
import { getIdentities } from '../store/identities.js';
import { profileIdentitiesWrite, proveClaimWrite } from '../store/identity-writes.js';
import {
  conversationItem,
  customerItem,
  identityItem,
  interactionFromItem,
  interactionItem,
} from '../store/items.js';
import { customerKey, identityKey, inboundInteractionKey } from '../store/keys.js';
import { type TransactItems, transactWrite } from '../store/transact-write.js';
import { cancelledTransaction, conditionFailedItem } from '../store/write-errors.js';
import { uniqueTrustedIdentities } from './identity.js';
import { mergeCustomers } from './merge-customers.js';
import { type Resolution, resolveIdentities } from './resolve-identities.js';

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
  /** What routing classifies the message by (shared/routing/classifier.ts). */
  readonly content: RoutingContent;
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
 * - A message of an identity that was erased after it was received (it waited in flight) is refused with
 *   SenderErasedError and nothing is recorded (shared/data-rights/tombstones.ts).
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
  const identities = uniqueTrustedIdentities(message.identities);
  const interactionId = clock.newId();
  const mergedCustomerIds: string[] = [];

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const stored = await getIdentities(db, identities, attempt > 0);
    // A message of an erased identity received before the erasure is dropped (docs/data-rights.md).
    await refuseErasedSender(db, identities, stored, message.receivedAt);
    const resolution = resolveIdentities(identities, stored);

    if (resolution.kind === 'merge') {
      mergedCustomerIds.push(...(await mergeCustomers(db, resolution.customerIds, clock)));
      continue;
    }

    const context: AttemptContext = {
      db,
      message,
      identities,
      resolution,
      interactionId,
      clock,
      mergedCustomerIds,
      conversationHint: options.conversationHint,
      consistent: attempt > 0,
    };
    const ownerId = resolution.customerId;
    const result =
      ownerId === undefined
        ? await recordForNewCustomer(context)
        : await recordForKnownCustomer(
            context,
            ownerId,
            stored.filter((identity) => identity.customerId === ownerId),
          );
    if (result) return result;
  }
  throw new ContentionError('identity or conversation kept changing while recording the message');
}

interface AttemptContext {
  readonly db: Db;
  readonly message: InboundMessage;
  readonly identities: readonly TrustedIdentity[];
  readonly resolution: Extract<Resolution, { kind: 'record' }>;
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
  const { db, message, resolution, clock } = context;
  const now = clock.now();
  const customerId = clock.newId();
  const conversation = openConversation(context, customerId, now);
  const pointTo = openPointer(conversation);
  const customer: Customer = {
    customerId,
    ...(message.name ? { name: message.name } : {}),
    identities: [...resolution.add, ...resolution.takeOver.map(asVerified)],
    consent: {},
    ...(pointTo ? { openConversationId: pointTo } : {}),
    mergedFrom: [],
    lastInteractionAt: message.receivedAt,
    createdAt: now,
    updatedAt: now,
  };
  const interaction = buildInteraction(context, customerId, conversation.conversationId, now);
  const identityWrites = await identityOwnershipWrites(context, customerId, pointTo, now);
  if (identityWrites === undefined) return undefined;
  return writeTransaction(context, interaction, [
    {
      Put: {
        TableName: db.tableName,
        Item: customerItem(customer, 1),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    { Put: { TableName: db.tableName, Item: conversationItem(conversation) } },
    ...identityWrites,
  ]).then((result) => result && { ...result, customerCreated: true, conversationOpened: true });
}

async function recordForKnownCustomer(
  context: AttemptContext,
  customerId: string,
  owned: readonly Identity[],
): Promise<AttemptResult> {
  const { db, resolution, clock } = context;
  const touched = new Set(
    [...resolution.add, ...resolution.takeOver, ...resolution.upgrade].map(identityString),
  );
  const pointer = owned[0]?.conversationId;
  const pointersAgree = owned.every((identity) => identity.conversationId === pointer);
  const hinted = await hintedConversation(context, customerId, pointer);

  if (touched.size === 0 && hinted !== undefined) {
    return putInteraction(context, buildInteraction(context, customerId, hinted, clock.now()));
  }
  if (touched.size === 0 && pointer !== undefined && pointersAgree) {
    return putInteraction(context, buildInteraction(context, customerId, pointer, clock.now()));
  }

  // Structural change: read the profile (its version guards the change) and write it all at once.
  const found = await getCustomerVersion(db, customerId, true);
  if (!found || found.customer.mergedInto) return undefined;
  const { customer, version } = found;
  const now = clock.now();
  let opened: Conversation | undefined;
  let conversationId = hinted ?? customer.openConversationId;
  // A message soon after the last resolution goes back to that conversation (routing reopens it).
  const reopened =
    conversationId === undefined && context.message.routing !== 'record-only'
      ? reopenable(customer, context.message.receivedAt)
      : undefined;
  conversationId ??= reopened;
  if (conversationId === undefined) {
    opened = openConversation(context, customerId, now);
    conversationId = opened.conversationId;
  }
  const interaction = buildInteraction(context, customerId, conversationId, now);
  // What the profile and identities point at: the open conversation, never a hinted or resolved one.
  const pointTo = opened ? openPointer(opened) : (reopened ?? customer.openConversationId);

  // Every identity must point at the open conversation: all of them when it is new (or reopened), else
  // the stale ones. Identities this message writes anyway are pointed by that write.
  const toRepoint = (
    pointTo === undefined
      ? []
      : opened || reopened
        ? customer.identities
        : owned.filter((identity) => identity.conversationId !== pointTo)
  ).filter((identity) => !touched.has(identityString(identity)));
  const names: Record<string, string> = { '#version': 'version', '#updatedAt': 'updatedAt' };
  const values: Record<string, unknown> = { ':version': version, ':next': version + 1, ':now': now };
  const sets = ['#version = :next', '#updatedAt = :now'];
  if (touched.size > 0) {
    names['#identities'] = 'identities';
    values[':identities'] = profileIdentitiesAfter(customer.identities, resolution);
    sets.push('#identities = :identities');
  }
  if ((opened || reopened) && pointTo) {
    names['#open'] = 'openConversationId';
    values[':open'] = pointTo;
    sets.push('#open = :open');
  }
  const removes = reopened ? ' REMOVE lastResolved' : '';
  const identityWrites = await identityOwnershipWrites(context, customerId, pointTo, now);
  if (identityWrites === undefined) return undefined;
  return writeTransaction(context, interaction, [
    {
      Update: {
        TableName: db.tableName,
        Key: customerKey(customerId),
        UpdateExpression: `SET ${sets.join(', ')}${removes}`,
        ConditionExpression: '#version = :version AND attribute_not_exists(mergedInto)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
    ...(opened ? [{ Put: { TableName: db.tableName, Item: conversationItem(opened) } }] : []),
    ...identityWrites,
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

/** The profile's identities once this message's additions, take-overs and upgrades are applied. */
function profileIdentitiesAfter(
  current: readonly TrustedIdentity[],
  resolution: AttemptContext['resolution'],
): TrustedIdentity[] {
  const upgraded = new Set(resolution.upgrade.map(identityString));
  return [
    ...current.map((identity) =>
      upgraded.has(identityString(identity)) ? { ...identity, trust: 'verified' as const } : identity,
    ),
    ...resolution.add,
    ...resolution.takeOver.map(asVerified),
  ];
}

function asVerified(identity: Identity): TrustedIdentity {
  return { kind: identity.kind, value: identity.value, trust: 'verified' };
}

/**
 * The writes that give `customerId` the identities this message adds, takes over or proves: new items
 * (unique by condition), claimed items of others re-pointed (guarded by their owner and trust, with that
 * owner's profile losing the identity in the same transaction) and claimed items of its own upgraded.
 * Undefined when a previous owner's profile changed under us (re-read and retry).
 */
async function identityOwnershipWrites(
  context: AttemptContext,
  customerId: string,
  pointTo: string | undefined,
  now: string,
): Promise<TransactItems | undefined> {
  const { db, resolution } = context;
  const writes: TransactItems = resolution.add.map((identity) =>
    newIdentityPut(db, identity, customerId, pointTo, resolution.claimSetSize, now),
  );
  for (const item of [...resolution.takeOver, ...resolution.upgrade]) {
    writes.push(proveClaimWrite(db, item, item.customerId, customerId, pointTo));
  }
  if (resolution.takeOver.length === 0) return writes;

  const previousOwners = await getCustomerVersions(db, [
    ...new Set(resolution.takeOver.map((item) => item.customerId)),
  ]);
  for (const { customer, version } of previousOwners.values()) {
    const lost = new Set(
      resolution.takeOver.filter((item) => item.customerId === customer.customerId).map(identityString),
    );
    writes.push(
      profileIdentitiesWrite(
        db,
        customer.customerId,
        version,
        customer.identities.filter((identity) => !lost.has(identityString(identity))),
        now,
      ),
    );
  }
  return previousOwners.size === new Set(resolution.takeOver.map((item) => item.customerId)).size
    ? writes
    : undefined;
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

/**
 * The customer's last resolved conversation when `receivedAt` falls within the routing definition's
 * reopen window after its resolution; a later message opens a new conversation.
 */
function reopenable(customer: Customer, receivedAt: string): string | undefined {
  const last = customer.lastResolved;
  if (last === undefined) return undefined;
  const windowMs = ROUTING_DEFINITION.reopenWindowHours * 60 * 60 * 1000;
  return Date.parse(receivedAt) - Date.parse(last.resolvedAt) <= windowMs ? last.conversationId : undefined;
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

/**
 * Writes the interaction (always item 0) with the structural items; all or nothing. Conflicts with other
 * transactions are retried with backoff inside transactWrite; a failed condition means a lost race.
 */
async function writeTransaction(
  context: AttemptContext,
  interaction: Interaction,
  items: TransactItems,
): Promise<AttemptResult> {
  try {
    await transactWrite(context.db, [
      {
        Put: {
          TableName: context.db.tableName,
          Item: interactionItem(interaction),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      ...items,
    ]);
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
 * The first delivery's result. A provider message id reused by a different sender or for different
 * content is not a retry: it is refused (409 `idempotency_key_reused`) rather than answered with the
 * first message's ids.
 */
async function duplicateOf(
  context: AttemptContext,
  oldItem: Record<string, unknown> | undefined,
): Promise<IngestResult> {
  const item = oldItem ?? (await readInteraction(context));
  const first = interactionFromItem(item);
  const { message } = context;
  const sameSender = first.identities.some((stored) =>
    context.identities.some((identity) => identityString(identity) === identityString(stored)),
  );
  const sameContent = first.body === message.body && (first.subject ?? '') === (message.subject ?? '');
  if (!sameSender || !sameContent) {
    throw new IdempotencyKeyReusedError('this message id was already used for another message');
  }
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
    content: routingContent(context.message),
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
    content: routingContent(context.message),
  };
}

function buildInteraction(
  context: AttemptContext,
  customerId: string,
  conversationId: string,
  now: string,
): Interaction {
  const { message, resolution, interactionId } = context;
  return {
    interactionId,
    customerId,
    conversationId,
    direction: 'inbound',
    channel: message.channel,
    identities: [...resolution.recorded],
    ...(resolution.possibleMatches.length > 0
      ? { possibleMatches: resolution.possibleMatches.slice(0, 5) }
      : {}),
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
 * Writes an identity that nobody owns yet, with its trust. The condition is what makes identities
 * unique: of two simultaneous first messages from one address, one transaction is cancelled here.
 */
function newIdentityPut(
  db: Db,
  identity: TrustedIdentity,
  customerId: string,
  conversationId: string | undefined,
  claimSetSize: number | undefined,
  now: string,
) {
  return {
    Put: {
      TableName: db.tableName,
      Item: identityItem({
        kind: identity.kind,
        value: identity.value,
        customerId,
        trust: identity.trust,
        ...(identity.trust === 'claimed' && claimSetSize !== undefined ? { claimSetSize } : {}),
        ...(conversationId ? { conversationId } : {}),
        createdAt: now,
      }),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
