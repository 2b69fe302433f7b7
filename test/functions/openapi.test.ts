import { readFile } from 'node:fs/promises';
import { Validator } from '@seriousme/openapi-schema-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../functions/lib/http.js';
import { FUNCTIONS, type HttpFunction } from '../../functions/manifest.js';
import { buildOpenApiDocument } from '../../functions/openapi/document.js';
import { OPENAPI_FILE, openApiFileText } from '../../scripts/openapi.js';
import { contractViolation } from '../support/contract.js';
import { loadEvent } from '../support/events.js';
import { lambdaContext, setHandlerEnv } from '../support/lambda.js';

/** The OpenAPI document: generated from the handlers' schemas, committed, valid, complete and served. */

interface Operation {
  readonly operationId: string;
  readonly security: readonly Record<string, readonly string[]>[];
  readonly responses: Record<string, unknown>;
  readonly requestBody?: unknown;
}

const document = buildOpenApiDocument();
const httpRoutes = FUNCTIONS.filter(
  (fn): fn is HttpFunction & (typeof FUNCTIONS)[number] => fn.kind === 'http',
);

function operationOf(route: HttpFunction): Operation {
  const operation = (document.paths[route.path] as Record<string, Operation> | undefined)?.[
    route.method.toLowerCase()
  ];
  if (!operation) throw new Error(`no operation for ${route.method} ${route.path}`);
  return operation;
}

describe('the OpenAPI document', () => {
  it('is committed as docs/openapi.json exactly as the code generates it (run npm run openapi)', async () => {
    // Act
    const committed = await readFile(OPENAPI_FILE, 'utf8');

    // Assess
    expect(committed === openApiFileText(), 'docs/openapi.json is out of date: run npm run openapi').toBe(
      true,
    );
  });

  it('is a valid OpenAPI 3.1 document by an independent validator', async () => {
    // Prepare
    const validator = new Validator();

    // Act
    const result = await validator.validate(structuredClone(document));

    // Assess
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every HTTP route of the manifest, and nothing else', () => {
    // Act
    const described = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );

    // Assess
    expect(described.sort()).toEqual(httpRoutes.map((route) => `${route.method} ${route.path}`).sort());
  });

  it.each(httpRoutes.map((route) => [route.name, route] as const))(
    'gives %s the security of its auth',
    (_name, route) => {
      // Act
      const { security } = operationOf(route);

      // Assess
      const expected: Record<string, string | undefined> = {
        staff: 'staffJwt',
        'visitor-token': 'visitorToken',
        'twilio-signature': 'twilioSignature',
      };
      const scheme = expected[route.auth];
      if (scheme === undefined) {
        expect(security).toEqual([]);
      } else {
        expect(security).toHaveLength(1);
        expect(Object.keys(security[0] ?? {})).toEqual([scheme]);
      }
      if (route.auth === 'staff') expect(security[0]?.staffJwt?.length).toBeGreaterThan(0);
    },
  );

  it.each(httpRoutes.map((route) => [route.name, route] as const))(
    'lists the errors %s can answer: throttling, and those of its auth and body',
    (_name, route) => {
      // Act
      const { responses, requestBody } = operationOf(route);

      // Assess
      const statuses = Object.keys(responses).map(Number);
      expect(statuses).toContain(429);
      expect(statuses).toContain(500);
      if (route.auth === 'staff') expect(statuses).toEqual(expect.arrayContaining([401, 403]));
      if (route.auth === 'visitor-token' || route.auth === 'verification-link')
        expect(statuses).toContain(401);
      if (route.auth === 'twilio-signature') expect(statuses).toContain(403);
      if (requestBody) expect(statuses).toEqual(expect.arrayContaining([400, 413, 415]));
    },
  );
});

describe('the contract check of the end-to-end suites', () => {
  const customer = {
    customerId: '01JDQ3V9XK4T2B7Y8Z0M5N6P7Q',
    identities: [{ kind: 'email', value: 'ada@example.com', trust: 'verified' }],
    consent: {},
    mergedFrom: [],
    createdAt: '2026-11-01T10:00:00.000Z',
    updatedAt: '2026-11-01T10:00:00.000Z',
  };
  const get = (status: number, body: unknown, contentType = 'application/json') => ({
    method: 'GET',
    path: `/v1/customers/${customer.customerId}`,
    status,
    contentType,
    body: JSON.stringify(body),
  });

  it('accepts a response that matches the document', () => {
    expect(contractViolation(get(200, customer))).toBeUndefined();
    expect(contractViolation(get(401, { message: 'Unauthorized' }))).toBeUndefined();
  });

  it('names a body that has drifted from the document', () => {
    expect(contractViolation(get(200, { ...customer, secret: 'x' }))).toMatch(/off the contract/);
    expect(contractViolation(get(404, { error: 'not_found' }))).toMatch(/off the contract/);
  });

  it('names a status or media type the document does not list', () => {
    expect(contractViolation(get(418, {}))).toMatch(/does not list/);
    expect(contractViolation(get(200, customer, 'text/plain'))).toMatch(/documented as application\/json/);
  });

  it('leaves paths that are not API operations alone', () => {
    expect(contractViolation({ ...get(200, {}), path: '/local/outbox' })).toBeUndefined();
  });
});

describe('GET /v1/openapi.json', () => {
  type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;
  let handler: Handler;

  beforeAll(async () => {
    setHandlerEnv();
    ({ handler } = await import('../../functions/openapi/handler.js'));
  });

  it('serves the committed document to anyone, cacheable', async () => {
    // Prepare
    const event = loadEvent<HttpEvent>('http/chat-create-session.json');
    delete event.body;

    // Act
    const result = await handler(
      { ...event, routeKey: 'GET /v1/openapi.json', rawPath: '/v1/openapi.json' },
      lambdaContext(),
    );

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['cache-control']).toBe('public, max-age=300');
    expect(JSON.parse(result.body ?? '')).toEqual(JSON.parse(openApiFileText()));
  });
});
