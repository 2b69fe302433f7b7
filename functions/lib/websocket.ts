import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import type { MiddlewareObj } from '@middy/core';
import * as z from 'zod/mini';
import { postFrame } from '../../shared/channels/chat/connections-api.js';
import { ClientMessageIdSchema, type ServerFrame } from '../../shared/channels/chat/protocol.js';
import { IdempotencyKeyReusedError, UnauthorizedError, ValidationError } from '../../shared/errors.js';
import { HttpError } from './http.js';
import { logger } from './logger.js';

/**
 * The event API Gateway WebSocket APIs pass to a Lambda proxy integration. `$connect` carries the
 * handshake's headers and query string; `MESSAGE` events carry the frame in `body`; `$disconnect`
 * carries the close code and reason. (@types/aws-lambda's APIGatewayProxyWebsocketEventV2 leaves out
 * headers, query string and identity, which `$connect` needs.) Real examples: events/chat/.
 */
export interface WebSocketEvent {
  readonly requestContext: {
    readonly routeKey: string;
    readonly eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
    readonly connectionId: string;
    /** Epoch ms the connection was opened. */
    readonly connectedAt: number;
    /** Epoch ms of this request; the local stack passes warped time here. */
    readonly requestTimeEpoch: number;
    readonly requestId: string;
    readonly extendedRequestId?: string;
    readonly requestTime?: string;
    readonly messageId?: string | null;
    readonly messageDirection?: 'IN';
    readonly domainName: string;
    readonly stage: string;
    readonly apiId: string;
    readonly identity?: { readonly sourceIp?: string; readonly userAgent?: string };
    readonly disconnectStatusCode?: number;
    readonly disconnectReason?: string;
  };
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[] | undefined>>;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly multiValueQueryStringParameters?: Readonly<Record<string, readonly string[] | undefined>> | null;
  readonly body?: string | null;
  readonly isBase64Encoded: boolean;
}

/**
 * What a WebSocket route's integration returns. Only `$connect`'s status matters to the client (a
 * non-2xx refuses the handshake); other routes have no route response configured, so API Gateway drops
 * the result and the client hears from us only through `@connections` frames.
 */
export interface WebSocketResult {
  readonly statusCode: number;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

type WebSocketMiddleware = MiddlewareObj<WebSocketEvent, WebSocketResult>;

/** Status-only result. */
export function status(statusCode: number): WebSocketResult {
  return { statusCode };
}

/**
 * `$connect` error mapping: an invalid or missing visitor token refuses the connection with 401 (the
 * browser sees the handshake fail); anything else is logged and refused with 500, revealing nothing.
 */
export function connectErrors(): WebSocketMiddleware {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof UnauthorizedError) {
        logger.info('chat connection refused', { reason: error.name });
        request.response = status(401);
        return request.response;
      }
      logger.error('chat connection failed', { error: error ?? undefined });
      request.response = status(500);
      return request.response;
    },
  };
}

/**
 * Error mapping of frames a visitor sends: the visitor is told on their connection with an `error`
 * frame (naming each bad field, echoing the clientMessageId when it was readable), and the invocation
 * returns 200 for a frame refused on purpose, 500 for a failure of ours. Throwing instead would make
 * API Gateway count an integration error for every malformed frame a client sends.
 */
export function frameErrors(connections: ApiGatewayManagementApiClient): WebSocketMiddleware {
  return {
    onError: async (request) => {
      const error = request.error;
      const clientMessageId = clientMessageIdOf(request.event.body);
      const [statusCode, frame] = errorFrame(error, clientMessageId);
      if (statusCode >= 500) logger.error('chat frame failed', { error: error ?? undefined });
      try {
        await postFrame(connections, request.event.requestContext.connectionId, frame);
      } catch (postError) {
        logger.warn('could not tell the visitor about the failed frame', { error: postError });
      }
      request.response = status(statusCode);
      return request.response;
    },
  };
}

function errorFrame(error: unknown, clientMessageId: string | undefined): [number, ServerFrame] {
  const echo = clientMessageId === undefined ? {} : { clientMessageId };
  if (error instanceof ValidationError) {
    const issues = error.issues.map((issue) => ({ field: issue.path, message: issue.message }));
    return [200, { type: 'error', error: 'validation_failed', message: error.message, issues, ...echo }];
  }
  if (error instanceof HttpError && error.statusCode === 413) {
    return [200, { type: 'error', error: 'payload_too_large', message: error.message, ...echo }];
  }
  if (error instanceof IdempotencyKeyReusedError) {
    return [200, { type: 'error', error: 'idempotency_key_reused', message: error.message, ...echo }];
  }
  if (error instanceof UnauthorizedError) {
    return [200, { type: 'error', error: 'session_expired', message: 'start a new chat session', ...echo }];
  }
  return [500, { type: 'error', error: 'internal_error', message: 'try again', ...echo }];
}

// Pure: a function that never maps frame errors (`$connect`, `$disconnect`) neither bundles nor builds it,
// nor the chat protocol's schemas it refers to.
const FrameEchoSchema = /* @__PURE__ */ z.looseObject({ clientMessageId: ClientMessageIdSchema });

/** The clientMessageId of a frame, when the frame is JSON and has a valid one. */
function clientMessageIdOf(body: string | null | undefined): string | undefined {
  if (!body || body.length > 64 * 1024) return undefined;
  try {
    const parsed = FrameEchoSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data.clientMessageId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads a frame's JSON: refuses it above `maxBytes` before parsing (HttpError 413), decodes base64, and
 * parses (ValidationError when malformed). The result is still unvalidated.
 */
export function readFrame(event: WebSocketEvent, maxBytes: number): unknown {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes)
    throw new HttpError(413, 'payload_too_large', `a frame is at most ${maxBytes} bytes`);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ValidationError('frame is not valid JSON', [{ path: '(body)', message: 'malformed JSON' }], {
      cause: error,
    });
  }
}
