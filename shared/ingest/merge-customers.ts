import type { Clock } from '../clock.js';
import type { ConsentMap, Customer } from '../schemas/index.js';
import { ConsentChannelSchema } from '../schemas/index.js';
import type { MergeRule } from '../schemas/merge-record.js';
import { getCustomerVersions, type VersionedCustomer } from '../store/customers.js';
import type { Db } from '../store/db.js';
import { customerItem } from '../store/items.js';
import { conversationKey, customerKey, identityKey } from '../store/keys.js';
import { mergeRecordPut } from '../store/merge-records.js';
import { type TransactItems, transactWrite } from '../store/transact-write.js';
import { cancelledTransaction } from '../store/write-errors.js';
import { uniqueIdentities } from './identity.js';

/** DynamoDB's limit of items in one transaction. */
const MAX_TRANSACTION_ITEMS = 100;

/**
 * Merges customers found to be one person (one message carried identities of each), in one
 * transaction. Policy (docs/data-model.md, "Merging customers"):
 * - the oldest customer survives and takes every identity; the others keep their profile, marked
 *   `mergedInto`, so their old ids still resolve;
 * - no interaction moves: the survivor's timeline also reads the merged customers' partitions;
 * - open conversations of the merged customers move to the survivor; the survivor's own open
 *   conversation (else the oldest merged one) is the one new messages continue;
 * - consent per channel: an opt-out on either side wins, else the latest opt-in.
 *
 * - `vouched` (a supervisor confirmed the match): every identity of the merged customer becomes
 *   verified, since staff vouch for it; an automatic merge keeps each identity's trust.
 * - A merge record in the survivor's partition, in the same transaction, says which identities each side
 *   held, why (`rule`: an automatic merge of verified identities unless given), when and by whom
 *   (`by`, for a staff merge), so a split can undo it (shared/data-rights/split.ts).
 *
 * Returns the ids merged away, or an empty list when a concurrent change won (re-read and retry).
 */
export async function mergeCustomers(
  db: Db,
  customerIds: readonly string[],
  clock: Clock,
  options: { readonly vouched?: boolean; readonly rule?: MergeRule; readonly by?: string } = {},
): Promise<string[]> {
  const vouched = options.vouched === true;
  const profiles = await getCustomerVersions(db, customerIds);
  const found = [...profiles.values()];
  if (found.length !== customerIds.length || found.some(({ customer }) => customer.mergedInto)) return [];

  const [survivor, ...losers] = found.sort(byAge);
  if (!survivor) return [];
  const now = clock.now();
  const openConversationId =
    survivor.customer.openConversationId ??
    losers.find(({ customer }) => customer.openConversationId)?.customer.openConversationId;
  const survivorId = survivor.customer.customerId;
  const merged = mergedProfile(survivor, losers, openConversationId, now, vouched);

  const items: TransactItems = [
    {
      Put: {
        TableName: db.tableName,
        Item: customerItem(merged, survivor.version + 1),
        ConditionExpression: '#version = :version AND attribute_not_exists(mergedInto)',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':version': survivor.version },
      },
    },
  ];
  for (const loser of losers) {
    const { customer } = loser;
    items.push({
      Update: {
        TableName: db.tableName,
        Key: customerKey(customer.customerId),
        UpdateExpression:
          'SET mergedInto = :survivor, updatedAt = :now, #version = :next REMOVE openConversationId, gsi3pk, gsi3sk',
        ConditionExpression: '#version = :version AND attribute_not_exists(mergedInto)',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: {
          ':survivor': survivorId,
          ':now': now,
          ':version': loser.version,
          ':next': loser.version + 1,
        },
      },
    });
    if (customer.openConversationId) {
      items.push({
        Update: {
          TableName: db.tableName,
          Key: conversationKey(customer.openConversationId),
          UpdateExpression: 'SET customerId = :survivor, updatedAt = :now',
          ConditionExpression: 'customerId = :loser',
          ExpressionAttributeValues: { ':survivor': survivorId, ':now': now, ':loser': customer.customerId },
        },
      });
    }
    for (const identity of customer.identities) {
      items.push(repointIdentity(db, identity, customer.customerId, survivorId, openConversationId, vouched));
    }
  }
  items.push(
    mergeRecordPut(db, {
      mergeId: clock.newId(),
      at: now,
      survivorId,
      mergedCustomerIds: losers.map(({ customer }) => customer.customerId),
      sides: [survivor, ...losers].map(({ customer }) => ({
        customerId: customer.customerId,
        identities: customer.identities,
        ...(customer.openConversationId ? { openConversationId: customer.openConversationId } : {}),
        mergedFrom: customer.mergedFrom,
      })),
      rule: options.rule ?? 'verified-identities',
      ...(options.by ? { by: options.by } : {}),
      vouched,
    }),
  );
  const repointSurvivor = !survivor.customer.openConversationId && openConversationId !== undefined;
  for (const identity of survivor.customer.identities) {
    if (repointSurvivor || (vouched && identity.trust === 'claimed')) {
      const pointTo = repointSurvivor ? openConversationId : survivor.customer.openConversationId;
      items.push(repointIdentity(db, identity, survivorId, survivorId, pointTo, vouched));
    }
  }
  if (items.length > MAX_TRANSACTION_ITEMS) {
    throw new Error(
      `merging ${customerIds.length} customers needs ${items.length} writes, over one transaction`,
    );
  }

  try {
    await transactWrite(db, items);
  } catch (error) {
    if (cancelledTransaction(error) === null) throw error;
    return [];
  }
  return losers.map(({ customer }) => customer.customerId);
}

