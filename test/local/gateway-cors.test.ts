import { afterEach, describe, expect, it } from 'vitest';
import { API_CORS } from '../../functions/api-cors.js';
import { json } from '../../functions/lib/http.js';
import type { CorsConfiguration } from '../../local/cors.js';
import { type Gateway, type GatewayRoute, startGateway } from '../../local/gateway.js';
import { createLambdaContext } from '../../local/lambda-context.js';

/**
 * The local gateway answers CORS as the HTTP API does with the CDK app's configuration: preflights for
 * the allowed origins only, its own CORS headers on every answer, and none at all without a configuration.
 */

const SITE = 'http://127.0.0.1:3001';
const cors: CorsConfiguration = { ...API_CORS, allowOrigins: [SITE] };
let gateway: Gateway | undefined;

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
});

const route: GatewayRoute = {
  method: 'POST',
  path: '/v1/chat/sessions',
  auth: 'visitor-session',
  // An integration that sets a CORS header of its own, which API Gateway ignores.
  handler: async () => json(201, { ok: true }, { 'access-control-allow-origin': '*' }),
  createContext: () =>
    createLambdaContext({
      functionName: 'cors-test',
      region: 'us-east-1',
      accountId: '000000000000',
      timeoutMs: 3000,
      memoryLimitInMB: 128,
    }),
};

async function start(configuration: CorsConfiguration | undefined): Promise<string> {
  gateway = await startGateway({
    port: 0,
    serve: () => ({ routes: [route], ...(configuration ? { cors: configuration } : {}) }),
    onError: () => undefined,
  });
  return gateway.url;
}

function preflight(url: string, origin: string, headers = 'content-type') {
  return fetch(`${url}/v1/chat/sessions`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers },
  });
}

describe('CORS on the local gateway', () => {
  it('answers a preflight from an allowed origin with the configured methods, headers and max age', async () => {
    // Prepare
    const url = await start(cors);

    // Act
    const response = await preflight(url, SITE, 'Content-Type, Authorization');

    // Assess
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type,authorization');
    expect(response.headers.get('access-control-max-age')).toBe('3600');
  });

  it('gives another origin, or a header not allowed, no CORS headers, so the browser refuses', async () => {
    // Prepare
    const url = await start(cors);

    // Act
    const stranger = await preflight(url, 'https://evil.example');
    const odd = await preflight(url, SITE, 'x-custom');

    // Assess
    expect(stranger.status).toBe(204);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    expect(odd.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('puts its own CORS header on answers to allowed origins, replacing the integration`s', async () => {
    // Prepare
    const url = await start(cors);
    const post = (origin: string) =>
      fetch(`${url}/v1/chat/sessions`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
      });

    // Act
    const [allowed, stranger, unknownRoute] = await Promise.all([
      post(SITE),
      post('https://evil.example'),
      fetch(`${url}/v1/nothing`, { headers: { origin: SITE } }),
    ]);

    // Assess
    expect(allowed.status).toBe(201);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.headers.get('access-control-allow-origin')).toBe(SITE);
  });

  it('without a configuration (the default) answers no preflight and leaves headers to the integration', async () => {
    // Prepare
    const url = await start(undefined);

    // Act
    const response = await preflight(url, SITE);
    const posted = await fetch(`${url}/v1/chat/sessions`, { method: 'POST', headers: { origin: SITE } });

    // Assess
    expect(response.status).toBe(404);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(posted.headers.get('access-control-allow-origin')).toBe('*');
  });
});
