import * as z from 'zod/mini';
import { ReplyChannelSchema } from '../outbound/sender.js';
import { IdSchema } from '../schemas/index.js';

/**
 * Request bodies of the staff API, declared here rather than in their handlers so that the OpenAPI
 * document (functions/openapi/) is generated from the very schemas the handlers validate with, without
 * importing handler modules (which read their environment when imported).
 */

/** `POST /v1/conversations/{id}/replies`: an agent's answer, on the customer's last channel unless named. */
export const ReplyBodySchema = z.strictObject({
  body: z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(10_000)),
  channel: z.optional(ReplyChannelSchema),
});
export type ReplyBody = z.infer<typeof ReplyBodySchema>;

/** Largest `POST /v1/conversations/{id}/replies` body, in bytes. */
export const REPLY_BODY_MAX_BYTES = 32 * 1024;

/** `POST /v1/customers/{id}/merge`: the customers to merge with the one in the path. */
export const MergeBodySchema = z.strictObject({
  /** The customers to merge with the one in the path, e.g. a possible match shown on an interaction. */
  customerIds: z.array(IdSchema).check(z.minLength(1), z.maxLength(4)),
});
export type MergeBody = z.infer<typeof MergeBodySchema>;

/** Largest `POST /v1/customers/{id}/merge` body, in bytes. */
export const MERGE_BODY_MAX_BYTES = 4 * 1024;

// `POST /v1/routing/simulate` has a module of its own (it holds the routing definition's schema, which
// a function importing the other bodies should not build at cold start).
export { SIMULATE_BODY_MAX_BYTES, type SimulateBody, SimulateBodySchema } from './simulate-request.js';
