import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Context } from 'aws-lambda';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { WebSocketEvent } from '../functions/lib/websocket.js';
import type { GatewayResponse } from './apigw-v2.js';
import {
  buildConnectEvent,
  buildDisconnectEvent,
  buildMessageEvent,
  type ConnectionContext,
  gatewayErrorFrame,
  newWebSocketId,
  selectRoute,
} from './apigw-websocket.js';
import {
  type GatewayWebSocket,
  headerPairs,
  type LocalRequest,
  type LocalRoute,
  refuseUpgrade,
} from './gateway.js';
import { invokeHandler } from './lambda-context.js';

/**
 * The local stand-in for an API Gateway WebSocket API, served on the local gateway's port at
 * `/<stage>`: `$connect` decides the handshake, text frames are routed on `$request.body.action`,
 * `$disconnect` follows every close, and the management API (`@connections`) lets handlers push frames,
 * as docs/chat.md ("Local gateway contract") describes.
 */

/** A Lambda handler behind a WebSocket route. */
export type WebSocketHandler = (event: WebSocketEvent, context: Context) => Promise<unknown>;

/** A route of the API: `$connect`, `$disconnect`, `$default` or a custom route key such as `sendMessage`. */
export interface WebSocketRoute {
  readonly routeKey: string;
  readonly handler: WebSocketHandler;
  /** A fresh Lambda context per invocation. */
  readonly createContext: () => Context;
}

export interface WebSocketApiOptions {
  /** Stage name: clients connect to `/<stage>`, handlers push to `/<stage>/@connections/{id}`. */
  readonly stage: string;
  readonly routes: readonly WebSocketRoute[];
  /** Request time (epoch ms); the local stack passes warped time. */
  readonly now?: () => number;
  readonly apiId?: string;
  /** Closes a connection with no frame from the client for this long; API Gateway's 10 minutes by default. */
  readonly idleTimeoutMs?: number;
  /** Closes any connection after this long; API Gateway's 2 hours by default. */
  readonly maxConnectionMs?: number;
  /** Where failures of handlers are reported; console.error by default. */
  readonly onError?: (message: string, error: unknown) => void;
}

/** API Gateway's quotas: 128 KB per message (frames are reassembled), the same for a management API post. */
const MAX_MESSAGE_BYTES = 128 * 1024;
const IDLE_TIMEOUT_MS = 10 * 60 * 1000;
const MAX_CONNECTION_MS = 2 * 60 * 60 * 1000;
/** How long stopping waits for clients to answer the close handshake before cutting them off. */
const CLOSE_GRACE_MS = 1_000;
const GOING_AWAY = 1001;

interface Connection {
  readonly context: ConnectionContext;
  readonly socket: WebSocket;
  lastActiveAt: number;
  idleTimer: NodeJS.Timeout;
  readonly lifetimeTimer: NodeJS.Timeout;
}

