import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini registers no locale, so every built-in check would report a bare "Invalid input". The
// English messages are those classic zod gave, which API clients and logs have always seen; they are
// registered where issues become messages, before any caller of fieldIssues can parse.
z.config(en());

/** One failed field: its dotted path (`(root)` for the value itself) and what is wrong with it. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** The issues of a failed parse, each named by its dotted path, under `prefix` when given. */
export function fieldIssues(error: z.core.$ZodError, prefix?: string): FieldIssue[] {
  return error.issues.map((issue) => ({
    path:
      [prefix, ...issue.path.map(String)].filter((part) => part !== undefined && part !== '').join('.') ||
      '(root)',
    message: issue.message,
  }));
}
