import type { FunctionDefinition } from '../manifest.js';

/** The knowledge base the e-level answers from: its articles, kept by administrators (admin role only). */
export const KB_FUNCTIONS = [
  {
    kind: 'http',
    name: 'kb-articles-create',
    entry: 'functions/kb/create.ts',
    method: 'POST',
    path: '/v1/kb/articles',
    auth: 'staff',
    access: { table: 'write' },
  },
  {
    kind: 'http',
    name: 'kb-articles-list',
    entry: 'functions/kb/list.ts',
    method: 'GET',
    path: '/v1/kb/articles',
    auth: 'staff',
    access: { table: 'read' },
  },
  {
    kind: 'http',
    name: 'kb-articles-get',
    entry: 'functions/kb/get.ts',
    method: 'GET',
    path: '/v1/kb/articles/{id}',
    auth: 'staff',
    access: { table: 'read' },
  },
  {
    kind: 'http',
    name: 'kb-articles-update',
    entry: 'functions/kb/update.ts',
    method: 'PUT',
    path: '/v1/kb/articles/{id}',
    auth: 'staff',
    access: { table: 'write' },
  },
  {
    kind: 'http',
    name: 'kb-articles-delete',
    entry: 'functions/kb/delete.ts',
    method: 'DELETE',
    path: '/v1/kb/articles/{id}',
    auth: 'staff',
    access: { table: 'write' },
  },
] as const satisfies readonly FunctionDefinition[];