/** Creates the WebSocket API; hand it to the gateway as `webSocket`. */
export function createWebSocketApi(options: WebSocketApiOptions): GatewayWebSocket {
  const now = options.now ?? Date.now;
  const onError = options.onError ?? ((message: string, error: unknown) => console.error(message, error));
  const routes = new Map(options.routes.map((route) => [route.routeKey, route]));
  const customRouteKeys = new Set([...routes.keys()].filter((key) => !key.startsWith('$')));
  const connections = new Map<string, Connection>();
  const inFlight = new Set<Promise<unknown>>();
  const server = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const path = `/${options.stage}`;
  let stopping = false;

  /** Tracks work (handshakes, invocations) so that stopping waits for it. */
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    const forget = () => inFlight.delete(work);
    void work.then(forget, forget);
    return work;
  };
  const invoke = (route: WebSocketRoute, event: WebSocketEvent): Promise<unknown> =>
    track(invokeHandler(route.handler, event, route.createContext()));

  const handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const target = request.url ?? '/';
    const requestPath = target.split('?')[0];
    if (requestPath !== path && requestPath !== `${path}/`) return false;
    if (stopping) {
      refuseUpgrade(socket, 503);
      return true;
    }
    void track(
      connect(request, socket, head).catch((error: unknown) => {
        onError('[websocket] handshake failed', error);
        refuseUpgrade(socket, 500, {}, JSON.stringify({ message: 'Internal server error' }));
      }),
    );
    return true;
  };

  const connect = async (request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    if (!isWebSocketHandshake(request)) {
      refuseUpgrade(socket, 400);
      return;
    }
    const requestId = newWebSocketId();
    const context: ConnectionContext = {
      connectionId: newWebSocketId(),
      connectedAt: now(),
      apiId: options.apiId ?? 'localws',
      stage: options.stage,
      domainName: (request.headers.host ?? '127.0.0.1').replace(/:\d+$/, ''),
      sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      userAgent: request.headers['user-agent'] ?? '',
    };
    const connectRoute = routes.get('$connect');
    if (connectRoute) {
      const event = buildConnectEvent(
        {
          url: request.url ?? '/',
          headers: headerPairs(request.rawHeaders),
          port: request.socket.localPort ?? 0,
        },
        context,
        { requestId, timeEpoch: context.connectedAt },
      );
      let statusCode: number;
      try {
        statusCode = connectStatus(await invoke(connectRoute, event));
      } catch (error) {
        onError('[websocket] $connect failed', error);
        statusCode = 500;
      }
      if (statusCode < 200 || statusCode > 299) {
        refuseUpgrade(socket, statusCode, { 'x-amzn-RequestId': requestId });
        return;
      }
    }
    if (socket.destroyed || stopping) {
      // The client left (or the gateway stops) while `$connect` ran: the connection never opened.
      socket.destroy();
      disconnect(context, { code: 1006, reason: '' });
      return;
    }
    server.handleUpgrade(request, socket, head, (webSocket) => open(context, webSocket));
  };

  const open = (context: ConnectionContext, socket: WebSocket): void => {
    const closeAfter = (ms: number) => setTimeout(() => socket.close(GOING_AWAY, 'Going away'), ms).unref();
    const idleTimeoutMs = options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    const connection: Connection = {
      context,
      socket,
      lastActiveAt: now(),
      idleTimer: closeAfter(idleTimeoutMs),
      lifetimeTimer: closeAfter(options.maxConnectionMs ?? MAX_CONNECTION_MS),
    };
    connections.set(context.connectionId, connection);
    socket.on('message', (data: RawData, isBinary: boolean) => {
      connection.lastActiveAt = now();
      clearTimeout(connection.idleTimer);
      connection.idleTimer = closeAfter(idleTimeoutMs);
      receive(connection, { data: toBuffer(data), isBinary });
    });
    socket.on('close', (code: number, reason: Buffer) => {
      clearTimeout(connection.idleTimer);
      clearTimeout(connection.lifetimeTimer);
      connections.delete(context.connectionId);
      disconnect(context, { code, reason: reason.toString('utf8') });
    });
    socket.on('error', (error: Error) =>
      onError(`[websocket] connection ${context.connectionId} failed`, error),
    );
  };

  const receive = (connection: Connection, frame: { data: Buffer; isBinary: boolean }): void => {
    const { context, socket } = connection;
    const requestId = newWebSocketId();
    const selected = selectRoute(frame, customRouteKeys);
    const route = routes.get(selected);
    if (!route) {
      socket.send(gatewayErrorFrame('Forbidden', context.connectionId, requestId));
      return;
    }
    const event = buildMessageEvent(frame, route.routeKey, context, {
      requestId,
      messageId: newWebSocketId(),
      timeEpoch: now(),
    });
    invoke(route, event).catch((error: unknown) => {
      onError(`[websocket] route ${route.routeKey} failed`, error);
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(gatewayErrorFrame('Internal server error', context.connectionId, requestId));
      }
    });
  };

  const disconnect = (context: ConnectionContext, close: { code: number; reason: string }): void => {
    const route = routes.get('$disconnect');
    if (!route) return;
    const event = buildDisconnectEvent(close, context, { requestId: newWebSocketId(), timeEpoch: now() });
    invoke(route, event).catch((error: unknown) => onError('[websocket] $disconnect failed', error));
  };

  const stop = async (): Promise<void> => {
    stopping = true;
    const live = [...connections.values()];
    const closed = live.map(
      (connection) => new Promise<void>((resolve) => connection.socket.once('close', () => resolve())),
    );
    for (const connection of live) connection.socket.close(GOING_AWAY, 'Going away');
    const grace = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
    await Promise.race([Promise.all(closed), grace]);
    for (const connection of connections.values()) connection.socket.terminate();
    await Promise.all(closed);
    // Handshakes in progress and the `$disconnect` invocations the closes above started.
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    handleUpgrade,
    localRoutes: managementRoutes(`${path}/@connections/{connectionId}`, connections),
    stop,
  };
}

