import { WebSocket } from 'ws';

/** A WebSocket client that keeps every text frame it received, parsed as JSON. */
export interface TestSocket {
  readonly socket: WebSocket;
  readonly frames: unknown[];
  /** The first frame (received or still to come) that `matches`; fails after `timeoutMs`. */
  next(matches: (frame: unknown) => boolean, timeoutMs?: number): Promise<unknown>;
  /** Sends a frame as JSON text. */
  send(frame: unknown): void;
  /** Closes the connection and resolves once it is closed. */
  close(code?: number): Promise<{ code: number; reason: string }>;
}

/** How a handshake went: open, or refused with the HTTP status the server answered. */
export type Handshake = { readonly open: TestSocket } | { readonly refusedWith: number };

/** Opens `url`; resolves once the handshake succeeded or was refused. */
export function connect(url: string): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const frames: unknown[] = [];
    const waiters: { matches: (frame: unknown) => boolean; resolve: (frame: unknown) => void }[] = [];
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      let frame: unknown = text;
      try {
        frame = JSON.parse(text);
      } catch {
        // Kept as text.
      }
      frames.push(frame);
      for (const waiter of waiters.filter((candidate) => candidate.matches(frame))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      }
    });
    socket.once('unexpected-response', (_request, response) => {
      response.resume();
      resolve({ refusedWith: response.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once('error', (error) => {
      if (socket.readyState !== WebSocket.CLOSED) reject(error);
    });
    socket.once('open', () =>
      resolve({
        open: {
          socket,
          frames,
          next: (matches, timeoutMs = 5_000) => {
            const seen = frames.find(matches);
            if (seen !== undefined) return Promise.resolve(seen);
            return new Promise((resolveFrame, rejectFrame) => {
              const timer = setTimeout(
                () => rejectFrame(new Error(`no matching frame within ${timeoutMs} ms`)),
                timeoutMs,
              );
              waiters.push({
                matches,
                resolve: (frame) => {
                  clearTimeout(timer);
                  resolveFrame(frame);
                },
              });
            });
          },
          send: (frame) => socket.send(JSON.stringify(frame)),
          close: (code = 1000) =>
            new Promise((resolveClose) => {
              if (socket.readyState === WebSocket.CLOSED) {
                resolveClose({ code: 1006, reason: '' });
                return;
              }
              socket.once('close', (closeCode, reason) =>
                resolveClose({ code: closeCode, reason: reason.toString() }),
              );
              socket.close(code);
            }),
        },
      }),
    );
  });
}

/** The open socket of a handshake, or a failure naming the refusal. */
export function opened(handshake: Handshake): TestSocket {
  if ('open' in handshake) return handshake.open;
  throw new Error(`the handshake was refused with HTTP ${handshake.refusedWith}`);
}
