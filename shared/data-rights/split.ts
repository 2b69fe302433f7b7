import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../clock.js';
import { ConflictError, ContentionError, ValidationError } from '../errors.js';
import {
  ConsentChannelSchema,
  type ConsentMap,
  type Customer,
  type IdentityRef,
  type Interaction,
  identityString,
  type TrustedIdentity,
} from '../schemas/index.js';
import type { MergeRecord } from '../schemas/merge-record.js';
import { putAuditRecord } from '../store/audit.js';
import { batchGetItems } from '../store/batch-get.js';
import { getCustomer, getCustomerVersions, type VersionedCustomer } from '../store/customers.js';
import type { Db } from '../store/db.js';
import {
  conversationFromItem,
  customerItem,
  type Item,
  identityFromItem,
  interactionFromItem,
} from '../store/items.js';
import {
  conversationKey,
  customerConversationIndexKeys,
  customerKey,
  identityKey,
  mergeRecordKey,
  TIMELINE_END,
  TIMELINE_PREFIX,
  timelinePartition,
} from '../store/keys.js';
import { type TransactItems, transactWrite } from '../store/transact-write.js';
import { cancelledTransaction } from '../store/write-errors.js';
import { listMergeRecords } from './merges.js';

/** What a split did. */
export interface SplitResult {
  /** The customer the others were separated from. */
  readonly customerId: string;
  /** The customers restored, with the identities they got back and what moved back to them. */
  readonly restored: readonly {
    readonly customerId: string;
    readonly identities: readonly TrustedIdentity[];
    readonly interactionsMoved: number;
    readonly conversationsMoved: number;
  }[];
}

/** How a merged-away customer came in: what it held, when, into whom. */
interface MergedIn {
  readonly customerId: string;
  readonly parentId: string;
  readonly mergedAt: string;
  /** Its identities as they stood when it was merged (their trust then). */
  readonly identities: readonly TrustedIdentity[];
  readonly openConversationId: string | undefined;
  readonly record: MergeRecord | undefined;
  readonly profile: VersionedCustomer;
}

/** The plan for one restored customer. */
interface Restore {
  readonly mergedIn: MergedIn;
  /** Customers that stay merged into it (its part of the merge forest). */
  readonly subtree: readonly string[];
  /** The identities it gets back, with their trust at its merge. */
  readonly identities: readonly TrustedIdentity[];
  /** Customers its messages since the merge were recorded on. */
  readonly ancestors: readonly string[];
}

const MAX_ATTEMPTS = 4;
/** DynamoDB's limit of items in one transaction. */
const MAX_TRANSACTION_ITEMS = 100;
/** A message may be recorded a while after it was received: look back this far before a merge. */
const RECEIPT_LAG_MS = 24 * 60 * 60 * 1000;

/**
 * Undoes merges (docs/data-rights.md, "Identity graph"): each customer that brought one of `identities`
 * in by a merge is restored as it was, with every identity it brought (their trust at the merge), its
 * own interactions (they never moved: their timeline partition is theirs again once the survivor stops
 * listing it), the messages recorded since the merge from its identities alone (moved to it), the
 * conversations the merge moved and those its messages opened since, its consent as it was, plus any
 * opt-out the survivor recorded since (an opt-out is never lost). Customers merged into it stay merged
 * into it. Nothing is lost: every interaction stays on exactly one timeline.
 *
 * ValidationError (400) naming `identities.<n>` for an identity no merge into this customer brought;
 * NotFoundError (404) for an unknown customer; ContentionError when the customers kept changing. Audited.
 */
