import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import type { WebSocketEvent } from '../../functions/lib/websocket.js';
import {
  buildConnectEvent,
  buildDisconnectEvent,
  buildMessageEvent,
  type ConnectionContext,
  newWebSocketId,
  selectRoute,
} from '../../local/apigw-websocket.js';
import { type Gateway, startGateway } from '../../local/gateway.js';
import { createLambdaContext } from '../../local/lambda-context.js';
import { createWebSocketApi, type WebSocketHandler } from '../../local/websocket-api.js';
import { createConnectionsClient, postFrame } from '../../shared/channels/chat/connections-api.js';
import { loadEvent } from '../support/events.js';
import { connect, opened, type TestSocket } from '../support/websocket.js';

const connection: ConnectionContext = {
  connectionId: 'L0SM9cOFvHcCIhw=',
  connectedAt: 1795695605000,
  apiId: 'localws',
  stage: 'chat',
  domainName: '127.0.0.1',
  sourceIp: '127.0.0.1',
  userAgent: 'test-agent',
};

/** The keys of an object, nested objects as `parent.child`, sorted. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value)
    .flatMap(([key, child]) => {
      const path = `${prefix}${key}`;
      const nested = [
        'headers',
        'multiValueHeaders',
        'queryStringParameters',
        'multiValueQueryStringParameters',
      ];
      return nested.includes(key) ? [path] : [path, ...keyPaths(child, `${path}.`)];
    })
    .sort();
}

describe('WebSocket API events', () => {
  it('builds $connect with the fields of the recorded API Gateway event', () => {
    // Prepare
    const recorded = loadEvent<WebSocketEvent>('chat/connect.json');

    // Act
    const event = buildConnectEvent(
      {
        url: '/chat?token=abc&token=def',
        headers: [
          ['Host', '127.0.0.1:3000'],
          ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
          ['X-Forwarded-For', '203.0.113.24'],
        ],
        port: 3000,
      },
      connection,
      { requestId: 'L0SM9FU3vHcF2Fg=', timeEpoch: 1795695605012 },
    );

    // Assess
    expect(keyPaths(event)).toEqual(keyPaths(recorded));
    expect(event.requestContext).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      connectionId: 'L0SM9cOFvHcCIhw=',
      requestTime: '26/Nov/2026:12:20:05 +0000',
      requestTimeEpoch: 1795695605012,
      identity: { sourceIp: '127.0.0.1', userAgent: 'test-agent' },
    });
    expect(event.queryStringParameters).toEqual({ token: 'def' });
    expect(event.multiValueQueryStringParameters).toEqual({ token: ['abc', 'def'] });
    expect(event.headers).toMatchObject({
      Host: '127.0.0.1:3000',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'X-Forwarded-For': '203.0.113.24, 127.0.0.1',
      'X-Forwarded-Port': '3000',
      'X-Forwarded-Proto': 'http',
    });
    expect(event.multiValueHeaders?.Host).toEqual(['127.0.0.1:3000']);
  });

  it('leaves the query string parameters out of $connect when there are none', () => {
    // Act
    const event = buildConnectEvent({ url: '/chat', headers: [], port: 3000 }, connection, {
      requestId: 'r',
      timeEpoch: 1,
    });

    // Assess
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('multiValueQueryStringParameters');
  });

  it('builds a message event and $disconnect with the fields of the recorded events', () => {
    // Prepare
    const recordedMessage = loadEvent<WebSocketEvent>('chat/send-message.json');
    const recordedDisconnect = loadEvent<WebSocketEvent>('chat/disconnect.json');

    // Act
    const message = buildMessageEvent(
      { data: Buffer.from('{"action":"sendMessage"}'), isBinary: false },
      'sendMessage',
      connection,
      { requestId: 'r-1', messageId: 'm-1', timeEpoch: 1795695631208 },
    );
    const disconnect = buildDisconnectEvent({ code: 1001, reason: 'Going away' }, connection, {
      requestId: 'r-2',
      timeEpoch: 1795696307391,
    });

    // Assess
    expect(keyPaths(message)).toEqual(keyPaths(recordedMessage));
    expect(message).toMatchObject({
      body: '{"action":"sendMessage"}',
      isBase64Encoded: false,
      requestContext: { routeKey: 'sendMessage', eventType: 'MESSAGE', messageId: 'm-1' },
    });
    expect(keyPaths(disconnect)).toEqual(keyPaths(recordedDisconnect));
    expect(disconnect.requestContext).toMatchObject({
      routeKey: '$disconnect',
      eventType: 'DISCONNECT',
      disconnectStatusCode: 1001,
      disconnectReason: 'Going away',
    });
  });

  it('selects the route named by the frame`s action, else $default', () => {
    // Prepare
    const routes = new Set(['sendMessage']);
    const text = (data: string) => ({ data: Buffer.from(data), isBinary: false });

    // Act and Assess
    expect(selectRoute(text('{"action":"sendMessage","text":"hi"}'), routes)).toBe('sendMessage');
    expect(selectRoute(text('{"action":"other"}'), routes)).toBe('$default');
    expect(selectRoute(text('{"action":42}'), routes)).toBe('$default');
    expect(selectRoute(text('not json'), routes)).toBe('$default');
    expect(selectRoute({ data: Buffer.from('{"action":"sendMessage"}'), isBinary: true }, routes)).toBe(
      '$default',
    );
  });

  it('makes ids like API Gateway`s, safe in @connections paths', () => {
    for (let index = 0; index < 50; index++) expect(newWebSocketId()).toMatch(/^[A-Za-z0-9]{15}=$/);
  });
});

describe('WebSocket API on the local gateway', () => {
  let gateway: Gateway | undefined;
  const received: WebSocketEvent[] = [];
  const sockets: TestSocket[] = [];
  const errors: string[] = [];
  let sendMessage: WebSocketHandler;

  const context = (): Context =>
    createLambdaContext({
      functionName: 'carebridge-test',
      region: 'us-east-1',
      accountId: '000000000000',
      timeoutMs: 5_000,
      memoryLimitInMB: 256,
    });
  const recording =
    (statusCode: (event: WebSocketEvent) => number): WebSocketHandler =>
    async (event) => {
      received.push(event);
      return { statusCode: statusCode(event) };
    };

  beforeEach(async () => {
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    sendMessage = recording(() => 200);
    gateway = await startGateway({
      port: 0,
      serve: () => ({
        routes: [],
        webSocket: createWebSocketApi({
          stage: 'chat',
          routes: [
            {
              routeKey: '$connect',
              handler: recording((event) => (event.queryStringParameters?.token === 'good' ? 200 : 401)),
              createContext: context,
            },
            { routeKey: '$disconnect', handler: recording(() => 200), createContext: context },
            {
              routeKey: 'sendMessage',
              handler: (event, ctx) => sendMessage(event, ctx),
              createContext: context,
            },
          ],
          now: () => Date.UTC(2030, 0, 1),
          onError: (message) => errors.push(message),
        }),
      }),
    });
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) await socket.close();
    await gateway?.stop();
    gateway = undefined;
    received.length = 0;
    errors.length = 0;
  });

  async function open(token = 'good'): Promise<TestSocket> {
    const socket = opened(await connect(`${gateway?.url.replace('http', 'ws')}/chat?token=${token}`));
    sockets.push(socket);
    return socket;
  }

  /** The connection id `$connect` was given for the last accepted socket. */
  function lastConnectionId(): string {
    const connects = received.filter((event) => event.requestContext.routeKey === '$connect');
    return connects.at(-1)?.requestContext.connectionId ?? '';
  }

  function connectionsApi(): ApiGatewayManagementApiClient {
    return createConnectionsClient(`${gateway?.url}/chat`);
  }

  async function eventually(condition: () => boolean): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('condition not met within 5 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('refuses the handshake with $connect`s status when it is not 2xx', async () => {
    // Act
    const refused = await connect(`${gateway?.url.replace('http', 'ws')}/chat?token=bad`);

    // Assess
    expect(refused).toEqual({ refusedWith: 401 });
    expect(received.map((event) => event.requestContext.routeKey)).toEqual(['$connect']);
  });

  it('refuses an upgrade to another path with 404', async () => {
    // Act
    const refused = await connect(`${gateway?.url.replace('http', 'ws')}/elsewhere?token=good`);

    // Assess
    expect(refused).toEqual({ refusedWith: 404 });
    expect(received).toHaveLength(0);
  });

  it('admits a connection and routes its frames by action, with warped request time', async () => {
    // Prepare
    const socket = await open();

    // Act
    socket.send({ action: 'sendMessage', clientMessageId: 'm-1', text: 'hello' });
    await eventually(() => received.some((event) => event.requestContext.routeKey === 'sendMessage'));

    // Assess
    const message = received.find((event) => event.requestContext.routeKey === 'sendMessage');
    expect(message).toMatchObject({
      body: '{"action":"sendMessage","clientMessageId":"m-1","text":"hello"}',
      requestContext: {
        eventType: 'MESSAGE',
        stage: 'chat',
        connectionId: lastConnectionId(),
        requestTimeEpoch: Date.UTC(2030, 0, 1),
      },
    });
  });

  it('answers a frame no route takes with API Gateway`s Forbidden message', async () => {
    // Prepare
    const socket = await open();

    // Act
    socket.send({ action: 'unknown' });
    const frame = await socket.next(
      (candidate) => z.object({ message: z.string() }).safeParse(candidate).success,
    );

    // Assess
    expect(frame).toEqual({
      message: 'Forbidden',
      connectionId: lastConnectionId(),
      requestId: expect.any(String),
    });
    expect(received.filter((event) => event.requestContext.eventType === 'MESSAGE')).toHaveLength(0);
  });

  it('tells the client `Internal server error` when a route`s handler throws', async () => {
    // Prepare
    sendMessage = async () => {
      throw new Error('boom');
    };
    const socket = await open();

    // Act
    socket.send({ action: 'sendMessage' });
    const frame = await socket.next(
      (candidate) => z.object({ message: z.string() }).safeParse(candidate).success,
    );

    // Assess
    expect(frame).toMatchObject({ message: 'Internal server error' });
    expect(errors).toEqual(['[websocket] route sendMessage failed']);
  });

  it('delivers a PostToConnection body as a frame, and reports GoneException once the client left', async () => {
    // Prepare
    const socket = await open();
    const connectionId = lastConnectionId();
    const api = connectionsApi();

    // Act
    const posted = await postFrame(api, connectionId, {
      type: 'ack',
      clientMessageId: 'm-1',
      interactionId: '01M8BX4Q2D3E4F5G6H7J8K9M0N',
      duplicate: false,
    });
    const frame = await socket.next(() => true);
    await socket.close(1000);
    await eventually(() => received.some((event) => event.requestContext.routeKey === '$disconnect'));
    const afterClose = await postFrame(api, connectionId, {
      type: 'error',
      error: 'internal_error',
      message: 'x',
    });

    // Assess
    expect(posted).toBe('posted');
    expect(frame).toEqual({
      type: 'ack',
      clientMessageId: 'm-1',
      interactionId: '01M8BX4Q2D3E4F5G6H7J8K9M0N',
      duplicate: false,
    });
    expect(afterClose).toBe('gone');
    expect(
      received.find((event) => event.requestContext.routeKey === '$disconnect')?.requestContext,
    ).toMatchObject({
      connectionId,
      disconnectStatusCode: 1000,
      eventType: 'DISCONNECT',
    });
  });

  it('serves GetConnection and DeleteConnection, which closes the socket', async () => {
    // Prepare
    const socket = await open();
    const url = `${gateway?.url}/chat/@connections/${encodeURIComponent(lastConnectionId())}`;
    const signed = {
      authorization: 'AWS4-HMAC-SHA256 Credential=local/20300101/us-east-1/execute-api/aws4_request',
    };
    const closed = new Promise<number>((resolve) => socket.socket.once('close', (code) => resolve(code)));

    // Act
    const info = await fetch(url, { headers: signed });
    const unsigned = await fetch(url);
    const deleted = await fetch(url, { method: 'DELETE', headers: signed });

    // Assess
    expect(info.status).toBe(200);
    expect(await info.json()).toEqual({
      connectedAt: new Date(Date.UTC(2030, 0, 1)).toISOString(),
      identity: { sourceIp: '127.0.0.1', userAgent: '' },
      lastActiveAt: new Date(Date.UTC(2030, 0, 1)).toISOString(),
    });
    expect(unsigned.status).toBe(403);
    expect(deleted.status).toBe(204);
    expect(await closed).toBe(1000);
  });

  it('closes open connections with 1001 Going away when stopped, and runs $disconnect for each', async () => {
    // Prepare
    const socket = await open();
    const closed = new Promise<[number, string]>((resolve) =>
      socket.socket.once('close', (code, reason) => resolve([code, reason.toString()])),
    );

    // Act
    await gateway?.stop();

    // Assess
    expect(await closed).toEqual([1001, 'Going away']);
    expect(received.filter((event) => event.requestContext.routeKey === '$disconnect')).toHaveLength(1);
  });
});
