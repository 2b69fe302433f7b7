import { type Identity, identityString, type TrustedIdentity } from '../schemas/index.js';

/**
 * Which customer an inbound message belongs to, decided from the identities it carries and the identity
 * items already stored for them (docs/identity-trust.md). Pure: ingest reads, this decides, ingest writes.
 *
 * - Verified identities resolve as they always did: their verified owner is the customer; two verified
 *   owners are one person and merge; an unknown verified identity joins the customer (or creates one).
 * - A verified identity that someone merely claimed before is taken over by the writer who proves it;
 *   the claimant keeps its history, not the identity (claiming first captures nothing).
 * - Claimed identities never reach another customer. One owned by someone else becomes a possible match
 *   (for staff to confirm), never a merge. A message with claims only continues a customer only when
 *   that customer was created from claims alone and holds exactly the claimed set; otherwise it is
 *   recorded on a customer of its own.
 */
export type Resolution =
  | { readonly kind: 'merge'; readonly customerIds: readonly string[] }
  | {
      readonly kind: 'record';
      /** The customer to record on; undefined: a new one. */
      readonly customerId: string | undefined;
      /** Identities the customer gains, owned by nobody yet (created with the trust given). */
      readonly add: readonly TrustedIdentity[];
      /** Claimed items of other customers that this message's verified identities take over. */
      readonly takeOver: readonly Identity[];
      /** Claimed items of this customer that this message proves: they become verified. */
      readonly upgrade: readonly Identity[];
      /** Set on the claimed items created for a customer made of claims alone. */
      readonly claimSetSize: number | undefined;
      /** The message's identities with the trust recorded on the interaction. */
      readonly recorded: readonly TrustedIdentity[];
      /** Other customers owning an identity the message only claimed (or one it took over). */
      readonly possibleMatches: readonly string[];
    };

/** Decides the customer of a message from its identities (unique) and their stored items. */
export function resolveIdentities(
  identities: readonly TrustedIdentity[],
  stored: readonly Identity[],
): Resolution {
  const items = new Map(stored.map((item) => [identityString(item), item]));
  const itemOf = (identity: TrustedIdentity) => items.get(identityString(identity));
  const verified = identities.filter((identity) => identity.trust === 'verified');
  return verified.length > 0
    ? resolveVerified(identities, verified, itemOf)
    : resolveClaimsOnly(identities, itemOf);
}

type ItemOf = (identity: TrustedIdentity) => Identity | undefined;

function resolveVerified(
  identities: readonly TrustedIdentity[],
  verified: readonly TrustedIdentity[],
  itemOf: ItemOf,
): Resolution {
  const owners = unique(
    verified
      .map(itemOf)
      .filter((item) => item?.trust === 'verified')
      .map((item) => item?.customerId),
  );
  if (owners.length > 1) return { kind: 'merge', customerIds: owners };
  const [customerId] = owners;
  const add: TrustedIdentity[] = [];
  const takeOver: Identity[] = [];
  const upgrade: Identity[] = [];
  const possibleMatches: string[] = [];
  const recorded: TrustedIdentity[] = [];

  for (const identity of identities) {
    const item = itemOf(identity);
    const ref = { kind: identity.kind, value: identity.value };
    if (identity.trust === 'verified') {
      recorded.push(identity);
      if (!item) add.push(identity);
      else if (item.trust === 'claimed' && item.customerId === customerId) upgrade.push(item);
      else if (item.trust === 'claimed') {
        takeOver.push(item);
        possibleMatches.push(item.customerId);
      }
      continue;
    }
    // A claim: proven already if this very customer verified it; never attached to anyone else.
    if (item && item.customerId === customerId) {
      recorded.push({ ...ref, trust: item.trust });
      continue;
    }
    recorded.push({ ...ref, trust: 'claimed' });
    if (item) possibleMatches.push(item.customerId);
    // A new customer may start with the claim (it claims nothing of anyone); an existing one never gains one.
    else if (customerId === undefined) add.push(identity);
  }
  return {
    kind: 'record',
    customerId,
    add,
    takeOver,
    upgrade,
    claimSetSize: undefined,
    recorded,
    possibleMatches: unique(possibleMatches).filter((id) => id !== customerId),
  };
}

function resolveClaimsOnly(identities: readonly TrustedIdentity[], itemOf: ItemOf): Resolution {
  const found = identities.map(itemOf);
  const [first] = found;
  const continues =
    first !== undefined &&
    found.every(
      (item) =>
        item !== undefined &&
        item.trust === 'claimed' &&
        item.customerId === first.customerId &&
        item.claimSetSize === identities.length,
    );
  const recorded = identities.map((identity) => ({ ...identity, trust: 'claimed' as const }));
  if (continues) {
    return {
      kind: 'record',
      customerId: first.customerId,
      add: [],
      takeOver: [],
      upgrade: [],
      claimSetSize: undefined,
      recorded,
      possibleMatches: [],
    };
  }
  const add = identities.filter((identity) => itemOf(identity) === undefined);
  return {
    kind: 'record',
    customerId: undefined,
    add,
    takeOver: [],
    upgrade: [],
    claimSetSize: add.length > 0 ? add.length : undefined,
    recorded,
    possibleMatches: unique(found.map((item) => item?.customerId)),
  };
}

function unique(ids: readonly (string | undefined)[]): string[] {
  return [...new Set(ids.filter((id): id is string => id !== undefined))];
}
