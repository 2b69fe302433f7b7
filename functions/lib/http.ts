import middy, { type MiddlewareObj } from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import type * as z from 'zod/mini';
import {
  CarebridgeError,
  ConflictError,
  ContentionError,
  DeliveryError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  NotDeliverableError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from '../../shared/errors.js';
import { fieldIssues } from '../../shared/schemas/issues.js';
import { injectLambdaContext, logger } from './logger.js';

/** Every HTTP handler's event and result: API Gateway HTTP API, payload format 2.0. */
export type HttpEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { jwt?: { claims?: Record<string, unknown>; scopes?: string[] | null } };
  };
};
export type HttpResult = APIGatewayProxyStructuredResultV2;
type HttpMiddleware = MiddlewareObj<HttpEvent, APIGatewayProxyResultV2>;

/** A JSON response. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/** Parses untrusted input with a schema; failures become a ValidationError naming each field. */
export function parseInput<S extends z.ZodMiniType>(schema: S, input: unknown, prefix?: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ValidationError('request failed validation', fieldIssues(parsed.error, prefix), {
    cause: parsed.error,
  });
}

/** An error of the HTTP edge itself (size, media type), with its status. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a JSON body: refuses it above `maxBytes` before anything parses it (413), requires a JSON
 * content type (415), decodes base64 and parses (400 when malformed). The result is still unvalidated.
 */
export function readJsonBody(event: HttpEvent, maxBytes: number): unknown {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes)
    throw new HttpError(413, 'payload_too_large', `body exceeds ${maxBytes} bytes`);
  if (!/^application\/json\b/i.test(headerValue(event, 'content-type') ?? '')) {
    throw new HttpError(415, 'unsupported_media_type', 'send application/json');
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ValidationError('body is not valid JSON', [{ path: '(body)', message: 'malformed JSON' }], {
      cause: error,
    });
  }
}

/**
 * Reads an HTML form's body (`application/x-www-form-urlencoded`): refused above `maxBytes` (413) or with
 * another content type (415). Repeated fields keep their first value. The result is still unvalidated.
 */
export function readFormBody(event: HttpEvent, maxBytes: number): Record<string, string> {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes)
    throw new HttpError(413, 'payload_too_large', `body exceeds ${maxBytes} bytes`);
  if (!/^application\/x-www-form-urlencoded\b/i.test(headerValue(event, 'content-type') ?? '')) {
    throw new HttpError(415, 'unsupported_media_type', 'send application/x-www-form-urlencoded');
  }
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(bytes.toString('utf8'))) fields[name] ??= value;
  return fields;
}

/** A header by case-insensitive name. */
export function headerValue(event: HttpEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** Staff roles; a user's Cognito groups carry them. */
export const STAFF_ROLES = ['agent', 'supervisor', 'marketing', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/**
 * The caller's staff roles from the JWT the API Gateway authorizer verified. API Gateway passes an
 * array claim such as `cognito:groups` as the string "[agent supervisor]"; a real array is accepted too.
 */
export function callerRoles(event: HttpEvent): StaffRole[] {
  const claim = event.requestContext.authorizer?.jwt?.claims?.['cognito:groups'];
  const values = Array.isArray(claim)
    ? claim.map(String)
    : typeof claim === 'string'
      ? claim.replace(/^\[|\]$/g, '').split(/[\s,]+/)
      : [];
  return STAFF_ROLES.filter((role) => values.includes(role));
}

/** The verified caller's subject (`sub` claim); requireRole has made sure it is there. */
export function callerSubject(event: HttpEvent): string {
  const subject = event.requestContext.authorizer?.jwt?.claims?.sub;
  if (typeof subject !== 'string') throw new UnauthorizedError('authentication required');
  return subject;
}

/**
 * Lets the request through only for a verified caller holding one of `roles`: 401 without verified
 * claims (defence in depth behind the authorizer), 403 for a role that may not.
 */
export function requireRole(...roles: StaffRole[]): HttpMiddleware {
  return {
    before: (request) => {
      const claims = request.event.requestContext.authorizer?.jwt?.claims;
      if (!claims || typeof claims.sub !== 'string') throw new UnauthorizedError('authentication required');
      if (!callerRoles(request.event).some((role) => roles.includes(role))) {
        throw new ForbiddenError('your role may not do this');
      }
    },
  };
}

/**
 * Maps errors to responses: domain errors to their status with a JSON body, anything else to a
 * generic 500 that reveals nothing (the error is logged, without request data).
 */
export function errorResponses(): HttpMiddleware {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof ValidationError) {
        request.response = json(400, {
          error: 'validation_failed',
          message: error.message,
          issues: error.issues.map((issue) => ({ field: issue.path, message: issue.message })),
        });
        return request.response;
      }
      if (error instanceof HttpError) {
        request.response = json(error.statusCode, { error: error.code, message: error.message });
        return request.response;
      }
      if (error instanceof NotDeliverableError) {
        request.response = json(409, {
          error: 'not_deliverable',
          reason: error.reason,
          message: error.message,
        });
        return request.response;
      }
      if (error instanceof CarebridgeError) {
        const [status, code] = statusOf(error);
        if (status >= 500) logger.error('request failed', { errorName: error.name });
        request.response = json(status, { error: code, message: error.message });
        return request.response;
      }
      logger.error('unexpected error', { error: error ?? undefined });
      request.response = json(500, { error: 'internal_error', message: 'something went wrong on our side' });
      return request.response;
    },
  };
}

function statusOf(error: CarebridgeError): [number, string] {
  if (error instanceof UnauthorizedError) return [401, 'unauthorized'];
  if (error instanceof ForbiddenError) return [403, 'forbidden'];
  if (error instanceof NotFoundError) return [404, 'not_found'];
  if (error instanceof IdempotencyKeyReusedError) return [409, 'idempotency_key_reused'];
  if (error instanceof ConflictError) return [409, 'conflict'];
  if (error instanceof ContentionError) return [503, 'busy'];
  if (error instanceof DeliveryError) return [502, 'delivery_failed'];
  return [500, 'internal_error'];
}

/**
 * The one way to build an HTTP API handler: logs carry the Lambda context, errors map to responses
 * (errorResponses), and with `roles` only verified staff holding one of them get through (requireRole).
 */
export function httpHandler(
  handle: (event: HttpEvent) => Promise<HttpResult>,
  options: { readonly roles?: readonly StaffRole[] } = {},
) {
  const chain = middy<HttpEvent, HttpResult>().use(injectLambdaContext(logger)).use(errorResponses());
  if (options.roles) chain.use(requireRole(...options.roles));
  return chain.handler(handle);
}
