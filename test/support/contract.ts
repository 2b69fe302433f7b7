import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import document from '../../docs/openapi.json' with { type: 'json' };
import { matchRoute, parseRouteTemplate } from '../../local/gateway.js';

/**
 * Holds the API to its contract: every response an end-to-end test receives from the API is checked
 * against docs/openapi.json (the documented status for that operation, its media type and, for JSON,
 * the body against the schema), so the document cannot drift from what the handlers answer.
 */

/** One response as a client received it. */
export interface ReceivedResponse {
  readonly method: string;
  /** The path as requested, e.g. `/v1/customers/01H…/timeline` (a query is ignored). */
  readonly path: string;
  readonly status: number;
  readonly contentType: string | undefined;
  /** The body as text. */
  readonly body: string;
}

const DOCUMENT_ID = 'https://carebridge.local/openapi.json';
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ ...document, $id: DOCUMENT_ID });

interface Operation {
  readonly responses?: Record<string, { readonly content?: Record<string, unknown> }>;
}
type PathItem = Record<string, Operation>;
const paths = document.paths as unknown as Record<string, PathItem>;
const candidates = Object.entries(paths).flatMap(([path, item]) =>
  Object.keys(item).map((method) => ({
    path,
    method: method.toUpperCase(),
    template: parseRouteTemplate(path),
  })),
);

/**
 * What is wrong with a response by the contract, or undefined when it conforms. Paths the document does
 * not describe (local-only routes, an unknown route) are not API operations: nothing is checked.
 */
export function contractViolation(response: ReceivedResponse): string | undefined {
  const path = response.path.split('?')[0] ?? '';
  const match = matchRoute(candidates, response.method, path);
  const candidate = match === undefined ? undefined : candidates[match.index];
  if (!candidate) return undefined;
  const where = `${response.method} ${candidate.path} answered ${response.status}`;
  const documented = paths[candidate.path]?.[candidate.method.toLowerCase()]?.responses?.[response.status];
  if (!documented) return `${where}, which the document does not list`;
  const content = documented.content ?? {};
  if (Object.keys(content).length === 0) {
    return response.body === '' ? undefined : `${where} with a body the document does not describe`;
  }
  const mediaType = (response.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!(mediaType in content)) {
    return `${where} as ${mediaType || 'no media type'}, documented as ${Object.keys(content).join(', ')}`;
  }
  if (mediaType !== 'application/json') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return `${where} with a body that is not JSON`;
  }
  const pointer = [
    'paths',
    candidate.path,
    candidate.method.toLowerCase(),
    'responses',
    String(response.status),
  ]
    .map(escapePointer)
    .join('/');
  const validate = ajv.getSchema(`${DOCUMENT_ID}#/${pointer}/content/application~1json/schema`);
  if (!validate) return `${where}: no schema in the document`;
  if (validate(body)) return undefined;
  const errors = (validate.errors ?? [])
    .slice(0, 5)
    .map(
      (error) => `${error.instancePath || '(body)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
    );
  return `${where} with a body off the contract: ${errors.join('; ')}`;
}

/** Throws when a response breaks the contract. */
export function expectContract(response: ReceivedResponse): void {
  const violation = contractViolation(response);
  if (violation) throw new Error(`OpenAPI contract broken: ${violation}`);
}

/**
 * `fetch`, then the response checked against the contract when it comes from the API: a drop-in for
 * tests that call the API directly. The returned response can still be read.
 */
export async function checkedFetch(input: string | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  const url = new URL(input);
  expectContract({
    method: init?.method ?? 'GET',
    path: url.pathname,
    status: response.status,
    contentType: response.headers.get('content-type') ?? undefined,
    body: await response.clone().text(),
  });
  return response;
}

function escapePointer(segment: string): string {
  return encodeURIComponent(segment.replaceAll('~', '~0').replaceAll('/', '~1'));
}
