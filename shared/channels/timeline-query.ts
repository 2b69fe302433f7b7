import * as z from 'zod/mini';

// In a module of its own: only the timeline function builds it (and zod's coercion) at cold start;
// shared/channels/staff-queries.ts re-exports it with the staff API's other queries.

/** `GET /v1/customers/{id}/timeline` query. */
export const TimelineQuerySchema = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 25),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
});
