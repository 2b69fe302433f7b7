import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpEvent } from '../../functions/lib/http.js';
import {
  buildHttpEvent,
  formatRequestTime,
  type GatewayInvocation,
  type GatewayRequest,
  isTextBody,
  parseQueryString,
  renderClaims,
  toGatewayResponse,
} from '../../local/apigw-v2.js';
import {
  createDevSigningKey,
  DEV_CLIENT_ID,
  DEV_ISSUER_PATH,
  DEV_JWKS_PATH,
  type DevSigningKey,
  issueDevToken,
} from '../../local/dev-auth.js';
import {
  createTokenBucket,
  type Gateway,
  type GatewayRoute,
  type HttpHandler,
  type LocalRequest,
  matchRoute,
  parseRouteTemplate,
  startGateway,
} from '../../local/gateway.js';
import { createJwtAuthorizer } from '../../local/jwt-authorizer.js';
import { createLambdaContext } from '../../local/lambda-context.js';

function request(overrides: Partial<GatewayRequest> = {}): GatewayRequest {
  return {
    method: 'GET',
    url: '/v1/customers',
    headers: [['Host', '127.0.0.1:3000']],
    body: Buffer.alloc(0),
    sourceIp: '127.0.0.1',
    protocol: 'HTTP/1.1',
    ...overrides,
  };
}

const invocation: GatewayInvocation = {
  routeKey: 'GET /v1/customers',
  requestId: 'KJdkcQjK8egkAhM=',
  timeEpoch: Date.UTC(2026, 10, 26, 12, 10, 31, 250),
  apiId: 'local',
  accountId: '000000000000',
};

describe('buildHttpEvent', () => {
  it('builds the payload 2.0 event with the request context API Gateway sends', () => {
    // Act
    const event = buildHttpEvent(
      request({
        headers: [
          ['Host', '127.0.0.1:3000'],
          ['User-Agent', 'curl/8.5.0'],
        ],
      }),
      invocation,
    );

    // Assess
    expect(event).toEqual({
      version: '2.0',
      routeKey: 'GET /v1/customers',
      rawPath: '/v1/customers',
      rawQueryString: '',
      headers: { host: '127.0.0.1:3000', 'user-agent': 'curl/8.5.0' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: '127.0.0.1',
        domainPrefix: '127',
        http: {
          method: 'GET',
          path: '/v1/customers',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'curl/8.5.0',
        },
        requestId: 'KJdkcQjK8egkAhM=',
        routeKey: 'GET /v1/customers',
        stage: '$default',
        time: '26/Nov/2026:12:10:31 +0000',
        timeEpoch: Date.UTC(2026, 10, 26, 12, 10, 31, 250),
      },
      isBase64Encoded: false,
    });
  });

  it('lower-cases header names, comma-joins repeats and moves cookies to their own field', () => {
    // Act
    const event = buildHttpEvent(
      request({
        headers: [
          ['Accept', 'text/html'],
          ['ACCEPT', 'application/json'],
          ['Cookie', 'a=1; b=2'],
        ],
      }),
      invocation,
    );

    // Assess
    expect(event.headers).toEqual({ accept: 'text/html,application/json' });
    expect(event.cookies).toEqual(['a=1', 'b=2']);
  });

  it('decodes query parameters and comma-joins repeated ones, keeping the raw query string', () => {
    // Act
    const event = buildHttpEvent(
      request({ url: '/v1/customers?email=ada%40example.com&tag=a&tag=b' }),
      invocation,
    );

    // Assess
    expect(event.rawPath).toBe('/v1/customers');
    expect(event.rawQueryString).toBe('email=ada%40example.com&tag=a&tag=b');
    expect(event.queryStringParameters).toEqual({ email: 'ada@example.com', tag: 'a,b' });
  });

  it('passes path parameters and verified claims', () => {
    // Act
    const event = buildHttpEvent(request({ url: '/v1/customers/01ABC' }), {
      ...invocation,
      routeKey: 'GET /v1/customers/{id}',
      pathParameters: { id: '01ABC' },
      jwtClaims: { sub: 'local-agent', 'cognito:groups': '[agent]' },
    });

    // Assess
    expect(event.pathParameters).toEqual({ id: '01ABC' });
    expect(event.requestContext.authorizer).toEqual({
      jwt: { claims: { sub: 'local-agent', 'cognito:groups': '[agent]' }, scopes: null },
    });
  });

  it('passes a JSON body as text', () => {
    // Act
    const event = buildHttpEvent(
      request({
        method: 'POST',
        headers: [['Content-Type', 'application/json; charset=utf-8']],
        body: Buffer.from('{"a":1}'),
      }),
      invocation,
    );

    // Assess
    expect(event.body).toBe('{"a":1}');
    expect(event.isBase64Encoded).toBe(false);
  });

  it('base64-encodes a form-urlencoded or binary body like API Gateway', () => {
    // Act
    const form = buildHttpEvent(
      request({
        method: 'POST',
        headers: [['Content-Type', 'application/x-www-form-urlencoded']],
        body: Buffer.from('From=%2B14155552671&Body=Hi'),
      }),
      invocation,
    );
    const binary = buildHttpEvent(
      request({
        method: 'POST',
        headers: [['Content-Type', 'application/octet-stream']],
        body: Buffer.from([0, 1, 2, 255]),
      }),
      invocation,
    );

    // Assess
    expect(form.isBase64Encoded).toBe(true);
    expect(Buffer.from(form.body ?? '', 'base64').toString('utf8')).toBe('From=%2B14155552671&Body=Hi');
    expect(binary.isBase64Encoded).toBe(true);
    expect(binary.body).toBe('AAEC/w==');
  });
});

