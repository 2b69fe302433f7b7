import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createConnectionsClient, postFrame } from '../../../shared/channels/chat/connections-api.js';

/**
 * What the local gateway must serve for pushes to work on the local stack: the SDK's PostToConnection
 * against CHAT_CALLBACK_URL, checked against a bare HTTP server standing in for it.
 */
describe('postFrame over the @connections wire protocol', () => {
  let server: Server;
  let callbackUrl: string;
  const received: { method: string; url: string; contentType: string | undefined; body: string }[] = [];
  let answer: 'ok' | 'gone' | 'bare-410' = 'ok';

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({
          method: request.method ?? '',
          url: request.url ?? '',
          contentType: request.headers['content-type'],
          body: Buffer.concat(chunks).toString('utf8'),
        });
        if (answer === 'ok') {
          response.writeHead(200).end();
          return;
        }
        // API Gateway names the error in x-amzn-errortype; a gateway that only sends the status also works.
        const named = answer === 'gone' ? { 'x-amzn-errortype': 'GoneException' } : {};
        response.writeHead(410, { 'content-type': 'application/json', ...named }).end('{"message":"Gone"}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    callbackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  beforeEach(() => {
    received.length = 0;
    answer = 'ok';
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  });

  it('POSTs the frame as JSON to /{stage}/@connections/{connectionId} on the callback URL', async () => {
    // Act
    const outcome = await postFrame(createConnectionsClient(callbackUrl), 'L0SM9cOFvHcCIhw=', {
      type: 'ack',
      clientMessageId: 'm-1',
      interactionId: '01M8BX4Q2D3E4F5G6H7J8K9M0N',
      duplicate: false,
    });

    // Assess
    expect(outcome).toBe('posted');
    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe('POST');
    expect(decodeURIComponent(received[0]?.url ?? '')).toBe('/prod/@connections/L0SM9cOFvHcCIhw=');
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({
      type: 'ack',
      clientMessageId: 'm-1',
      interactionId: '01M8BX4Q2D3E4F5G6H7J8K9M0N',
      duplicate: false,
    });
  });

  it.each(['gone', 'bare-410'] as const)('reads HTTP 410 (%s) as a gone connection', async (mode) => {
    answer = mode;

    const outcome = await postFrame(createConnectionsClient(callbackUrl), 'GoneGoneGone=', {
      type: 'error',
      error: 'internal_error',
      message: 'try again',
    });

    expect(outcome).toBe('gone');
  });
});
