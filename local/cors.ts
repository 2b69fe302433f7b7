import type { GatewayResponse } from './apigw-v2.js';

/**
 * CORS as the API Gateway HTTP API does it when the API has a CORS configuration: it answers preflights
 * itself (for any path, before routes and authorizers) and puts its own CORS headers on every response,
 * ignoring those the integration returned.
 */

/** An HTTP API's CORS configuration (CloudFormation `CorsConfiguration`). */
export interface CorsConfiguration {
  /** Exact origins, e.g. `http://127.0.0.1:3001`; `*` is never configured here. */
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly maxAgeSeconds?: number;
}

/** True for a CORS preflight: OPTIONS with an Origin and Access-Control-Request-Method. */
export function isPreflight(method: string, headers: Readonly<Record<string, string>>): boolean {
  return (
    method === 'OPTIONS' &&
    headers.origin !== undefined &&
    headers['access-control-request-method'] !== undefined
  );
}

/**
 * The answer to a preflight (headers lower-cased): 204, with the allow headers only when the origin,
 * the method and every requested header are allowed, so the browser refuses anything else.
 */
export function preflightResponse(
  cors: CorsConfiguration,
  headers: Readonly<Record<string, string>>,
): GatewayResponse {
  const origin = headers.origin ?? '';
  const method = (headers['access-control-request-method'] ?? '').toUpperCase();
  const requested = (headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((header) => header.trim().toLowerCase())
    .filter((header) => header !== '');
  const allowedHeaders = cors.allowHeaders.map((header) => header.toLowerCase());
  const allowed =
    cors.allowOrigins.includes(origin) &&
    cors.allowMethods.includes(method) &&
    requested.every((header) => allowedHeaders.includes(header));
  return {
    statusCode: 204,
    headers: allowed
      ? {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': cors.allowMethods.join(','),
          'access-control-allow-headers': allowedHeaders.join(','),
          ...(cors.maxAgeSeconds === undefined
            ? {}
            : { 'access-control-max-age': String(cors.maxAgeSeconds) }),
          vary: 'origin',
        }
      : { vary: 'origin' },
    cookies: [],
    body: Buffer.alloc(0),
  };
}

/** A response with the API's CORS headers for `origin` in place of any the integration set. */
export function withCorsHeaders(
  cors: CorsConfiguration,
  origin: string | undefined,
  response: GatewayResponse,
): GatewayResponse {
  const kept = Object.entries(response.headers).filter(([name]) => !/^access-control-/i.test(name));
  const allowed = origin !== undefined && cors.allowOrigins.includes(origin);
  return {
    ...response,
    headers: {
      ...Object.fromEntries(kept),
      ...(allowed ? { 'access-control-allow-origin': origin } : {}),
      vary: 'origin',
    },
  };
}
