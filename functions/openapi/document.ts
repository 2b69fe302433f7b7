import * as z from 'zod/mini';
import packageJson from '../../package.json' with { type: 'json' };
import { IdSchema, IsoTimestampSchema, TrustedIdentitySchema } from '../../shared/schemas/index.js';
import { FUNCTIONS, type HttpFunction } from '../manifest.js';
import { OPERATIONS, type OperationBody, type OperationContract, type SpecificError } from './operations.js';
import {
  ChatMessageViewSchema,
  ErrorBodySchema,
  GatewayMessageSchema,
  InteractionSchema,
  ReplyPreviewSchema,
  ValidationErrorBodySchema,
} from './schemas.js';

/** A JSON Schema or OpenAPI object, as generated. */
type Json = { [key: string]: unknown };

/** The OpenAPI 3.1 document: plain JSON, as served at `GET /v1/openapi.json` and kept in docs/openapi.json. */
export type OpenApiDocument = Json & { readonly openapi: '3.1.1'; readonly paths: Record<string, Json> };

const COMPONENT_REF = (id: string) => `#/components/schemas/${id}`;

const TAGS = [
  { name: 'Channels', description: 'Customers write in: the web form and provider webhooks.' },
  {
    name: 'Chat',
    description: 'Live chat: sessions and history; messages flow over the WebSocket API (docs/chat.md).',
  },
  { name: 'Customers', description: 'Staff: one customer, every identity, one timeline.' },
  { name: 'Conversations', description: 'Staff: concerns, their context, replies, notes and moves.' },
  { name: 'Agents', description: 'Staff: agent profiles, availability and work queues.' },
  { name: 'Routing', description: 'Supervisors: routing definitions.' },
  {
    name: 'Identity',
    description: 'Verification links mailed to claimed addresses (docs/identity-trust.md).',
  },
  {
    name: 'Knowledge base',
    description: 'Admins: the articles the e-level answers standard concerns with (docs/routing.md).',
  },
  {
    name: 'Campaigns',
    description:
      'Marketing: retention and follow-up campaigns, their recipients, and one-click unsubscribe (docs/campaigns.md).',
  },
  {
    name: 'Reports',
    description: 'Supervisors and marketing: how care performs, from daily aggregates (docs/reporting.md).',
  },
  { name: 'API', description: 'This description.' },
] as const;

const SECURITY_SCHEMES = {
  staffJwt: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      "A staff member's token from the user pool, checked by API Gateway's JWT authorizer; the roles an operation lists are matched against the `cognito:groups` claim (401 without a valid token, 403 without one of the roles).",
  },
  visitorToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      "A chat visitor's token, from `POST /v1/chat/sessions`; valid for that session only, 24 hours.",
  },
  twilioSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Twilio-Signature',
    description: "Twilio's request signature (HMAC-SHA1 of the webhook URL and the form parameters).",
  },
} as const;

/** Plain values named once and referred to, on both sides (they have no transforms). */
const COMMON_COMPONENTS: readonly (readonly [string, z.ZodMiniType])[] = [
  ['Id', IdSchema],
  ['Timestamp', IsoTimestampSchema],
];

/** Components every document has, beside those the operations name. */
const SHARED_OUTPUT_COMPONENTS: readonly (readonly [string, z.ZodMiniType])[] = [
  ['TrustedIdentity', TrustedIdentitySchema],
  ['Interaction', InteractionSchema],
  ['ChatMessage', ChatMessageViewSchema],
  ['ReplyPreview', ReplyPreviewSchema],
  ['Error', ErrorBodySchema],
  ['ValidationError', ValidationErrorBodySchema],
  ['GatewayMessage', GatewayMessageSchema],
];

/**
 * Builds the OpenAPI 3.1 document of every HTTP route of functions/manifest.ts from the zod schemas the
 * handlers validate with (zod's JSON Schema output: the input side for requests, the output side for
 * responses), with each route's security, and the error bodies functions/lib/http.ts and API Gateway
 * answer. Deterministic: the same code gives the same document, byte for byte.
 */
