import { randomBytes } from 'node:crypto';
import type { HttpEvent } from '../functions/lib/http.js';

/**
 * API Gateway HTTP API (payload format 2.0) as the local gateway reproduces it: the event a Lambda
 * handler receives and the mapping of whatever it returns back to an HTTP response. Pure functions, so
 * the fidelity to the deployed API is tested without a server.
 */

/** An HTTP request as the gateway read it off the socket. */
export interface GatewayRequest {
  readonly method: string;
  /** Path and query exactly as sent, e.g. `/v1/customers?email=a%40b.c`. */
  readonly url: string;
  /** Header name/value pairs in arrival order (Node's `rawHeaders`, paired). */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  readonly sourceIp: string;
  /** e.g. `HTTP/1.1`. */
  readonly protocol: string;
}

/** Where the request was routed and who the gateway is. */
export interface GatewayInvocation {
  /** The route's key, e.g. `GET /v1/customers/{id}`. */
  readonly routeKey: string;
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly requestId: string;
  /** Request time (epoch ms); the local stack passes warped time here. */
  readonly timeEpoch: number;
  readonly apiId: string;
  readonly accountId: string;
  /** Claims the JWT authorizer verified, already rendered as API Gateway passes them. */
  readonly jwtClaims?: Readonly<Record<string, string>>;
}

/** The response API Gateway would send for a handler's result. */
export interface GatewayResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly cookies: readonly string[];
  readonly body: Buffer;
}

/** API Gateway's answer when the integration fails or returns something it cannot map. */
export const INTERNAL_SERVER_ERROR: GatewayResponse = jsonMessage(500, 'Internal Server Error');

/** A `{"message": ...}` response like the ones API Gateway itself produces (404, 401, 429, ...). */
export function jsonMessage(
  statusCode: number,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): GatewayResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    cookies: [],
    body: Buffer.from(JSON.stringify({ message }), 'utf8'),
  };
}

/** A request id in API Gateway's style (`CkO2ph8UoAMEbWQ=`). */
export function newRequestId(): string {
  return randomBytes(11).toString('base64');
}

/**
 * Builds the payload-2.0 event API Gateway sends for `request`: header names lower-cased and repeats
 * comma-joined, cookies split out of the Cookie header, query parameters decoded with repeats
 * comma-joined, optional fields absent when empty, and a body that is not text base64-encoded.
 */
export function buildHttpEvent(request: GatewayRequest, invocation: GatewayInvocation): HttpEvent {
  const queryStart = request.url.indexOf('?');
  const rawPath = queryStart === -1 ? request.url : request.url.slice(0, queryStart);
  const rawQueryString = queryStart === -1 ? '' : request.url.slice(queryStart + 1);
  const { headers, cookies } = eventHeaders(request.headers);
  const host = headers.host ?? 'localhost';
  const domainName = host.replace(/:\d+$/, '');
  const userAgent = headers['user-agent'] ?? '';
  const queryStringParameters = parseQueryString(rawQueryString);
  const event: HttpEvent = {
    version: '2.0',
    routeKey: invocation.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: invocation.accountId,
      apiId: invocation.apiId,
      ...(invocation.jwtClaims
        ? // No route declares authorization scopes, and API Gateway then passes `scopes: null`.
          { authorizer: { jwt: { claims: { ...invocation.jwtClaims }, scopes: null } } }
        : {}),
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: request.method,
        path: rawPath,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent,
      },
      requestId: invocation.requestId,
      routeKey: invocation.routeKey,
      stage: '$default',
      time: formatRequestTime(invocation.timeEpoch),
      timeEpoch: invocation.timeEpoch,
    },
    ...(invocation.pathParameters && Object.keys(invocation.pathParameters).length > 0
      ? { pathParameters: { ...invocation.pathParameters } }
      : {}),
    isBase64Encoded: false,
  };
  if (request.body.length > 0) {
    const asText = isTextBody(headers['content-type'], headers['content-encoding']);
    event.body = asText ? request.body.toString('utf8') : request.body.toString('base64');
    event.isBase64Encoded = !asText;
  }
  return event;
}