describe('API Gateway conventions', () => {
  it('formats the request time like API Gateway', () => {
    expect(formatRequestTime(Date.UTC(2020, 3, 21, 15, 8, 21))).toBe('21/Apr/2020:15:08:21 +0000');
  });

  it('treats text, JSON and XML media types as text and the rest as binary', () => {
    expect(isTextBody('text/plain', undefined)).toBe(true);
    expect(isTextBody('application/vnd.api+json', undefined)).toBe(true);
    expect(isTextBody('application/json', 'gzip')).toBe(false);
    expect(isTextBody('multipart/form-data; boundary=x', undefined)).toBe(false);
    expect(isTextBody(undefined, undefined)).toBe(false);
  });

  it('has no query parameters for an empty query string', () => {
    expect(parseQueryString('')).toBeUndefined();
  });

  it('renders claims as strings, arrays in brackets', () => {
    expect(
      renderClaims({ 'cognito:groups': ['agent', 'admin'], exp: 1795741790, email_verified: true }),
    ).toEqual({
      'cognito:groups': '[agent admin]',
      exp: '1795741790',
      email_verified: 'true',
    });
  });
});

describe('toGatewayResponse', () => {
  it('maps a structured result, decoding a base64 body and keeping cookies', () => {
    // Act
    const response = toGatewayResponse({
      statusCode: 201,
      headers: { 'Content-Type': 'image/png', 'X-Count': 3 },
      cookies: ['session=1; HttpOnly'],
      body: 'AAEC',
      isBase64Encoded: true,
    });

    // Assess
    expect(response.statusCode).toBe(201);
    expect(response.headers).toEqual({ 'content-type': 'image/png', 'x-count': '3' });
    expect(response.cookies).toEqual(['session=1; HttpOnly']);
    expect([...response.body]).toEqual([0, 1, 2]);
  });

  it('answers 200 application/json with a result that has no statusCode', () => {
    // Act
    const object = toGatewayResponse({ hello: 'world' });
    const text = toGatewayResponse('Hello from Lambda!');

    // Assess
    expect(object).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json' } });
    expect(object.body.toString()).toBe('{"hello":"world"}');
    expect(text.body.toString()).toBe('Hello from Lambda!');
  });

  it('answers 500 for a structured result API Gateway cannot map', () => {
    expect(toGatewayResponse({ statusCode: '200' }).statusCode).toBe(500);
    expect(toGatewayResponse({ statusCode: 200, body: { not: 'a string' } }).statusCode).toBe(500);
  });
});

