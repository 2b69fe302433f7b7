import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

/** One request the fake provider received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What the fake provider answers; `hang` never answers (for timeouts). */
export interface CannedAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly hang?: boolean;
}

/** A provider API stand-in on 127.0.0.1 with a free port: records requests, answers as told. */
export interface FakeProvider {
  readonly baseUrl: string;
  readonly requests: ReceivedRequest[];
  answer: CannedAnswer;
  close(): Promise<void>;
}

/** Starts a fake provider; close it after the tests. */
export async function startFakeProvider(answer: CannedAnswer): Promise<FakeProvider> {
  const requests: ReceivedRequest[] = [];
  const current = { answer };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (current.answer.hang) return;
      const { status, body } = current.answer;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the fake provider has no TCP address');
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    requests,
    get answer() {
      return current.answer;
    },
    set answer(next: CannedAnswer) {
      current.answer = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