export async function splitCustomer(
  db: Db,
  customerId: string,
  identities: readonly IdentityRef[],
  actor: string,
  clock: Clock,
): Promise<SplitResult> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const startedAt = clock.now();
    const root = await getCustomer(db, customerId);
    const profiles = await getCustomerVersions(db, [root.customerId, ...root.mergedFrom]);
    const rootProfile = profiles.get(root.customerId);
    if (!rootProfile || rootProfile.customer.mergedInto) continue;
    const records = await listMergeRecords(db, [root.customerId, ...root.mergedFrom]);
    const mergedIn = mergedInOf(root, profiles, records);
    const restores = planRestores(root.customerId, mergedIn, identities);

    // 1. Messages since each merge, from the restored identities alone, move to their customer. Until the
    //    survivor lets go of it, its timeline reads that customer's partition too: nothing disappears.
    const moved = new Map<string, Moved>();
    for (const restore of restores) {
      moved.set(
        restore.mergedIn.customerId,
        await moveLaterInteractions(db, restore, restore.mergedIn.mergedAt),
      );
    }
    // 2. One transaction: profiles, identity items, conversations, pointers, the merge records' splits.
    const planned = await splitWrites(db, root.customerId, profiles, restores, moved, actor, clock);
    try {
      await transactWrite(db, planned.items);
    } catch (error) {
      if (cancelledTransaction(error) === null) throw error;
      continue;
    }
    // 3. Messages recorded meanwhile (the identity items pointed at the survivor until step 2).
    for (const restore of restores) {
      const late = await moveLaterInteractions(db, restore, startedAt);
      moved.get(restore.mergedIn.customerId)?.interactions.push(...late.interactions);
    }
    const at = clock.now();
    const restoredIds = restores.map((restore) => restore.mergedIn.customerId);
    for (const filedUnder of [root.customerId, ...restoredIds]) {
      await putAuditRecord(db, {
        auditId: clock.newId(),
        action: 'split',
        actor,
        at,
        customerId: filedUnder,
        customerIds: [root.customerId, ...restoredIds],
      });
    }
    return {
      customerId: root.customerId,
      restored: restores.map((restore) => ({
        customerId: restore.mergedIn.customerId,
        identities: restore.identities,
        interactionsMoved: moved.get(restore.mergedIn.customerId)?.interactions.length ?? 0,
        conversationsMoved: planned.conversationsMoved.get(restore.mergedIn.customerId) ?? 0,
      })),
    };
  }
  throw new ContentionError('the customers kept changing while splitting them');
}

/** Every merged-away customer of the group: from its merge record when there is one, else its profile. */
function mergedInOf(
  root: Customer,
  profiles: ReadonlyMap<string, VersionedCustomer>,
  records: readonly MergeRecord[],
): Map<string, MergedIn> {
  const found = new Map<string, MergedIn>();
  for (const id of root.mergedFrom) {
    const profile = profiles.get(id);
    if (!profile?.customer.mergedInto) continue;
    // The latest merge of it that no split undid (a customer split off and merged again has two).
    const record = records
      .filter(
        (candidate) =>
          candidate.mergedCustomerIds.includes(id) &&
          !(candidate.splits ?? []).some((split) => split.customerIds.includes(id)),
      )
      .at(-1);
    const side = record?.sides.find((candidate) => candidate.customerId === id);
    found.set(id, {
      customerId: id,
      parentId: profile.customer.mergedInto,
      mergedAt: record?.at ?? profile.customer.updatedAt,
      identities: side?.identities ?? profile.customer.identities,
      openConversationId: side?.openConversationId,
      record,
      profile,
    });
  }
  return found;
}

/**
 * Which customers to restore for the identities asked for, and what each gets: an identity belongs to
 * the customer merged in first that held it (a customer merged later held it only through that merge).
 */