export function buildOpenApiDocument(): OpenApiDocument {
  const routes = FUNCTIONS.filter((fn): fn is Extract<typeof fn, { kind: 'http' }> => fn.kind === 'http');
  const inputs = new ComponentSet('input');
  const outputs = new ComponentSet('output');
  for (const [id, schema] of COMMON_COMPONENTS) {
    inputs.add(id, schema);
    outputs.add(id, schema);
  }
  for (const [id, schema] of SHARED_OUTPUT_COMPONENTS) outputs.add(id, schema);
  for (const route of routes) {
    const operation = OPERATIONS[route.name];
    if (operation.requestBody?.mediaType === 'application/json') {
      inputs.add(operation.requestBody.component, operation.requestBody.schema);
    }
    if (operation.success.body.mediaType === 'application/json') {
      outputs.add(operation.success.body.component, operation.success.body.schema);
    }
  }

  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const methods = paths[route.path] ?? {};
    methods[route.method.toLowerCase()] = operationObject(route, OPERATIONS[route.name]);
    paths[route.path] = methods;
  }

  return {
    openapi: '3.1.1',
    info: {
      title: 'carebridge API',
      version: packageJson.version,
      summary: 'Multichannel customer care: web form, chat, SMS and email in; one customer, one timeline.',
      description:
        'Generated from the zod schemas the handlers validate with (`npm run openapi`); do not edit by hand. Every body of our own API is strict: unknown fields are refused with 400 naming them. Errors answer `{error, message}` (400 adds `issues`, each naming a field); API Gateway itself answers `{message}` when it refuses a request (staff token, throttling, size).',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/', description: 'This API (the HTTP API stage, or the local gateway)' }],
    tags: TAGS.map((tag) => ({ ...tag })),
    paths,
    components: {
      schemas: mergeComponents(inputs.toJsonSchemas(), outputs.toJsonSchemas()),
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}

/** Named schemas of one side (request or response), turned into `components.schemas` together. */
class ComponentSet {
  private readonly registry = z.registry<{ id: string }>();
  private readonly byId = new Map<string, z.ZodMiniType>();

  constructor(private readonly io: 'input' | 'output') {}

  add(id: string, schema: z.ZodMiniType): void {
    const known = this.byId.get(id);
    if (known === schema) return;
    if (known) throw new Error(`two different schemas are named ${id} in the OpenAPI document`);
    this.byId.set(id, schema);
    this.registry.add(schema, { id });
  }

  toJsonSchemas(): Record<string, Json> {
    const { schemas } = z.toJSONSchema(this.registry, {
      io: this.io,
      uri: COMPONENT_REF,
      // Refinements and transforms have no JSON Schema; the side described (input or output) is exact.
      unrepresentable: 'any',
    });
    return Object.fromEntries(
      Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema]),
    );
  }
}

/** Request and response components in one namespace; a name on both sides must mean the same schema. */
function mergeComponents(inputs: Record<string, Json>, outputs: Record<string, Json>): Record<string, Json> {
  for (const [id, schema] of Object.entries(outputs)) {
    const input = inputs[id];
    if (input !== undefined && JSON.stringify(input) !== JSON.stringify(schema)) {
      throw new Error(`${id} names both a request and a different response schema`);
    }
  }
  return { ...inputs, ...outputs };
}

