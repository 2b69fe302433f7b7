import { randomBytes } from 'node:crypto';
import type { WebSocketEvent } from '../functions/lib/websocket.js';
import { formatRequestTime, parseQueryString } from './apigw-v2.js';

/**
 * API Gateway WebSocket APIs as the local gateway reproduces them: the events a Lambda proxy
 * integration receives on `$connect`, on a message and on `$disconnect` (real examples:
 * events/chat/*.json), route selection on `$request.body.action`, and the error frames API Gateway
 * itself sends. Pure functions, so the fidelity is tested without a server.
 */

/** Who the API is and where one connection came from; fixed for the connection's life. */
export interface ConnectionContext {
  readonly connectionId: string;
  /** Epoch ms the connection was opened. */
  readonly connectedAt: number;
  readonly apiId: string;
  readonly stage: string;
  readonly domainName: string;
  readonly sourceIp: string;
  readonly userAgent: string;
}

/** One request on a connection: its id and time (the local stack passes warped time). */
export interface WebSocketRequest {
  readonly requestId: string;
  /** Epoch ms. */
  readonly timeEpoch: number;
}

/** The opening handshake as the gateway read it off the socket. */
export interface WebSocketHandshake {
  /** Path and query exactly as sent, e.g. `/chat?token=eyJ…`. */
  readonly url: string;
  /** Header name/value pairs in arrival order, names as sent. */
  readonly headers: readonly (readonly [string, string])[];
  /** The port the client connected to, for `X-Forwarded-Port`. */
  readonly port: number;
}

/** An id in API Gateway's style (`L0SM9cOFvHcCIhw=`): 11 random bytes, base64, letters and digits only. */
export function newWebSocketId(): string {
  for (;;) {
    const id = randomBytes(11).toString('base64');
    // Real connection ids have no `+` or `/`; they would need escaping in `@connections` URLs.
    if (!/[+/]/.test(id)) return id;
  }
}

/**
 * The `$connect` event: the handshake's headers (names as sent, plus the X-Forwarded-* and trace
 * headers API Gateway adds) in `headers` (last value) and `multiValueHeaders`, the query string in
 * `queryStringParameters` (last value) and `multiValueQueryStringParameters`, absent when empty.
 */
export function buildConnectEvent(
  handshake: WebSocketHandshake,
  connection: ConnectionContext,
  request: WebSocketRequest,
): WebSocketEvent {
  const queryStart = handshake.url.indexOf('?');
  const rawQuery = queryStart === -1 ? '' : handshake.url.slice(queryStart + 1);
  const forwarded = withForwardingHeaders(handshake, connection.sourceIp);
  const query = queryParameters(rawQuery);
  return {
    headers: Object.fromEntries(forwarded),
    multiValueHeaders: multiValue(forwarded),
    ...(query ? { queryStringParameters: query.single, multiValueQueryStringParameters: query.multi } : {}),
    requestContext: requestContext(connection, request, { routeKey: '$connect', eventType: 'CONNECT' }),
    isBase64Encoded: false,
  };
}

/** The event of a frame routed to `routeKey`; a text frame is passed as it is, a binary one base64-encoded. */
export function buildMessageEvent(
  frame: { readonly data: Buffer; readonly isBinary: boolean },
  routeKey: string,
  connection: ConnectionContext,
  request: WebSocketRequest & { readonly messageId: string },
): WebSocketEvent {
  return {
    requestContext: {
      ...requestContext(connection, request, { routeKey, eventType: 'MESSAGE' }),
      messageId: request.messageId,
    },
    body: frame.isBinary ? frame.data.toString('base64') : frame.data.toString('utf8'),
    isBase64Encoded: frame.isBinary,
  };
}