function planRestores(
  rootId: string,
  mergedIn: ReadonlyMap<string, MergedIn>,
  identities: readonly IdentityRef[],
): Restore[] {
  const byAge = [...mergedIn.values()].sort((a, b) => a.mergedAt.localeCompare(b.mergedAt));
  const originOf = (identity: IdentityRef) =>
    byAge.find((candidate) =>
      candidate.identities.some((held) => identityString(held) === identityString(identity)),
    );
  const chosen = new Set<string>();
  const issues: { path: string; message: string }[] = [];
  identities.forEach((identity, index) => {
    const origin = originOf(identity);
    if (origin) chosen.add(origin.customerId);
    else issues.push({ path: `identities.${index}`, message: 'no merge into this customer brought it' });
  });
  if (issues.length > 0) throw new ValidationError('request failed validation', issues);

  const parentOf = (id: string) => (chosen.has(id) ? undefined : mergedIn.get(id)?.parentId);
  const rootOf = (id: string): string => {
    let current = id;
    for (let hop = 0; hop <= mergedIn.size; hop++) {
      const parent = parentOf(current);
      if (parent === undefined) return current;
      current = parent;
    }
    return current;
  };
  // An identity goes to the restored customer that held it first.
  const claimed = new Set<string>();
  return byAge
    .filter((candidate) => chosen.has(candidate.customerId))
    .map((candidate) => {
      const own = candidate.identities.filter((identity) => !claimed.has(identityString(identity)));
      for (const identity of own) claimed.add(identityString(identity));
      const ancestors: string[] = [];
      for (let id = candidate.parentId; ; ) {
        ancestors.push(id);
        const parent = mergedIn.get(id)?.parentId;
        if (id === rootId || parent === undefined) break;
        id = parent;
      }
      return {
        mergedIn: candidate,
        subtree: [...mergedIn.keys()].filter(
          (id) => id !== candidate.customerId && rootOf(id) === candidate.customerId,
        ),
        identities: own,
        ancestors,
      };
    });
}

/**
 * Moves to the restored customer the interactions recorded since `since` on its ancestors' timelines
 * whose identities are all among the ones it gets back. Conditional on the interaction's customer, so a
 * repeat moves nothing twice. Returns what it moved, and the conversations of the messages that stayed.
 */
async function moveLaterInteractions(db: Db, restore: Restore, since: string): Promise<Moved> {
  const theirs = new Set(restore.identities.map(identityString));
  const from = new Date(Date.parse(since) - RECEIPT_LAG_MS).toISOString();
  const moved: Interaction[] = [];
  const stayed = new Set<string>();
  for (const ancestor of restore.ancestors) {
    for (const item of await timelineSince(db, ancestor, from)) {
      const interaction = interactionFromItem(item);
      if (interaction.customerId !== ancestor || interaction.recordedAt < since) continue;
      if (!interaction.identities.every((identity) => theirs.has(identityString(identity)))) {
        stayed.add(interaction.conversationId);
        continue;
      }
      await db.doc.send(
        new UpdateCommand({
          TableName: db.tableName,
          Key: { pk: String(item.pk), sk: String(item.sk) },
          UpdateExpression: 'SET customerId = :to, gsi1pk = :partition',
          ConditionExpression: 'customerId = :from',
          ExpressionAttributeValues: {
            ':to': restore.mergedIn.customerId,
            ':partition': timelinePartition(restore.mergedIn.customerId),
            ':from': ancestor,
          },
        }),
      );
      moved.push({ ...interaction, customerId: restore.mergedIn.customerId });
    }
  }
  return { interactions: moved, stayedConversations: stayed };
}

/** Interactions moved to a restored customer, and the conversations of those that stayed behind. */
interface Moved {
  readonly interactions: Interaction[];
  readonly stayedConversations: ReadonlySet<string>;
}

/** A customer's timeline items from `from` on (gsi1), every page. */
async function timelineSince(db: Db, customerId: string, from: string): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const output = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :partition AND gsi1sk BETWEEN :from AND :end',
        ExpressionAttributeValues: {
          ':partition': timelinePartition(customerId),
          ':from': `${TIMELINE_PREFIX}${from}`,
          ':end': TIMELINE_END,
        },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(output.Items ?? []));
    startKey = output.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** The conversations of the messages the customers' own timelines recorded before `before`. */
async function conversationIdsBefore(
  db: Db,
  customerIds: readonly string[],
  before: string,
): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const id of customerIds) {
    for (const item of await timelineSince(db, id, '')) {
      const interaction = interactionFromItem(item);
      if (interaction.recordedAt < before) ids.add(interaction.conversationId);
    }
  }
  return ids;
}

