import type { StaffRole } from '../../functions/lib/http.js';
import type { LocalStack } from '../../local/stack.js';
import { expectContract } from './contract.js';

/** An HTTP answer of the local gateway; JSON bodies parsed, others as text. */
export interface ApiReply {
  readonly status: number;
  readonly body: unknown;
}

/**
 * A client of a running local stack's API: `call(path, {role, method, body})` with the dev tokens. Every
 * answer is checked against the OpenAPI document (test/support/contract.ts) before the test sees it.
 */
export function localApi(stack: () => LocalStack) {
  return async function call(
    path: string,
    init: { role?: StaffRole; method?: string; body?: unknown } = {},
  ): Promise<ApiReply> {
    const { info } = stack();
    const headers: Record<string, string> = {};
    if (init.role) headers.authorization = `Bearer ${info.tokens[init.role]}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${info.apiUrl}${path}`, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? undefined;
    expectContract({ method: init.method ?? 'GET', path, status: response.status, contentType, body: text });
    const isJson = response.headers.get('content-type')?.startsWith('application/json') ?? false;
    return { status: response.status, body: isJson && text !== '' ? JSON.parse(text) : text };
  };
}
