import type { FunctionDefinition } from '../manifest.js';

/**
 * Customers' data rights and the identity graph (docs/data-rights.md), admin role only: export of
 * everything held about a customer, erasure (their items, and their raw mail in S3), the merges that
 * made the customer and the split that undoes one.
 */
export const DATA_RIGHTS_FUNCTIONS = [
  {
    kind: 'http',
    name: 'customers-export',
    entry: 'functions/customers/export.ts',
    method: 'GET',
    path: '/v1/customers/{id}/export',
    auth: 'staff',
    // Writes only its audit record.
    access: { table: 'write' },
    timeoutSeconds: 29,
    memoryMb: 512,
  },
  {
    kind: 'http',
    name: 'customers-erase',
    entry: 'functions/customers/erase.ts',
    method: 'DELETE',
    path: '/v1/customers/{id}',
    auth: 'staff',
    access: { table: 'write', deletesInboundMail: true },
    // The HTTP API waits 30 s; an erasure cut short is finished by asking again (it is idempotent).
    timeoutSeconds: 29,
    memoryMb: 512,
  },
  {
    kind: 'http',
    name: 'customers-merges',
    entry: 'functions/customers/merges.ts',
    method: 'GET',
    path: '/v1/customers/{id}/merges',
    auth: 'staff',
    access: { table: 'read' },
  },
  {
    kind: 'http',
    name: 'customers-split',
    entry: 'functions/customers/split.ts',
    method: 'POST',
    path: '/v1/customers/{id}/split',
    auth: 'staff',
    access: { table: 'write' },
    timeoutSeconds: 29,
  },
] as const satisfies readonly FunctionDefinition[];
