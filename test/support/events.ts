import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HttpEvent } from '../../functions/lib/http.js';

const eventsDir = fileURLToPath(new URL('../../events/', import.meta.url));

/**
 * Loads a fixture from events/ (e.g. `http/webform-submission.json`) as a fresh deep copy, so a test
 * can change it without affecting another. The caller states the type it expects.
 */
export function loadEvent<T>(relativePath: string): T {
  return structuredClone(JSON.parse(readFileSync(`${eventsDir}${relativePath}`, 'utf8')));
}

/** Reads an events/ file as raw bytes (e.g. a MIME message). */
export function loadRaw(relativePath: string): Buffer {
  return readFileSync(`${eventsDir}${relativePath}`);
}

/** A staff request to an HTTP API handler, as the handler tests describe it. */
export interface StaffRequest {
  /** The caller's `cognito:groups` claim, `[admin]` when omitted; null: no verified caller at all. */
  readonly groups?: string | null;
  readonly id?: string;
  readonly query?: Record<string, string>;
  /** Sent as JSON. */
  readonly body?: unknown;
}

/**
 * The API Gateway event (payload format 2.0, events/http/staff-get-customer.json) of a staff request:
 * its groups claim, path id, query and JSON body.
 */
export function staffRequestEvent(request: StaffRequest): HttpEvent {
  const event = loadEvent<HttpEvent>('http/staff-get-customer.json');
  const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
  claims['cognito:groups'] = request.groups ?? '[admin]';
  if (request.groups === null) delete event.requestContext.authorizer;
  return {
    ...event,
    pathParameters: request.id === undefined ? {} : { id: request.id },
    ...(request.query ? { queryStringParameters: request.query } : {}),
    headers: { ...event.headers, 'content-type': 'application/json' },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  };
}
