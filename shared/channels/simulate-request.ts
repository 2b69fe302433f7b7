import * as z from 'zod/mini';
import { RoutingDefinitionSchema } from '../routing/definition-schema.js';

/**
 * The body of `POST /v1/routing/simulate`, in a module of its own: it holds the routing definition's
 * schema (about a hundred schema objects), which only the simulation function may build at cold start
 * (docs/performance.md). shared/channels/staff-requests.ts re-exports it with the staff API's other bodies.
 */

/** `POST /v1/routing/simulate`: a candidate routing definition and how far back to replay. */
export const SimulateBodySchema = z.strictObject({
  /** The candidate routing definition, in the shape of shared/routing/definition.json. */
  definition: RoutingDefinitionSchema,
  /** How many days back to replay. */
  days: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(90)), 7),
  /** At most this many inbound messages are replayed. */
  maxMessages: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(5000)), 1000),
});
export type SimulateBody = z.infer<typeof SimulateBodySchema>;

/** Largest `POST /v1/routing/simulate` body, in bytes. */
export const SIMULATE_BODY_MAX_BYTES = 256 * 1024;