function eventHeaders(pairs: GatewayRequest['headers']): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [rawName, value] of pairs) {
    const name = rawName.toLowerCase();
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((cookie) => cookie.trim())
          .filter((cookie) => cookie !== ''),
      );
      continue;
    }
    const previous = headers[name];
    headers[name] = previous === undefined ? value : `${previous},${value}`;
  }
  return { headers, cookies };
}

/** Query parameters as API Gateway passes them: decoded, repeats comma-joined; undefined when none. */
export function parseQueryString(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    const previous = parameters[name];
    parameters[name] = previous === undefined ? value : `${previous},${value}`;
  }
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}

const TEXT_CONTENT_TYPE =
  /^(text\/[^;]+|application\/(json|[^;]+\+json|xml|[^;]+\+xml|javascript|graphql|x-amz-json-[\d.]+))\s*(;|$)/i;

/**
 * Whether API Gateway passes a body as text: text and JSON/XML media types without a content encoding.
 * Anything else (form-urlencoded, multipart, binary, no content type) arrives base64-encoded.
 */
export function isTextBody(contentType: string | undefined, contentEncoding: string | undefined): boolean {
  if (contentEncoding !== undefined && contentEncoding.trim().toLowerCase() !== 'identity') return false;
  return contentType !== undefined && TEXT_CONTENT_TYPE.test(contentType.trim());
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `requestContext.time` in API Gateway's format: `21/Apr/2020:15:08:21 +0000`. */
export function formatRequestTime(epochMs: number): string {
  const date = new Date(epochMs);
  const two = (value: number) => String(value).padStart(2, '0');
  return (
    `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
  );
}

/**
 * JWT claims as the API Gateway JWT authorizer hands them to the integration: every value a string,
 * arrays in the bracketed, space-separated form (`cognito:groups` → `[agent admin]`).
 */
export function renderClaims(claims: Readonly<Record<string, unknown>>): Record<string, string> {
  const rendered: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined) continue;
    rendered[name] = renderClaim(value);
  }
  return rendered;
}

function renderClaim(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(renderClaim).join(' ')}]`;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Maps a handler's result to the response API Gateway sends. A result with a `statusCode` is taken
 * as the structured format (headers, cookies, body, isBase64Encoded); any other result is the
 * body of a 200 `application/json` response (a string as it is, anything else as JSON). A structured
 * result API Gateway could not map becomes its 500.
 */
export function toGatewayResponse(result: unknown): GatewayResponse {
  if (!isStructuredResult(result)) {
    const body = typeof result === 'string' ? result : (JSON.stringify(result) ?? 'null');
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: Buffer.from(body, 'utf8'),
    };
  }
  const { statusCode, headers = {}, cookies = [], body = '', isBase64Encoded = false } = result;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    return INTERNAL_SERVER_ERROR;
  }
  if (typeof body !== 'string' || typeof isBase64Encoded !== 'boolean') return INTERNAL_SERVER_ERROR;
  if (!Array.isArray(cookies) || !cookies.every((cookie) => typeof cookie === 'string')) {
    return INTERNAL_SERVER_ERROR;
  }
  const responseHeaders: Record<string, string> = {};
  if (headers === null || typeof headers !== 'object') return INTERNAL_SERVER_ERROR;
  for (const [name, value] of Object.entries(headers)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) return INTERNAL_SERVER_ERROR;
    responseHeaders[name.toLowerCase()] = String(value);
  }
  return {
    statusCode,
    headers: responseHeaders,
    cookies,
    body: isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8'),
  };
}

interface StructuredResult {
  readonly statusCode: unknown;
  readonly headers?: unknown;
  readonly cookies?: unknown;
  readonly body?: unknown;
  readonly isBase64Encoded?: unknown;
}

function isStructuredResult(result: unknown): result is StructuredResult {
  return result !== null && typeof result === 'object' && !Array.isArray(result) && 'statusCode' in result;
}