function operationObject(
  route: HttpFunction & { name: keyof typeof OPERATIONS },
  operation: OperationContract,
): Json {
  const parameters = [...parametersOf(operation.path, 'path'), ...parametersOf(operation.query, 'query')];
  return {
    operationId: camelCase(route.name),
    summary: operation.summary,
    description: operation.description,
    tags: [operation.tag],
    security: securityOf(route, operation),
    'x-carebridge-auth': route.auth,
    ...(route.throttle ? { 'x-carebridge-throttle': route.throttle } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(operation.requestBody
      ? {
          requestBody: {
            required: operation.requestBody.required,
            description: `At most ${operation.requestBody.maxBytes / 1024} KB.`,
            content: contentOf(operation.requestBody),
          },
        }
      : {}),
    responses: responsesOf(route, operation),
  };
}

function securityOf(route: HttpFunction, operation: OperationContract): Json[] {
  switch (route.auth) {
    case 'staff':
      if (!operation.roles?.length) throw new Error(`staff route ${route.name} names no roles`);
      return [{ staffJwt: [...operation.roles] }];
    case 'visitor-token':
      return [{ visitorToken: [] }];
    case 'twilio-signature':
      return [{ twilioSignature: [] }];
    default:
      // Public at the gateway: the handler guards itself (honeypot, throttling, a link's token).
      return [];
  }
}

function parametersOf(schema: z.ZodMiniType | undefined, location: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json & {
    properties?: Record<string, Json>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

function contentOf(body: OperationBody): Json {
  switch (body.mediaType) {
    case 'application/json':
      return { 'application/json': { schema: { $ref: COMPONENT_REF(body.component) } } };
    case 'application/x-www-form-urlencoded': {
      const { $schema: _dialect, ...schema } = z.toJSONSchema(body.schema, {
        io: 'input',
        unrepresentable: 'any',
      });
      return { [body.mediaType]: { schema } };
    }
    default:
      return {
        [body.mediaType]: { schema: { type: 'string' }, ...(body.example ? { example: body.example } : {}) },
      };
  }
}

const ERROR = { $ref: COMPONENT_REF('Error') };
const GATEWAY = { $ref: COMPONENT_REF('GatewayMessage') };
const jsonOf = (schema: Json) => ({ 'application/json': { schema } });

function responsesOf(route: HttpFunction, operation: OperationContract): Json {
  const responses: Record<string, Json> = {
    [operation.success.status]: {
      description: operation.success.description,
      content: {
        ...contentOf(operation.success.body),
        ...(operation.success.alternative ? contentOf(operation.success.alternative) : {}),
      },
    },
    ...(operation.success.noContent ? { 204: { description: operation.success.noContent } } : {}),
  };
  const add = (status: number, description: string, content: Json) => {
    responses[status] = { description, content };
  };
  const specific = (status: SpecificError, fallback: string) => operation.errors?.[status] ?? fallback;
  const validates = operation.requestBody || operation.path || operation.query;
  if (validates) {
    add(
      400,
      'The request failed validation; `issues` name each field.',
      jsonOf({ $ref: COMPONENT_REF('ValidationError') }),
    );
  }
  if (route.auth === 'staff') {
    add(
      401,
      'No valid staff token: API Gateway answers `{message: "Unauthorized"}`.',
      jsonOf({ anyOf: [GATEWAY, ERROR] }),
    );
    add(403, specific(403, 'Your role may not do this.'), jsonOf(ERROR));
  }
  if (route.auth === 'visitor-token') add(401, specific(401, 'No valid visitor token.'), jsonOf(ERROR));
  if (route.auth === 'verification-link') {
    add(401, specific(401, 'The link is invalid or expired.'), {
      'text/html': { schema: { type: 'string' } },
    });
  }
  if (route.auth === 'unsubscribe-link' || route.auth === 'survey-link') {
    const html = { 'text/html': { schema: { type: 'string' } } };
    responses[400] = {
      description: 'A field failed validation (`issues` name it), or the link is not valid (an HTML page).',
      content: { ...jsonOf({ $ref: COMPONENT_REF('ValidationError') }), ...html },
    };
    add(410, 'The link has expired (after 30 days); an HTML page naming no one.', html);
  }
  if (route.auth === 'twilio-signature') add(403, specific(403, 'Not signed by Twilio.'), jsonOf(ERROR));
  for (const status of [404, 409, 502, 503] as const) {
    const description = operation.errors?.[status];
    if (description) add(status, description, jsonOf(ERROR));
  }
  if (operation.requestBody) {
    add(
      413,
      `The body is over ${operation.requestBody.maxBytes / 1024} KB (\`payload_too_large\`; API Gateway's \`{message}\` over 10 MB).`,
      jsonOf({ anyOf: [ERROR, GATEWAY] }),
    );
    add(415, `Send ${operation.requestBody.mediaType}.`, jsonOf(ERROR));
  }
  add(
    429,
    route.throttle
      ? `Throttled: this route takes ${route.throttle.rate} requests a second (bursts of ${route.throttle.burst}).`
      : "Throttled by the stage's default limits.",
    jsonOf(GATEWAY),
  );
  add(
    500,
    'Something went wrong on our side; nothing internal is revealed.',
    jsonOf({ anyOf: [ERROR, GATEWAY] }),
  );
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b)));
}

function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