/** Oldest first: creation time, then id (ULIDs sort by time) to break ties. */
function byAge(a: VersionedCustomer, b: VersionedCustomer): number {
  return (
    a.customer.createdAt.localeCompare(b.customer.createdAt) ||
    a.customer.customerId.localeCompare(b.customer.customerId)
  );
}

function mergedProfile(
  survivor: VersionedCustomer,
  losers: readonly VersionedCustomer[],
  openConversationId: string | undefined,
  now: string,
  vouched: boolean,
): Customer {
  const all = [survivor, ...losers].map(({ customer }) => customer);
  const lastInteractionAt = all
    .map((customer) => customer.lastInteractionAt)
    .filter((at): at is string => at !== undefined)
    .sort()
    .at(-1);
  const name = all.find((customer) => customer.name)?.name;
  const { openConversationId: _ignored, ...rest } = survivor.customer;
  return {
    ...rest,
    ...(name ? { name } : {}),
    identities: uniqueIdentities(all.flatMap((customer) => customer.identities)).map((identity) =>
      vouched ? { ...identity, trust: 'verified' as const } : identity,
    ),
    consent: mergeConsent(all.map((customer) => customer.consent)),
    mergedFrom: [
      ...new Set(
        all.flatMap((customer) => customer.mergedFrom).concat(losers.map((l) => l.customer.customerId)),
      ),
    ],
    ...(openConversationId ? { openConversationId } : {}),
    ...(lastInteractionAt ? { lastInteractionAt } : {}),
    updatedAt: now,
  };
}

/** Per channel: any opt-out wins (the latest one), else the latest opt-in. */
export function mergeConsent(consents: readonly ConsentMap[]): ConsentMap {
  const merged: ConsentMap = {};
  for (const channel of ConsentChannelSchema.options) {
    const decisions = consents.flatMap((consent) => consent[channel] ?? []);
    const optOuts = decisions.filter((decision) => decision.status === 'opted_out');
    const pool = optOuts.length > 0 ? optOuts : decisions;
    const latest = pool.sort((a, b) => a.at.localeCompare(b.at)).at(-1);
    if (latest) merged[channel] = latest;
  }
  return merged;
}

function repointIdentity(
  db: Db,
  identity: { kind: Customer['identities'][number]['kind']; value: string },
  fromCustomerId: string,
  toCustomerId: string,
  conversationId: string | undefined,
  vouched: boolean,
) {
  // A moved claim no longer describes a customer made of claims alone (see IdentitySchema).
  const sets = ['customerId = :to'];
  const removes = ['claimSetSize'];
  if (conversationId) sets.push('conversationId = :conversation');
  else removes.push('conversationId');
  if (vouched) sets.push('trust = :verified');
  return {
    Update: {
      TableName: db.tableName,
      Key: identityKey(identity),
      UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
      ConditionExpression: 'customerId = :from',
      ExpressionAttributeValues: {
        ':to': toCustomerId,
        ':from': fromCustomerId,
        ...(conversationId ? { ':conversation': conversationId } : {}),
        ...(vouched ? { ':verified': 'verified' } : {}),
      },
    },
  };
}
