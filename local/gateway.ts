import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Context } from 'aws-lambda';
import type { HttpEvent } from '../functions/lib/http.js';
import type { RouteAuth } from '../functions/manifest.js';
import {
  buildHttpEvent,
  type GatewayRequest,
  type GatewayResponse,
  INTERNAL_SERVER_ERROR,
  jsonMessage,
  newRequestId,
  toGatewayResponse,
} from './apigw-v2.js';
import { type CorsConfiguration, isPreflight, preflightResponse, withCorsHeaders } from './cors.js';
import type { JwtAuthorizer } from './jwt-authorizer.js';
import { invokeHandler } from './lambda-context.js';
import { readBody } from './request-body.js';

/**
 * The local stand-in for the API Gateway HTTP API: the manifest's routes on 127.0.0.1, each invoking
 * its Lambda handler in-process with a payload-2.0 event, behind the same JWT authorizer and route
 * throttling as the deployed API. It also answers local-only routes (the dev issuer's JWKS, the SMS
 * outbox, ...) and, on the same port, the live chat WebSocket API (see websocket-api.ts).
 */

/** A Lambda handler as the gateway calls it. */
export type HttpHandler = (event: HttpEvent, context: Context) => Promise<unknown>;

/** A route backed by a Lambda function. */
export interface GatewayRoute {
  readonly method: string;
  /** Route path in API Gateway syntax: `/v1/customers/{id}`, `/files/{proxy+}`. */
  readonly path: string;
  /** Only `staff` is checked by the gateway (JWT authorizer); the others are public here. */
  readonly auth: RouteAuth;
  readonly throttle?: { readonly rate: number; readonly burst: number };
  readonly handler: HttpHandler;
  /** A fresh Lambda context per invocation. */
  readonly createContext: () => Context;
}

