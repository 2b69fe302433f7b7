import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type HttpEvent, type HttpResult, STAFF_ROLES } from '../../functions/lib/http.js';
import { FUNCTIONS, type HttpFunction } from '../../functions/manifest.js';
import { OPERATIONS } from '../../functions/openapi/operations.js';
import { CHAT_TEST_ENV } from '../support/chat.js';
import { loadEvent } from '../support/events.js';
import { lambdaContext, setHandlerEnv } from '../support/lambda.js';

/**
 * The roles the OpenAPI document lists for each staff route are the roles its handler lets through:
 * every other role gets 403, and a listed role gets past the role check (whatever the empty request
 * then earns: a 400, 404 or 415).
 */

type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;
const root = fileURLToPath(new URL('../../', import.meta.url));
const staffRoutes = FUNCTIONS.filter(
  (fn): fn is HttpFunction & (typeof FUNCTIONS)[number] => fn.kind === 'http' && fn.auth === 'staff',
);
const dynamo = mockClient(DynamoDBDocumentClient);
const dynamoLow = mockClient(DynamoDBClient);
const handlers = new Map<string, Handler>();

beforeAll(async () => {
  setHandlerEnv(CHAT_TEST_ENV);
  for (const route of staffRoutes) {
    const module = (await import(pathToFileURL(resolve(root, route.entry)).href)) as { handler: Handler };
    handlers.set(route.name, module.handler);
  }
});

afterEach(() => {
  dynamo.reset();
  dynamoLow.reset();
});

/** A request with nothing in it but a verified staff caller holding `role`. */
function emptyRequestAs(route: HttpFunction, role: string): HttpEvent {
  const event = loadEvent<HttpEvent>('http/staff-get-customer.json');
  const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
  claims['cognito:groups'] = `[${role}]`;
  return {
    ...event,
    routeKey: `${route.method} ${route.path}`,
    rawPath: route.path,
    pathParameters: {},
    headers: { ...event.headers },
    requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method: route.method } },
  };
}

describe.each(staffRoutes.map((route) => [route.name, route] as const))('%s', (name, route) => {
  const documented = OPERATIONS[name].roles ?? [];

  it.each(STAFF_ROLES.map((role) => [role, documented.includes(role)] as const))(
    'lets %s through only when the document lists the role (%s)',
    async (role, listed) => {
      // Prepare
      dynamo.onAnyCommand().resolves({});
      dynamoLow.onAnyCommand().resolves({});
      const handler = handlers.get(name);
      if (!handler) throw new Error(`${name} was not loaded`);

      // Act
      const result = await handler(emptyRequestAs(route, role), lambdaContext());

      // Assess
      if (listed) expect([401, 403]).not.toContain(result.statusCode);
      else expect(result.statusCode).toBe(403);
    },
  );
});