/** The writes of the split, and how many conversations go back to each restored customer. */
async function splitWrites(
  db: Db,
  rootId: string,
  profiles: ReadonlyMap<string, VersionedCustomer>,
  restores: readonly Restore[],
  moved: ReadonlyMap<string, Moved>,
  actor: string,
  clock: Clock,
): Promise<{ items: TransactItems; conversationsMoved: Map<string, number> }> {
  const now = clock.now();
  const restoredIds = new Set(restores.map((restore) => restore.mergedIn.customerId));
  const items: TransactItems = [];
  const conversationsMoved = new Map<string, number>();
  const movingConversations = new Set<string>();
  const lostIdentities = new Set<string>();
  const rootProfile = profiles.get(rootId);
  if (!rootProfile) throw new ContentionError('the customer changed while splitting it');

  for (const restore of restores) {
    const { mergedIn } = restore;
    const restoredId = mergedIn.customerId;
    const own = [restoredId, ...restore.subtree];
    // Conversations: those it had (the merge moved its open one), and those opened since the merge whose
    // messages all went back to it.
    const had = await conversationIdsBefore(db, own, mergedIn.mergedAt);
    if (mergedIn.openConversationId) had.add(mergedIn.openConversationId);
    const since = moved.get(restoredId);
    const opened = new Set(
      (since?.interactions ?? [])
        .map((interaction) => interaction.conversationId)
        .filter((id) => !since?.stayedConversations.has(id)),
    );
    const conversationItems = await batchGetItems(
      db,
      [...new Set([...had, ...opened])].map(conversationKey),
      true,
    );
    const back = conversationItems
      .map(conversationFromItem)
      .filter(
        (conversation) => !own.includes(conversation.customerId) && profiles.has(conversation.customerId),
      )
      .filter(
        (conversation) =>
          had.has(conversation.conversationId) ||
          (opened.has(conversation.conversationId) && conversation.openedAt >= mergedIn.mergedAt),
      );
    for (const conversation of back) {
      movingConversations.add(conversation.conversationId);
      items.push({
        Update: {
          TableName: db.tableName,
          Key: conversationKey(conversation.conversationId),
          UpdateExpression: 'SET customerId = :to, gsi3pk = :gsi3pk, gsi3sk = :gsi3sk',
          ConditionExpression: 'customerId = :from',
          ExpressionAttributeValues: {
            ':to': restoredId,
            ':from': conversation.customerId,
            ...prefixed(
              customerConversationIndexKeys(restoredId, conversation.openedAt, conversation.conversationId),
            ),
          },
        },
      });
    }
    conversationsMoved.set(restoredId, back.length);
    const open = back
      .filter((conversation) => conversation.status !== 'resolved')
      .sort((a, b) => a.openedAt.localeCompare(b.openedAt))
      .at(-1)?.conversationId;

    // Its identity items: back to it with the trust they had, if the survivor still holds them.
    const stored = (await batchGetItems(db, restore.identities.map(identityKey), true)).map(identityFromItem);
    const held = restore.identities.filter((identity) =>
      stored.some((item) => identityString(item) === identityString(identity) && item.customerId === rootId),
    );
    for (const identity of held) {
      lostIdentities.add(identityString(identity));
      items.push({
        Update: {
          TableName: db.tableName,
          Key: identityKey(identity),
          UpdateExpression: open
            ? 'SET customerId = :to, trust = :trust, conversationId = :open REMOVE claimSetSize'
            : 'SET customerId = :to, trust = :trust REMOVE claimSetSize, conversationId',
          ConditionExpression: 'customerId = :from',
          ExpressionAttributeValues: {
            ':to': restoredId,
            ':trust': identity.trust,
            ':from': rootId,
            ...(open ? { ':open': open } : {}),
          },
        },
      });
    }

    const { mergedInto: _parent, ...standing } = mergedIn.profile.customer;
    const lastInteractionAt = [
      standing.lastInteractionAt,
      ...(since?.interactions ?? []).map((interaction) => interaction.occurredAt),
    ]
      .filter((at): at is string => at !== undefined)
      .sort()
      .at(-1);
    const restored: Customer = {
      ...standing,
      identities: held,
      consent: keepOptOuts(standing.consent, rootProfile.customer.consent, mergedIn.mergedAt),
      mergedFrom: restore.subtree.filter((id) => !restoredIds.has(id)),
      ...(open ? { openConversationId: open } : {}),
      ...(lastInteractionAt ? { lastInteractionAt } : {}),
      updatedAt: now,
    };
    items.push({
      Put: {
        TableName: db.tableName,
        Item: customerItem(restored, mergedIn.profile.version + 1),
        ConditionExpression: '#version = :version AND mergedInto = :parent',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':version': mergedIn.profile.version, ':parent': mergedIn.parentId },
      },
    });
    if (mergedIn.record) {
      items.push({
        Update: {
          TableName: db.tableName,
          Key: mergeRecordKey(mergedIn.record.survivorId, mergedIn.record.at, mergedIn.record.mergeId),
          UpdateExpression: 'SET splits = list_append(if_not_exists(splits, :none), :split)',
          ExpressionAttributeValues: {
            ':none': [],
            ':split': [{ at: now, by: actor, customerIds: [restoredId] }],
          },
        },
      });
    }
  }

  // Everyone that kept some of them: the survivor and the merged-away customers in between.
  const leaving = new Set(restores.flatMap((restore) => [restore.mergedIn.customerId, ...restore.subtree]));
  for (const [id, profile] of profiles) {
    if (leaving.has(id) || restoredIds.has(id)) continue;
    const mergedFrom = profile.customer.mergedFrom.filter((merged) => !leaving.has(merged));
    const identities = profile.customer.identities.filter(
      (identity) => !lostIdentities.has(identityString(identity)),
    );
    const losesOpen =
      profile.customer.openConversationId !== undefined &&
      movingConversations.has(profile.customer.openConversationId);
    if (
      mergedFrom.length === profile.customer.mergedFrom.length &&
      identities.length === profile.customer.identities.length &&
      !losesOpen
    ) {
      continue;
    }
    items.push({
      Update: {
        TableName: db.tableName,
        Key: customerKey(id),
        UpdateExpression: `SET mergedFrom = :mergedFrom, #identities = :identities, #version = :next, updatedAt = :now${losesOpen ? ' REMOVE openConversationId' : ''}`,
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#version': 'version', '#identities': 'identities' },
        ExpressionAttributeValues: {
          ':mergedFrom': mergedFrom,
          ':identities': identities,
          ':version': profile.version,
          ':next': profile.version + 1,
          ':now': now,
        },
      },
    });
  }
  // The survivor's identity items stop pointing at a conversation that went back.
  if (
    rootProfile.customer.openConversationId &&
    movingConversations.has(rootProfile.customer.openConversationId)
  ) {
    for (const identity of rootProfile.customer.identities) {
      if (lostIdentities.has(identityString(identity))) continue;
      items.push({
        Update: {
          TableName: db.tableName,
          Key: identityKey(identity),
          UpdateExpression: 'REMOVE conversationId',
          ConditionExpression: 'customerId = :root',
          ExpressionAttributeValues: { ':root': rootId },
        },
      });
    }
  }
  if (items.length > MAX_TRANSACTION_ITEMS) {
    throw new ConflictError(
      `this split needs ${items.length} writes, over one transaction: split one customer at a time`,
    );
  }
  return { items, conversationsMoved };
}

/** The restored customer's consent: its own as merged, and every opt-out the survivor recorded since. */
function keepOptOuts(own: ConsentMap, survivor: ConsentMap, mergedAt: string): ConsentMap {
  const consent: ConsentMap = { ...own };
  for (const channel of ConsentChannelSchema.options) {
    const later = survivor[channel];
    if (later?.status !== 'opted_out' || later.at < mergedAt) continue;
    if (!consent[channel] || consent[channel].at < later.at) consent[channel] = later;
  }
  return consent;
}

function prefixed(keys: { gsi3pk: string; gsi3sk: string }) {
  return { ':gsi3pk': keys.gsi3pk, ':gsi3sk': keys.gsi3sk };
}