/** A request to a local route, read whole. */
export interface LocalRequest {
  /** The gateway's own URL, e.g. `http://127.0.0.1:3000`. */
  readonly gatewayUrl: string;
  readonly method: string;
  readonly rawPath: string;
  readonly query: URLSearchParams;
  /** Header names lower-cased, repeats comma-joined. */
  readonly headers: Readonly<Record<string, string>>;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** A route the gateway answers itself, without a Lambda (the dev issuer's JWKS, the SMS outbox, ...). */
export interface LocalRoute {
  readonly method: string;
  /** Route path in API Gateway syntax. */
  readonly path: string;
  readonly respond: (request: LocalRequest) => GatewayResponse | Promise<GatewayResponse>;
}

/** A WebSocket API served on the gateway's port (see websocket-api.ts). */
export interface GatewayWebSocket {
  /**
   * Takes an HTTP upgrade request for a path it serves and answers it (handshake or refusal); false
   * leaves the request to the gateway, which refuses it with 404.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Routes the WebSocket API serves over plain HTTP (the `@connections` management API). */
  readonly localRoutes: readonly LocalRoute[];
  /** Closes every connection and waits for the invocations in progress. */
  stop(): Promise<void>;
}

/** What the gateway serves. */
export interface GatewayApi {
  readonly routes: readonly GatewayRoute[];
  readonly localRoutes?: readonly LocalRoute[];
  /** The JWT authorizer of `staff` routes; required when a route is `staff`. */
  readonly authorizer?: JwtAuthorizer;
  readonly webSocket?: GatewayWebSocket;
  /** The API's CORS configuration, as the CDK app sets it (local/cors.ts); none by default. */
  readonly cors?: CorsConfiguration;
}

export interface GatewayOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free port. */
  readonly port?: number;
  /**
   * What to serve, made once the gateway listens and knows its own URL: handlers whose configuration
   * names the gateway (dev issuer, Twilio webhook URL, `@connections` URL) are loaded here. Requests
   * that arrive before it resolved are answered 503.
   */
  readonly serve: (gatewayUrl: string) => GatewayApi | Promise<GatewayApi>;
  /** Request time for `requestContext.timeEpoch` (epoch ms); the local stack passes warped time. */
  readonly now?: () => number;
  readonly apiId?: string;
  readonly accountId?: string;
  /** Where failures of handlers are reported; console.error by default. */
  readonly onError?: (message: string, error: unknown) => void;
}

/** A running gateway. */
export interface Gateway {
  /** e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting requests, closes WebSockets and open connections; safe to call more than once. */
  stop(): Promise<void>;
}

/** API Gateway HTTP API's payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The routes of a GatewayApi, ready to match. */
interface ServedApi {
  readonly routes: readonly {
    readonly route: GatewayRoute;
    readonly template: readonly RouteSegment[];
    readonly bucket: TokenBucket | undefined;
  }[];
  readonly localRoutes: readonly { readonly route: LocalRoute; readonly template: readonly RouteSegment[] }[];
  readonly authorizer: JwtAuthorizer | undefined;
  readonly webSocket: GatewayWebSocket | undefined;
  readonly cors: CorsConfiguration | undefined;
}

function prepare(api: GatewayApi): ServedApi {
  if (api.routes.some((route) => route.auth === 'staff') && !api.authorizer) {
    throw new Error('staff routes need an authorizer');
  }
  return {
    routes: api.routes.map((route) => ({
      route,
      template: parseRouteTemplate(route.path),
      bucket: route.throttle ? createTokenBucket(route.throttle.rate, route.throttle.burst) : undefined,
    })),
    localRoutes: [...(api.localRoutes ?? []), ...(api.webSocket?.localRoutes ?? [])].map((route) => ({
      route,
      template: parseRouteTemplate(route.path),
    })),
    authorizer: api.authorizer,
    webSocket: api.webSocket,
    cors: api.cors,
  };
}

/** Starts the gateway on 127.0.0.1: listens first, then serves what `options.serve` returns. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  let served: ServedApi | undefined;
  let url = '';
  const settings = {
    now: options.now ?? Date.now,
    apiId: options.apiId ?? 'local',
    accountId: options.accountId ?? '000000000000',
    onError: options.onError ?? ((message: string, error: unknown) => console.error(message, error)),
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = newRequestId();
    const timeEpoch = settings.now();
    const method = request.method ?? 'GET';
    const target = request.url ?? '/';
    const queryStart = target.indexOf('?');
    const rawPath = queryStart === -1 ? target : target.slice(0, queryStart);
    const api = served;
    if (!api) {
      request.resume();
      return send(response, jsonMessage(503, 'Service Unavailable'), requestId);
    }

    const localMatch = matchRoute(
      api.localRoutes.map((entry) => ({ method: entry.route.method, template: entry.template })),
      method,
      rawPath,
    );
    const local = localMatch === undefined ? undefined : api.localRoutes[localMatch.index];
    if (localMatch !== undefined && local !== undefined) {
      const body = await readBody(request, MAX_BODY_BYTES);
      if (body === undefined) return send(response, jsonMessage(413, 'Request Entity Too Large'), requestId);
      const localRequest: LocalRequest = {
        gatewayUrl: url,
        method,
        rawPath,
        query: new URLSearchParams(queryStart === -1 ? '' : target.slice(queryStart + 1)),
        headers: lowerCaseHeaders(request.rawHeaders),
        pathParameters: localMatch.pathParameters,
        body,
      };
      return send(response, await local.route.respond(localRequest), requestId);
    }
    // With a CORS configuration, API Gateway answers preflights itself and sets the CORS headers.
    const { cors } = api;
    const requestHeaders = lowerCaseHeaders(request.rawHeaders);
    const reply = (answer: GatewayResponse) =>
      send(response, cors ? withCorsHeaders(cors, requestHeaders.origin, answer) : answer, requestId);
    if (cors && isPreflight(method, requestHeaders)) {
      request.resume();
      return send(response, preflightResponse(cors, requestHeaders), requestId);
    }
    const match = matchRoute(
      api.routes.map((entry) => ({ method: entry.route.method, template: entry.template })),
      method,
      rawPath,
    );
    const entry = match === undefined ? undefined : api.routes[match.index];
    if (match === undefined || entry === undefined) {
      request.resume();
      return reply(jsonMessage(404, 'Not Found'));
    }
    const { route } = entry;
    if (entry.bucket && !entry.bucket.tryTake()) {
      request.resume();
      return reply(jsonMessage(429, 'Too Many Requests'));
    }
    const body = await readBody(request, MAX_BODY_BYTES);
    if (body === undefined) return reply(jsonMessage(413, 'Request Entity Too Large'));

    let jwtClaims: Readonly<Record<string, string>> | undefined;
    if (route.auth === 'staff') {
      const verdict = api.authorizer ? await api.authorizer(request.headers.authorization) : undefined;
      if (!verdict?.authorized) {
        const description = verdict?.reason ?? 'no authorizer';
        return reply(
          jsonMessage(401, 'Unauthorized', {
            'www-authenticate': `Bearer error="invalid_token" error_description="${description}"`,
          }),
        );
      }
      jwtClaims = verdict.claims;
    }

    const gatewayRequest: GatewayRequest = {
      method,
      url: target,
      headers: headerPairs(request.rawHeaders),
      body,
      sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      protocol: `HTTP/${request.httpVersion}`,
    };
    const forwarded = withForwardingHeaders(gatewayRequest, (request.socket.localPort ?? 0).toString());
    const event = buildHttpEvent(forwarded, {
      routeKey: `${route.method} ${route.path}`,
      pathParameters: match.pathParameters,
      requestId,
      timeEpoch,
      apiId: settings.apiId,
      accountId: settings.accountId,
      ...(jwtClaims ? { jwtClaims } : {}),
    });
    let result: unknown;
    try {
      result = await invokeHandler(route.handler, event, route.createContext());
    } catch (error) {
      settings.onError(`[gateway] ${route.method} ${route.path} failed`, error);
      return reply(INTERNAL_SERVER_ERROR);
    }
    reply(toGatewayResponse(result));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      settings.onError('[gateway] request failed', error);
      if (!response.headersSent) send(response, INTERNAL_SERVER_ERROR, 'internal');
      else response.destroy();
    });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (served?.webSocket?.handleUpgrade(request, socket, head)) return;
    refuseUpgrade(socket, served ? 404 : 503);
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the gateway is not listening on TCP');
  const { port } = address;
  url = `http://127.0.0.1:${port}`;

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await served?.webSocket?.stop();
      server.closeAllConnections();
      await closed;
    })();
    return stopped;
  };
  try {
    served = prepare(await options.serve(url));
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, stop };
}

/** Refuses an HTTP upgrade with a JSON message, as API Gateway answers a handshake it does not take. */
export function refuseUpgrade(
  socket: Duplex,
  statusCode: number,
  headers: Readonly<Record<string, string>> = {},
  body = JSON.stringify({ message: STATUS_CODES[statusCode] ?? 'Error' }),
): void {
  const lines = [
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  if (socket.writable) socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  else socket.destroy();
}

function send(response: ServerResponse, gatewayResponse: GatewayResponse, requestId: string): void {
  response.statusCode = gatewayResponse.statusCode;
  for (const [name, value] of Object.entries(gatewayResponse.headers)) response.setHeader(name, value);
  if (gatewayResponse.cookies.length > 0) response.setHeader('set-cookie', [...gatewayResponse.cookies]);
  response.setHeader('apigw-requestid', requestId);
  response.setHeader('content-length', gatewayResponse.body.length);
  response.end(gatewayResponse.body);
}

/** Header names lower-cased, repeats comma-joined. */
export function lowerCaseHeaders(rawHeaders: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of headerPairs(rawHeaders)) {
    const key = name.toLowerCase();
    const previous = headers[key];
    headers[key] = previous === undefined ? value : `${previous},${value}`;
  }
  return headers;
}

/** Node's `rawHeaders` as name/value pairs, in arrival order. */
export function headerPairs(rawHeaders: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index];
    const value = rawHeaders[index + 1];
    if (name !== undefined && value !== undefined) pairs.push([name, value]);
  }
  return pairs;
}

