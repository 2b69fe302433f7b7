import * as z from 'zod/mini';

/** Channels a customer can write on. */
export const ChannelSchema = z.enum(['email', 'sms', 'chat', 'webform']);
export type Channel = z.infer<typeof ChannelSchema>;

/** Kinds of identity that resolve to a customer. */
export const IdentityKindSchema = z.enum(['email', 'phone', 'visitor', 'external']);
export type IdentityKind = z.infer<typeof IdentityKindSchema>;

/** Skill tiers: automated e-level, then human tiers 1-3. */
export const TierSchema = z.enum(['e', '1', '2', '3']);
export type Tier = z.infer<typeof TierSchema>;

export const PrioritySchema = z.enum(['low', 'normal', 'high', 'urgent']);
export type Priority = z.infer<typeof PrioritySchema>;

/** ULID: 26 Crockford base32 characters; every carebridge id is one. */
export const IdSchema = z.string().check(z.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID'));

/**
 * What happens to an inbound message after it is recorded: `route` hands it to routing (the default);
 * `record-only` keeps it on the timeline without routing or answering it (auto-replies, delivery
 * reports), so no mail loop can start.
 */
export const RoutingModeSchema = z.enum(['route', 'record-only']);
export type RoutingMode = z.infer<typeof RoutingModeSchema>;

export const IsoTimestampSchema = z.iso.datetime({ offset: false });