/** The `$disconnect` event, with the close code and reason; its headers are API Gateway's fixed set. */
export function buildDisconnectEvent(
  close: { readonly code: number; readonly reason: string },
  connection: ConnectionContext,
  request: WebSocketRequest,
): WebSocketEvent {
  const headers: [string, string][] = [
    ['Host', connection.domainName],
    ['x-api-key', ''],
    ['X-Forwarded-For', ''],
    ['x-restapi', ''],
  ];
  return {
    headers: Object.fromEntries(headers),
    multiValueHeaders: multiValue(headers),
    requestContext: {
      ...requestContext(connection, request, { routeKey: '$disconnect', eventType: 'DISCONNECT' }),
      disconnectStatusCode: close.code,
      disconnectReason: close.reason,
    },
    isBase64Encoded: false,
  };
}

function requestContext(
  connection: ConnectionContext,
  request: WebSocketRequest,
  route: { readonly routeKey: string; readonly eventType: WebSocketEvent['requestContext']['eventType'] },
): WebSocketEvent['requestContext'] {
  return {
    routeKey: route.routeKey,
    eventType: route.eventType,
    extendedRequestId: request.requestId,
    requestTime: formatRequestTime(request.timeEpoch),
    messageDirection: 'IN',
    stage: connection.stage,
    connectedAt: connection.connectedAt,
    requestTimeEpoch: request.timeEpoch,
    identity: { userAgent: connection.userAgent, sourceIp: connection.sourceIp },
    requestId: request.requestId,
    domainName: connection.domainName,
    connectionId: connection.connectionId,
    apiId: connection.apiId,
  };
}

/**
 * The route API Gateway selects for a frame with the selection expression `$request.body.action`:
 * the frame's `action` when it names a route, else `$default`. A frame that is not a JSON object with a
 * string `action` (binary frames included) goes to `$default`.
 */
export function selectRoute(
  frame: { readonly data: Buffer; readonly isBinary: boolean },
  routeKeys: ReadonlySet<string>,
): string {
  if (frame.isBinary) return '$default';
  let parsed: unknown;
  try {
    parsed = JSON.parse(frame.data.toString('utf8'));
  } catch {
    return '$default';
  }
  const action =
    parsed !== null && typeof parsed === 'object' && 'action' in parsed ? parsed.action : undefined;
  return typeof action === 'string' && routeKeys.has(action) ? action : '$default';
}

/**
 * The frame API Gateway sends a client itself: `Forbidden` when no route matched the frame (and there
 * is no `$default`), `Internal server error` when the integration failed.
 */
export function gatewayErrorFrame(
  message: 'Forbidden' | 'Internal server error',
  connectionId: string,
  requestId: string,
): string {
  return JSON.stringify({ message, connectionId, requestId });
}

/** The handshake's headers with the ones API Gateway adds; a client's X-Forwarded-For is extended. */
function withForwardingHeaders(handshake: WebSocketHandshake, sourceIp: string): [string, string][] {
  const isAdded = (name: string) => /^(x-forwarded-(for|port|proto)|x-amzn-trace-id)$/i.test(name);
  const valuesOf = (name: string) =>
    handshake.headers.filter(([header]) => header.toLowerCase() === name).map(([, value]) => value);
  const forwardedFor = valuesOf('x-forwarded-for').join(', ');
  const traceId = valuesOf('x-amzn-trace-id').at(-1);
  return [
    ...handshake.headers
      .filter(([name]) => !isAdded(name))
      .map(([name, value]): [string, string] => [name, value]),
    [
      'X-Amzn-Trace-Id',
      traceId ?? `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
    ],
    ['X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${sourceIp}` : sourceIp],
    ['X-Forwarded-Port', String(handshake.port)],
    ['X-Forwarded-Proto', 'http'],
  ];
}

function multiValue(pairs: readonly (readonly [string, string])[]): Record<string, string[]> {
  const values: Record<string, string[]> = {};
  for (const [name, value] of pairs) values[name] = [...(values[name] ?? []), value];
  return values;
}

function queryParameters(
  rawQuery: string,
): { single: Record<string, string>; multi: Record<string, string[]> } | undefined {
  if (parseQueryString(rawQuery) === undefined) return undefined;
  const multi = multiValue([...new URLSearchParams(rawQuery)]);
  const single = Object.fromEntries(
    Object.entries(multi).map(([name, values]): [string, string] => [name, values.at(-1) ?? '']),
  );
  return { single, multi };
}
