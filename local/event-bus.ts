import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod';
import { type AsyncFailure, type AsyncInvoker, createAsyncInvoker } from './async-invoker.js';
import { compileEventPattern, type EventMatcher } from './event-pattern.js';
import { createLambdaContext } from './lambda-context.js';
import { readBody } from './request-body.js';

/**
 * A local EventBridge: `PutEvents` over the AWS JSON 1.1 protocol on 127.0.0.1 (point the SDK at it with
 * `AWS_ENDPOINT_URL_EVENTBRIDGE`), validated as EventBridge validates it, and rules as in-process
 * subscriptions: each accepted event that a subscription's pattern matches is delivered to its handler as a
 * Lambda target receives it, by asynchronous invocation (two retries, then the subscription's on-failure
 * destination). The last events put are kept for tests and for `GET /events`.
 */

/** An event as rules see it and Lambda targets receive it. */
export type BusEvent = EventBridgeEvent<string, unknown>;

/** A rule's target as the bus calls it. */
export type BusEventHandler = (event: BusEvent, context: Context) => Promise<unknown>;

/** A rule with one Lambda target. */
export interface BusSubscription {
  /** Names the rule's target in messages and, by default, in its Lambda context. */
  readonly name: string;
  /** The bus the rule is on; `default` when omitted. */
  readonly busName?: string;
  /** An EventBridge event pattern (object or JSON text); an invalid one throws, as PutRule refuses it. */
  readonly pattern: unknown;
  readonly handler: BusEventHandler;
  /** A fresh Lambda context per invocation; a 10 s, 256 MB function named after the rule by default. */
  readonly createContext?: () => Context;
  /** Where an event goes after its last failed attempt; reported to the bus's `onError` by default. */
  readonly onFailure?: (event: BusEvent, failure: AsyncFailure) => Promise<void>;
}

/** One event the bus accepted, in the log. */
export interface PublishedEvent {
  readonly eventBusName: string;
  readonly event: BusEvent;
}

export interface EventBusOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free port. */
  readonly port?: number;
  readonly region?: string;
  readonly accountId?: string;
  /**
   * The buses that exist besides `default`; an entry for another bus fails (`ResourceNotFoundException`).
   * Every bus name is accepted when omitted.
   */
  readonly buses?: readonly string[];
  /** How many accepted events the log keeps (the newest); 1,000 by default. */
  readonly logSize?: number;
  /** Waits before a target's retries (Lambda's asynchronous invocation retries twice); 1 s then 2 s. */
  readonly retryDelaysMs?: readonly number[];
  /** Where failed deliveries are reported; console.error by default. */
  readonly onError?: (message: string, error: unknown) => void;
}

/** A running bus. */
export interface EventBus {
  /** Endpoint URL for the AWS SDK, e.g. `http://127.0.0.1:4567`. */
  readonly endpoint: string;
  readonly port: number;
  /** Adds a rule with its target; returns its removal. */
  subscribe(subscription: BusSubscription): () => void;
  /** The accepted events, oldest first (at most `logSize`). */
  events(): readonly PublishedEvent[];
  /** Resolves once no delivery is queued, running or waiting for a retry. */
  idle(): Promise<void>;
  /** Closes the server and waits for deliveries in progress (pending retries are dropped); safe to call twice. */
  stop(): Promise<void>;
}

const TARGET_PREFIX = 'AWSEvents.';
const JSON_1_1 = 'application/x-amz-json-1.1';
const MAX_ENTRIES = 10;
/** EventBridge's limit on the total size of a PutEvents request's entries. */
const MAX_ENTRIES_BYTES = 256 * 1024;
const MAX_REQUEST_BYTES = 1024 * 1024;
const DEFAULT_LOG_SIZE = 1_000;
const DEFAULT_BUS = 'default';
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MEMORY_MB = 256;
/** The bytes EventBridge counts for an entry's `Time`, when it has one. */
const TIME_BYTES = 14;

const PutEventsRequestEntrySchema = z.object({
  Source: z.string().optional(),
  DetailType: z.string().optional(),
  Detail: z.string().optional(),
  Resources: z.array(z.string()).optional(),
  EventBusName: z.string().optional(),
  /** The SDK sends a timestamp as epoch seconds. */
  Time: z.number().optional(),
  TraceHeader: z.string().optional(),
});
type PutEventsRequestEntry = z.infer<typeof PutEventsRequestEntrySchema>;

