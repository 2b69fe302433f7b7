import * as z from 'zod/mini';

// In a module of its own, not with the agent schemas: a function that reads articles or conversations
// builds only this at cold start, not the agents' (docs/performance.md).

/** A skill name of the routing definition (shared/routing/definition.json). */
export const SkillSchema = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be 1-40 of a-z, 0-9 and -'));