describe('route matching and throttling', () => {
  const candidates = [
    { method: 'GET', template: parseRouteTemplate('/v1/customers/{id}') },
    { method: 'GET', template: parseRouteTemplate('/v1/customers/search') },
    { method: 'GET', template: parseRouteTemplate('/v1/customers/{id}/timeline') },
    { method: 'GET', template: parseRouteTemplate('/files/{key+}') },
  ];

  it('prefers a literal segment over a parameter', () => {
    expect(matchRoute(candidates, 'GET', '/v1/customers/search')).toEqual({ index: 1, pathParameters: {} });
    expect(matchRoute(candidates, 'GET', '/v1/customers/01AB%20C')).toEqual({
      index: 0,
      pathParameters: { id: '01AB C' },
    });
  });

  it('matches a greedy parameter over the rest of the path', () => {
    expect(matchRoute(candidates, 'GET', '/files/a/b.txt')).toEqual({
      index: 3,
      pathParameters: { key: 'a/b.txt' },
    });
  });

  it('matches nothing for another method, an extra segment or an empty parameter', () => {
    expect(matchRoute(candidates, 'POST', '/v1/customers/01ABC')).toBeUndefined();
    expect(matchRoute(candidates, 'GET', '/v1/customers/01ABC/timeline/x')).toBeUndefined();
    expect(matchRoute(candidates, 'GET', '/v1/customers/')).toBeUndefined();
  });

  it('lets a burst through, then refills at the rate', () => {
    // Prepare
    let now = 0;
    const bucket = createTokenBucket(2, 3, () => now);

    // Act
    const burst = [bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()];
    now = 500;
    const afterHalfASecond = [bucket.tryTake(), bucket.tryTake()];

    // Assess
    expect(burst).toEqual([true, true, true, false]);
    expect(afterHalfASecond).toEqual([true, false]);
  });
});