const PutEventsRequestSchema = z.object({
  Entries: z.array(PutEventsRequestEntrySchema),
  EndpointId: z.string().optional(),
});

type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** An error answered to the client as EventBridge would: HTTP status and a JSON body with `__type`. */
class BusApiError extends Error {
  override readonly name = 'BusApiError';

  constructor(
    readonly statusCode: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

interface Rule {
  readonly busName: string;
  readonly matches: EventMatcher;
  readonly invoker: AsyncInvoker;
}

/** Starts the bus on 127.0.0.1. */
export async function startEventBus(options: EventBusOptions = {}): Promise<EventBus> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const onError = options.onError ?? ((message: string, error: unknown) => console.error(message, error));
  const logSize = Math.max(options.logSize ?? DEFAULT_LOG_SIZE, 0);
  const knownBuses = options.buses === undefined ? undefined : new Set([DEFAULT_BUS, ...options.buses]);
  const rules = new Set<Rule>();
  const invokers = new Set<AsyncInvoker>();
  const log: PublishedEvent[] = [];

  const accept = (eventBusName: string, event: BusEvent): void => {
    log.push({ eventBusName, event });
    if (log.length > logSize) log.splice(0, log.length - logSize);
    for (const rule of rules) {
      if (rule.busName === eventBusName && rule.matches(event)) rule.invoker.invoke(structuredClone(event));
    }
  };

  const putEvents = (body: unknown): unknown => {
    const request = PutEventsRequestSchema.safeParse(body);
    if (!request.success)
      throw new BusApiError(400, 'SerializationException', 'The request is not well formed');
    const { Entries: entries } = request.data;
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw new BusApiError(
        400,
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${
          entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`
        }`,
      );
    }
    if (entries.reduce((total, entry) => total + entrySize(entry), 0) > MAX_ENTRIES_BYTES) {
      throw new BusApiError(
        400,
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    }
    const results: PutEventsResultEntry[] = [];
    const accepted: PublishedEvent[] = [];
    for (const entry of entries) {
      const outcome = toEvent(entry, { region, accountId, knownBuses });
      if ('ErrorCode' in outcome) {
        results.push(outcome);
      } else {
        results.push({ EventId: outcome.event.id });
        accepted.push(outcome);
      }
    }
    // Rules see the events after the answer is made, as EventBridge delivers asynchronously.
    for (const { eventBusName, event } of accepted) accept(eventBusName, event);
    return { Entries: results, FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length };
  };

  const server = createServer((request, response) => {
    void handleRequest(request, response, putEvents, () => log).catch((error: unknown) => {
      onError('[event-bus] a request failed', error);
      if (!response.headersSent)
        sendJson(response, 500, { __type: 'InternalException', message: 'Internal error' });
    });
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('The event bus is not listening on a TCP port');
  }

  let stopped: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    await Promise.all([...invokers].map((invoker) => invoker.stop()));
  };

  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    subscribe: (subscription) => {
      const matches = compileEventPattern(subscription.pattern);
      const invoker = createAsyncInvoker({
        functionName: subscription.name,
        handler: (event, context) =>
          isBusEvent(event)
            ? subscription.handler(event, context)
            : Promise.reject(new Error('The bus delivered something other than an event')),
        createContext:
          subscription.createContext ??
          (() =>
            createLambdaContext({
              functionName: subscription.name,
              region,
              accountId,
              timeoutMs: DEFAULT_TIMEOUT_MS,
              memoryLimitInMB: DEFAULT_MEMORY_MB,
            })),
        ...(options.retryDelaysMs === undefined ? {} : { retryDelaysMs: options.retryDelaysMs }),
        onFailure: async (event, failure) => {
          if (subscription.onFailure !== undefined && isBusEvent(event)) {
            await subscription.onFailure(event, failure);
          } else {
            onError(
              `[event-bus] ${subscription.name} gave up an event after ${failure.attempts} attempts`,
              failure.error,
            );
          }
        },
        onError,
      });
      const rule: Rule = { busName: subscription.busName ?? DEFAULT_BUS, matches, invoker };
      rules.add(rule);
      invokers.add(invoker);
      return () => {
        rules.delete(rule);
      };
    },
    events: () => [...log],
    idle: async () => {
      await Promise.all([...invokers].map((invoker) => invoker.idle()));
    },
    stop: () => {
      stopped ??= stop();
      return stopped;
    },
  };
}

async function handleRequest(
  request: IncomingMessage,
  response: ServerResponse,
  putEvents: (body: unknown) => unknown,
  log: () => readonly PublishedEvent[],
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
  if (request.method === 'GET' && path === '/events') {
    (await readBody(request, MAX_REQUEST_BYTES))?.toString('utf8');
    sendJson(response, 200, { events: log() }, 'application/json');
    return;
  }
  const body = (await readBody(request, MAX_REQUEST_BYTES))?.toString('utf8');
  if (body === undefined) {
    sendJson(response, 413, { __type: 'ValidationException', message: 'The request is too large' });
    return;
  }
  const target = request.headers['x-amz-target'];
  try {
    if (request.method !== 'POST' || target !== `${TARGET_PREFIX}PutEvents`) {
      throw new BusApiError(400, 'UnknownOperationException', 'Only PutEvents is served by the local bus');
    }
    sendJson(response, 200, putEvents(parseJson(body)));
  } catch (error) {
    if (!(error instanceof BusApiError)) throw error;
    sendJson(response, error.statusCode, { __type: error.type, message: error.message });
  }
}

/** The event an entry makes, or the entry's error, in EventBridge's order of checks. */
function toEvent(
  entry: PutEventsRequestEntry,
  bus: {
    readonly region: string;
    readonly accountId: string;
    readonly knownBuses: ReadonlySet<string> | undefined;
  },
): PublishedEvent | { ErrorCode: string; ErrorMessage: string } {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (!entry[field]) {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
    }
  }
  const detail = parseDetail(entry.Detail ?? '');
  if (detail === undefined) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  const source = entry.Source ?? '';
  if (source.startsWith('aws.')) {
    return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
  }
  const eventBusName = busNameOf(entry.EventBusName);
  if (bus.knownBuses !== undefined && !bus.knownBuses.has(eventBusName)) {
    return {
      ErrorCode: 'ResourceNotFoundException',
      ErrorMessage: `Event bus ${eventBusName} does not exist.`,
    };
  }
  const time = entry.Time === undefined ? new Date() : new Date(entry.Time * 1000);
  return {
    eventBusName,
    event: {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType ?? '',
      source,
      account: bus.accountId,
      time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: bus.region,
      resources: entry.Resources ?? [],
      detail,
    },
  };
}

