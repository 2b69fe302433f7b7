import * as z from 'zod/mini';
import { IdentityKindSchema, IdSchema, TrustedIdentitySchema } from '../schemas/index.js';

/**
 * Requests and answers of the data-rights routes (docs/data-rights.md), declared here so the OpenAPI
 * document is generated from the very schemas the handlers validate with.
 */

/** An identity as the customer's profile lists it: email lower-cased, phone in E.164. */
const CanonicalIdentitySchema = z
  .strictObject({
    kind: IdentityKindSchema,
    value: z.string().check(z.minLength(1), z.maxLength(320)),
  })
  .check(
    z.refine(
      (identity) =>
        identity.kind === 'email'
          ? identity.value === identity.value.trim().toLowerCase() && identity.value.includes('@')
          : identity.kind === 'phone'
            ? /^\+[1-9]\d{6,14}$/.test(identity.value)
            : identity.value === identity.value.trim(),
      {
        message: 'give the identity as the customer profile lists it (email lower-cased, phone in E.164)',
        path: ['value'],
      },
    ),
  );

/** `POST /v1/customers/{id}/split`: identities a merge brought in; their customers are restored. */
export const SplitBodySchema = z.strictObject({
  identities: z.array(CanonicalIdentitySchema).check(z.minLength(1), z.maxLength(10)),
});
export type SplitBody = z.infer<typeof SplitBodySchema>;

/** Largest `POST /v1/customers/{id}/split` body, in bytes. */
export const SPLIT_BODY_MAX_BYTES = 8 * 1024;

/** `200` of `POST /v1/customers/{id}/split`. */
export const SplitResultSchema = z.strictObject({
  /** The customer the others were separated from. */
  customerId: IdSchema,
  restored: z.array(
    z.strictObject({
      customerId: IdSchema,
      /** The identities it got back, with the trust they had when it was merged. */
      identities: z.array(TrustedIdentitySchema),
      /** Messages recorded since the merge from its identities alone, moved back to its timeline. */
      interactionsMoved: z.number().check(z.int(), z.nonnegative()),
      conversationsMoved: z.number().check(z.int(), z.nonnegative()),
    }),
  ),
});

/** `200` of `DELETE /v1/customers/{id}`: what was erased (ids and counts, nothing personal). */
export const ErasureReportSchema = z.strictObject({
  /** The customer as it stood (the survivor of its merges). */
  customerId: IdSchema,
  /** Every customer erased: it and the customers merged into it. */
  customerIds: z.array(IdSchema),
  erasedAt: z.iso.datetime({ offset: false }),
  /** Items deleted by kind; `raw-email`: objects deleted from the mail bucket. */
  counts: z.record(z.string(), z.number().check(z.int(), z.nonnegative())),
});