describe('local gateway over HTTP', () => {
  let gateway: Gateway | undefined;
  let signingKey: DevSigningKey;
  const received: HttpEvent[] = [];

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
    received.length = 0;
  });

  const recording: HttpHandler = async (event) => {
    received.push(event);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
  };

  function route(overrides: Partial<GatewayRoute> & Pick<GatewayRoute, 'path'>): GatewayRoute {
    return {
      method: 'GET',
      auth: 'honeypot',
      handler: recording,
      createContext: (): Context =>
        createLambdaContext({
          functionName: 'carebridge-test',
          region: 'us-east-1',
          accountId: '000000000000',
          timeoutMs: 10_000,
          memoryLimitInMB: 512,
        }),
      ...overrides,
    };
  }

  async function start(routes: GatewayRoute[], now?: () => number): Promise<Gateway> {
    signingKey = await createDevSigningKey();
    const key = signingKey;
    gateway = await startGateway({
      port: 0,
      serve: (url) => ({
        routes,
        localRoutes: [
          {
            method: 'GET',
            path: DEV_JWKS_PATH,
            respond: () => ({
              statusCode: 200,
              headers: { 'content-type': 'application/json' },
              cookies: [],
              body: Buffer.from(JSON.stringify(key.jwks)),
            }),
          },
        ],
        authorizer: createJwtAuthorizer({ issuer: `${url}${DEV_ISSUER_PATH}`, audience: [DEV_CLIENT_ID] }),
      }),
      onError: () => undefined,
      ...(now ? { now } : {}),
    });
    return gateway;
  }

  function token(api: Gateway, overrides: Partial<Parameters<typeof issueDevToken>[1]> = {}) {
    return issueDevToken(signingKey, {
      issuer: `${api.url}${DEV_ISSUER_PATH}`,
      clientId: DEV_CLIENT_ID,
      role: 'agent',
      ...overrides,
    });
  }

  it('invokes the handler with the event of the matched route and returns its response', async () => {
    // Prepare
    const api = await start([route({ path: '/v1/customers/{id}' })], () => Date.UTC(2030, 0, 1));

    // Act
    const response = await fetch(`${api.url}/v1/customers/01ABC?x=1`, { headers: { 'X-Demo': 'yes' } });

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(response.headers.get('apigw-requestid')).toBeTruthy();
    const [event] = received;
    expect(event).toMatchObject({
      routeKey: 'GET /v1/customers/{id}',
      rawPath: '/v1/customers/01ABC',
      rawQueryString: 'x=1',
      pathParameters: { id: '01ABC' },
      queryStringParameters: { x: '1' },
      headers: { 'x-demo': 'yes', 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http' },
      requestContext: { http: { method: 'GET', sourceIp: '127.0.0.1' }, timeEpoch: Date.UTC(2030, 0, 1) },
    });
    expect(event?.requestContext.authorizer).toBeUndefined();
  });

  it('answers 404 Not Found for an unknown route or method', async () => {
    // Prepare
    const api = await start([route({ path: '/v1/customers' })]);

    // Act
    const unknown = await fetch(`${api.url}/v1/nothing`);
    const wrongMethod = await fetch(`${api.url}/v1/customers`, { method: 'DELETE' });

    // Assess
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: 'Not Found' });
    expect(wrongMethod.status).toBe(404);
    expect(received).toHaveLength(0);
  });

  it('answers 500 Internal Server Error when the handler throws', async () => {
    // Prepare
    const api = await start([
      route({
        path: '/boom',
        handler: async () => {
          throw new Error('internal detail');
        },
      }),
    ]);

    // Act
    const response = await fetch(`${api.url}/boom`);

    // Assess
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('answers 500 when the handler runs past its function timeout', async () => {
    // Prepare
    const api = await start([
      route({
        path: '/slow',
        handler: () => new Promise(() => undefined),
        createContext: () =>
          createLambdaContext({
            functionName: 'carebridge-slow',
            region: 'us-east-1',
            accountId: '000000000000',
            timeoutMs: 50,
            memoryLimitInMB: 512,
          }),
      }),
    ]);

    // Act
    const response = await fetch(`${api.url}/slow`);

    // Assess
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('answers 401 without calling the handler when a staff route gets no valid token', async () => {
    // Prepare
    const api = await start([route({ path: '/v1/customers', auth: 'staff' })]);
    const otherKey = signingKey;
    const expired = await token(api, {
      issuedAt: Math.floor(Date.now() / 1000) - 7200,
      lifetimeSeconds: 3600,
    });
    const wrongIssuer = await token(api, {
      issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x',
    });
    const wrongAudience = await token(api, { clientId: 'another-client' });
    signingKey = await createDevSigningKey();
    const foreignSignature = await token(api);
    signingKey = otherKey;

    // Act
    const statuses = await Promise.all(
      [undefined, 'Bearer not-a-jwt', expired, wrongIssuer, wrongAudience, foreignSignature].map(
        async (value) => {
          const headers: Record<string, string> = value ? { authorization: value } : {};
          const response = await fetch(`${api.url}/v1/customers`, { headers });
          return [response.status, await response.json()];
        },
      ),
    );

    // Assess
    for (const [status, body] of statuses) {
      expect(status).toBe(401);
      expect(body).toEqual({ message: 'Unauthorized' });
    }
    expect(received).toHaveLength(0);
  });

  it('invokes a verification-link route without a JWT: its handler checks the link token itself', async () => {
    // Prepare
    const api = await start([
      route({ path: '/v1/identity/verify', auth: 'verification-link' }),
      route({ path: '/v1/customers/{id}/merge', method: 'POST', auth: 'staff' }),
    ]);

    // Act
    const verify = await fetch(`${api.url}/v1/identity/verify?token=abc`);
    const merge = await fetch(`${api.url}/v1/customers/01ABC/merge`, { method: 'POST', body: '{}' });

    // Assess
    expect(verify.status).toBe(200);
    expect(merge.status).toBe(401);
    expect(merge.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(received).toHaveLength(1);
    expect(received[0]?.queryStringParameters).toEqual({ token: 'abc' });
    expect(received[0]?.requestContext.authorizer).toBeUndefined();
  });

  it('passes the verified claims of a valid token, groups rendered as API Gateway does', async () => {
    // Prepare
    const api = await start([route({ path: '/v1/customers', auth: 'staff' })]);
    const idToken = await token(api, { role: 'supervisor' });
    const accessToken = await token(api, { role: 'admin', tokenUse: 'access' });

    // Act
    const withBearer = await fetch(`${api.url}/v1/customers`, {
      headers: { authorization: `Bearer ${idToken}` },
    });
    const withoutPrefix = await fetch(`${api.url}/v1/customers`, { headers: { authorization: accessToken } });

    // Assess
    expect(withBearer.status).toBe(200);
    expect(withoutPrefix.status).toBe(200);
    expect(received[0]?.requestContext.authorizer?.jwt?.claims).toMatchObject({
      sub: 'local-supervisor',
      'cognito:groups': '[supervisor]',
      token_use: 'id',
      aud: DEV_CLIENT_ID,
      iss: `${api.url}${DEV_ISSUER_PATH}`,
    });
    expect(received[1]?.requestContext.authorizer?.jwt?.claims).toMatchObject({
      'cognito:groups': '[admin]',
      token_use: 'access',
      client_id: DEV_CLIENT_ID,
    });
  });

  it('serves the JWKS the tokens verify against', async () => {
    // Prepare
    const api = await start([]);

    // Act
    const response = await fetch(`${api.url}${DEV_JWKS_PATH}`);

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(signingKey.jwks);
  });

  it('answers 429 Too Many Requests once a throttled route exceeds its burst', async () => {
    // Prepare
    const api = await start([route({ path: '/v1/channels/webform', throttle: { rate: 0.001, burst: 3 } })]);

    // Act
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const response = await fetch(`${api.url}/v1/channels/webform`);
      statuses.push(response.status);
      if (response.status === 429) expect(await response.json()).toEqual({ message: 'Too Many Requests' });
      else await response.arrayBuffer();
    }

    // Assess
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(received).toHaveLength(3);
  });
});

describe('local gateway serving', () => {
  let gateway: Gateway | undefined;

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  it('answers 503 until what it serves is ready, then serves it', async () => {
    // Prepare
    let ready: (api: { routes: GatewayRoute[] }) => void = () => undefined;
    let urlDuringLoad = '';
    const started = startGateway({
      port: 0,
      serve: (url) => {
        urlDuringLoad = url;
        return new Promise((resolve) => {
          ready = resolve;
        });
      },
    });
    while (urlDuringLoad === '') await new Promise((resolve) => setTimeout(resolve, 5));

    // Act
    const early = await fetch(`${urlDuringLoad}/v1/anything`);
    ready({ routes: [] });
    gateway = await started;
    const later = await fetch(`${gateway.url}/v1/anything`);

    // Assess
    expect(early.status).toBe(503);
    expect(gateway.url).toBe(urlDuringLoad);
    expect(later.status).toBe(404);
  });

  it('gives a local route the request: path parameters (literals matched decoded), query, headers, body', async () => {
    // Prepare
    const seen: LocalRequest[] = [];
    gateway = await startGateway({
      port: 0,
      serve: () => ({
        routes: [],
        localRoutes: [
          {
            method: 'POST',
            path: '/stage/@connections/{connectionId}',
            respond: (request) => {
              seen.push(request);
              return { statusCode: 200, headers: {}, cookies: [], body: Buffer.alloc(0) };
            },
          },
        ],
      }),
    });

    // Act
    const response = await fetch(`${gateway.url}/stage/%40connections/L0SM9cOFvHcCIhw%3D?x=1`, {
      method: 'POST',
      headers: { 'X-Demo': 'yes' },
      body: 'frame',
    });

    // Assess
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.pathParameters).toEqual({ connectionId: 'L0SM9cOFvHcCIhw=' });
    expect(seen[0]?.query.get('x')).toBe('1');
    expect(seen[0]?.headers['x-demo']).toBe('yes');
    expect(seen[0]?.body.toString()).toBe('frame');
    expect(seen[0]?.gatewayUrl).toBe(gateway.url);
  });
});
