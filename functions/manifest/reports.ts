import type { FunctionDefinition } from '../manifest.js';

/**
 * Reporting (docs/reporting.md): the aggregates kept from the table's change stream, the summary report,
 * and the tags reports count.
 */
export const REPORT_FUNCTIONS = [
  {
    // Daily aggregates (volumes, times, service levels, escalations, e-level, satisfaction, campaign
    // outcomes, tags) from each stored change of a conversation, an interaction or a campaign recipient.
    kind: 'stream',
    name: 'reports-aggregate',
    entry: 'functions/reports/aggregate.ts',
    batchSize: 100,
    partitionKeyPrefixes: ['CONVERSATION#', 'MESSAGE#', 'CAMPAIGN#'],
    access: { table: 'write' },
  },
  {
    kind: 'http',
    name: 'reports-summary',
    entry: 'functions/reports/summary.ts',
    method: 'GET',
    path: '/v1/reports/summary',
    auth: 'staff',
    // Reads the aggregates of the range only: one Query per month.
    access: { table: 'read' },
  },
  {
    kind: 'http',
    name: 'conversations-tags',
    entry: 'functions/conversations/tags.ts',
    method: 'POST',
    path: '/v1/conversations/{id}/tags',
    auth: 'staff',
    access: { table: 'write' },
  },
] as const satisfies readonly FunctionDefinition[];