/** Adds the headers API Gateway adds to every request it forwards (a client's X-Forwarded-For is kept and extended). */
function withForwardingHeaders(request: GatewayRequest, port: string): GatewayRequest {
  const joinedHeader = (name: string) =>
    request.headers
      .filter(([header]) => header.toLowerCase() === name)
      .map(([, value]) => value)
      .join(', ');
  const forwardedFor = joinedHeader('x-forwarded-for');
  const traceId = joinedHeader('x-amzn-trace-id');
  const kept = request.headers.filter(
    ([name]) => !/^(x-forwarded-(for|port|proto)|x-amzn-trace-id)$/i.test(name),
  );
  const added: [string, string][] = [
    [
      'x-amzn-trace-id',
      traceId || `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
    ],
    ['x-forwarded-for', forwardedFor ? `${forwardedFor}, ${request.sourceIp}` : request.sourceIp],
    ['x-forwarded-port', port],
    ['x-forwarded-proto', 'http'],
  ];
  return { ...request, headers: [...kept, ...added] };
}

/** One segment of a route path: literal text, `{name}` (one segment) or `{name+}` (the rest). */
export type RouteSegment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'parameter'; readonly name: string }
  | { readonly kind: 'greedy'; readonly name: string };

/** Parses an API Gateway route path such as `/v1/customers/{id}/timeline`. */
export function parseRouteTemplate(path: string): RouteSegment[] {
  return path
    .split('/')
    .slice(1)
    .map((segment): RouteSegment => {
      const greedy = /^\{([A-Za-z0-9_]+)\+\}$/.exec(segment);
      if (greedy?.[1]) return { kind: 'greedy', name: greedy[1] };
      const parameter = /^\{([A-Za-z0-9_]+)\}$/.exec(segment);
      if (parameter?.[1]) return { kind: 'parameter', name: parameter[1] };
      return { kind: 'literal', value: segment };
    });
}

/** A route to match against. */
export interface RouteCandidate {
  readonly method: string;
  readonly template: readonly RouteSegment[];
}

/**
 * Picks the route API Gateway would pick for a request: the method must match (there is no
 * fallback route), and among the paths that match, the most specific one wins (a literal segment beats
 * a parameter, which beats a greedy parameter, left to right). Path parameters are URL-decoded.
 */
export function matchRoute(
  candidates: readonly RouteCandidate[],
  method: string,
  rawPath: string,
): { index: number; pathParameters: Record<string, string> } | undefined {
  const segments = rawPath.split('/').slice(1);
  let best: { index: number; pathParameters: Record<string, string>; rank: number[] } | undefined;
  candidates.forEach((candidate, index) => {
    if (candidate.method !== method) return;
    const matched = matchTemplate(candidate.template, segments);
    if (matched === undefined) return;
    if (best === undefined || compareRanks(matched.rank, best.rank) < 0) best = { index, ...matched };
  });
  return best === undefined ? undefined : { index: best.index, pathParameters: best.pathParameters };
}

function matchTemplate(
  template: readonly RouteSegment[],
  segments: readonly string[],
): { pathParameters: Record<string, string>; rank: number[] } | undefined {
  const pathParameters: Record<string, string> = {};
  const rank: number[] = [];
  for (const [position, part] of template.entries()) {
    if (part.kind === 'greedy') {
      const rest = segments.slice(position);
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      pathParameters[part.name] = decode(rest.join('/'));
      rank.push(2);
      return { pathParameters, rank };
    }
    const segment = segments[position];
    if (segment === undefined) return undefined;
    if (part.kind === 'literal') {
      // Clients percent-encode some characters (the SDK sends `@connections` as `%40connections`).
      if (segment !== part.value && decode(segment) !== part.value) return undefined;
      rank.push(0);
    } else {
      if (segment === '') return undefined;
      pathParameters[part.name] = decode(segment);
      rank.push(1);
    }
  }
  return segments.length === template.length ? { pathParameters, rank } : undefined;
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return b.length - a.length;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A token bucket: holds up to `burst` tokens, refilled at `rate` per second. */
export interface TokenBucket {
  /** Takes a token if one is left. */
  tryTake(): boolean;
}

/** API Gateway's route throttling: `burst` requests at once, `rate` per second sustained. */
export function createTokenBucket(rate: number, burst: number, now: () => number = Date.now): TokenBucket {
  let tokens = burst;
  let refilledAt = now();
  return {
    tryTake: () => {
      const current = now();
      tokens = Math.min(burst, tokens + ((current - refilledAt) / 1000) * rate);
      refilledAt = current;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