/** The bus of an entry: its name, or the name in its ARN (`arn:aws:events:…:event-bus/<name>`). */
function busNameOf(eventBusName: string | undefined): string {
  if (!eventBusName) return DEFAULT_BUS;
  const arnName = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(eventBusName)?.[1];
  return arnName ?? eventBusName;
}

/** The detail when it is a JSON object, as EventBridge requires; undefined otherwise. */
function parseDetail(text: string): Record<string, unknown> | undefined {
  try {
    const parsed = z.record(z.string(), z.unknown()).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** An entry's size as EventBridge counts it against the 256 KB of a request. */
function entrySize(entry: PutEventsRequestEntry): number {
  const bytes = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));
  return (
    (entry.Time === undefined ? 0 : TIME_BYTES) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((total, resource) => total + bytes(resource), 0)
  );
}

function isBusEvent(value: unknown): value is BusEvent {
  return (
    typeof value === 'object' &&
    value !== null &&
    'detail-type' in value &&
    typeof value['detail-type'] === 'string' &&
    'source' in value &&
    typeof value.source === 'string' &&
    'id' in value &&
    typeof value.id === 'string'
  );
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new BusApiError(400, 'SerializationException', 'The request body is not JSON');
  }
}

function sendJson(response: ServerResponse, statusCode: number, body: unknown, contentType = JSON_1_1): void {
  const json = JSON.stringify(body);
  response.statusCode = statusCode;
  response.setHeader('x-amzn-RequestId', randomUUID());
  response.setHeader('Content-Type', contentType);
  response.setHeader('Content-Length', Buffer.byteLength(json, 'utf8'));
  response.end(json);
}