/**
 * The API Gateway Management API of the stage: PostToConnection (the body goes to the client as one
 * frame), GetConnection and DeleteConnection. A connection that is not open is `410 GoneException`,
 * as on AWS. Requests must be SigV4-signed like on AWS (the signature itself is not checked).
 */
function managementRoutes(path: string, connections: ReadonlyMap<string, Connection>): LocalRoute[] {
  const withConnection =
    (action: (connection: Connection, request: LocalRequest) => GatewayResponse) =>
    (request: LocalRequest): GatewayResponse => {
      if (!/^AWS4-HMAC-SHA256 /.test(request.headers.authorization ?? '')) {
        return managementError(403, 'ForbiddenException', 'Missing Authentication Token');
      }
      const connection = connections.get(request.pathParameters.connectionId ?? '');
      if (!connection || connection.socket.readyState !== WebSocket.OPEN) {
        return managementError(410, 'GoneException', null);
      }
      return action(connection, request);
    };
  return [
    {
      method: 'POST',
      path,
      respond: withConnection((connection, request) => {
        if (request.body.length > MAX_MESSAGE_BYTES) {
          return managementError(413, 'PayloadTooLargeException', 'Message too long');
        }
        connection.socket.send(request.body, { binary: !isUtf8(request.body) });
        return { statusCode: 200, headers: {}, cookies: [], body: Buffer.alloc(0) };
      }),
    },
    {
      method: 'GET',
      path,
      respond: withConnection(({ context, lastActiveAt }) => ({
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        cookies: [],
        body: Buffer.from(
          JSON.stringify({
            connectedAt: new Date(context.connectedAt).toISOString(),
            identity: { sourceIp: context.sourceIp, userAgent: context.userAgent },
            lastActiveAt: new Date(lastActiveAt).toISOString(),
          }),
        ),
      })),
    },
    {
      method: 'DELETE',
      path,
      respond: withConnection((connection) => {
        connection.socket.close(1000, '');
        return { statusCode: 204, headers: {}, cookies: [], body: Buffer.alloc(0) };
      }),
    },
  ];
}

/** An error of the management API: the type in `x-amzn-errortype`, where the SDK reads it. */
function managementError(statusCode: number, type: string, message: string | null): GatewayResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
    cookies: [],
    body: Buffer.from(JSON.stringify({ message }), 'utf8'),
  };
}

/**
 * What `$connect`'s result means for the handshake: its status code, or 200 for a result without one
 * (API Gateway treats a proxy integration's missing status as success).
 */
function connectStatus(result: unknown): number {
  if (result === null || typeof result !== 'object' || !('statusCode' in result)) return 200;
  const { statusCode } = result;
  return typeof statusCode === 'number' && Number.isInteger(statusCode) ? statusCode : 500;
}

/** The checks ws makes before a handshake, made before `$connect` runs so a bad request costs nothing. */
function isWebSocketHandshake(request: IncomingMessage): boolean {
  const key = request.headers['sec-websocket-key'];
  return (
    request.method === 'GET' &&
    request.headers.upgrade?.toLowerCase() === 'websocket' &&
    request.headers['sec-websocket-version'] === '13' &&
    typeof key === 'string' &&
    /^[+/0-9A-Za-z]{22}==$/.test(key)
  );
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
