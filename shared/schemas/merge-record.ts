import * as z from 'zod/mini';
import { IdSchema, IsoTimestampSchema } from './common.js';
import { TrustedIdentitySchema } from './identity.js';

/**
 * Why customers were merged (docs/identity-trust.md):
 * - `verified-identities`: one message carried verified identities of each (automatic, at ingest);
 * - `verification-link`: a customer proved by link an address another customer had verified;
 * - `staff`: a supervisor confirmed they are one person (`by` names them).
 */
export const MergeRuleSchema = z.enum(['verified-identities', 'verification-link', 'staff']);
export type MergeRule = z.infer<typeof MergeRuleSchema>;

/** One customer of a merge as it stood just before it. */
export const MergeSideSchema = z.strictObject({
  customerId: IdSchema,
  /** Its identities, with the trust they had then (a staff merge makes them verified afterwards). */
  identities: z.array(TrustedIdentitySchema).check(z.maxLength(50)),
  /** Its open conversation, which the merge moved to the survivor. */
  openConversationId: z.optional(IdSchema),
  /** Customers merged into it before. */
  mergedFrom: z.array(IdSchema).check(z.maxLength(100)),
});
export type MergeSide = z.infer<typeof MergeSideSchema>;

/** A split that undid part of a merge: who, when, which merged customers it restored. */
export const MergeSplitSchema = z.strictObject({
  at: IsoTimestampSchema,
  by: z.string().check(z.minLength(1), z.maxLength(200)),
  customerIds: z.array(IdSchema).check(z.minLength(1), z.maxLength(10)),
});
export type MergeSplit = z.infer<typeof MergeSplitSchema>;

/**
 * A merge of customers, recorded in the same transaction as the merge itself: which identities each side
 * held, why, when, by which rule or whom, and the splits that undid it since.
 */
export const MergeRecordSchema = z.strictObject({
  mergeId: IdSchema,
  at: IsoTimestampSchema,
  survivorId: IdSchema,
  /** The customers merged into the survivor. */
  mergedCustomerIds: z.array(IdSchema).check(z.minLength(1), z.maxLength(10)),
  /** Every customer of the merge, the survivor first. */
  sides: z.array(MergeSideSchema).check(z.minLength(2), z.maxLength(11)),
  rule: MergeRuleSchema,
  /** The staff member (JWT subject) who confirmed it, for rule `staff`. */
  by: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  /** A staff merge vouches for every identity: they became verified. */
  vouched: z.boolean(),
  splits: z.optional(z.array(MergeSplitSchema).check(z.maxLength(20))),
});
export type MergeRecord = z.infer<typeof MergeRecordSchema>;
