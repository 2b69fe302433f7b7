/**
 * Every Lambda function of carebridge, declared once. The CDK app builds functions, routes, grants and
 * event sources from this list, and the local stack serves the same routes and polls the same queues
 * with the same handler files, so the two worlds cannot drift apart.
 */

/** Access a function needs; the CDK app turns each into a least-privilege grant. */
export interface FunctionAccess {
  readonly table?: 'read' | 'write';
  /** Queues the function sends to (by logical queue name). */
  readonly sendsTo?: readonly QueueName[];
}

export type QueueName = 'routing';

/** Who may call an HTTP route: anyone (the handler authenticates or guards itself), or staff with a JWT. */
export type RouteAuth = 'public' | 'staff';

export interface HttpFunction {
  readonly kind: 'http';
  readonly name: string;
  /** Handler file relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway route path, e.g. `/v1/customers/{id}`. */
  readonly path: string;
  readonly auth: RouteAuth;
  readonly access: FunctionAccess;
  /** Per-route throttle (requests per second, burst) for public routes open to abuse. */
  readonly throttle?: { readonly rate: number; readonly burst: number };
}

export interface QueueFunction {
  readonly kind: 'queue';
  readonly name: string;
  readonly entry: string;
  /** The queue it consumes. */
  readonly queue: QueueName;
  readonly batchSize: number;
  readonly access: FunctionAccess;
}

export type FunctionDefinition = HttpFunction | QueueFunction;

export const FUNCTIONS = [
  {
    kind: 'http',
    name: 'webform',
    entry: 'functions/webform/handler.ts',
    method: 'POST',
    path: '/v1/channels/webform',
    auth: 'public',
    access: { table: 'write', sendsTo: ['routing'] },
    throttle: { rate: 20, burst: 40 },
  },
  {
    kind: 'http',
    name: 'customers-find',
    entry: 'functions/customers/find.ts',
    method: 'GET',
    path: '/v1/customers',
    auth: 'staff',
    access: { table: 'read' },
  },
  {
    kind: 'http',
    name: 'customers-get',
    entry: 'functions/customers/get.ts',
    method: 'GET',
    path: '/v1/customers/{id}',
    auth: 'staff',
    access: { table: 'read' },
  },
  {
    kind: 'http',
    name: 'customers-timeline',
    entry: 'functions/customers/timeline.ts',
    method: 'GET',
    path: '/v1/customers/{id}/timeline',
    auth: 'staff',
    access: { table: 'read' },
  },
  {
    kind: 'http',
    name: 'conversations-get',
    entry: 'functions/conversations/get.ts',
    method: 'GET',
    path: '/v1/conversations/{id}',
    auth: 'staff',
    access: { table: 'read' },
  },
  {
    kind: 'queue',
    name: 'route',
    entry: 'functions/route/handler.ts',
    queue: 'routing',
    batchSize: 10,
    access: { table: 'write' },
  },
] as const satisfies readonly FunctionDefinition[];

/**
 * Environment variables by resource: the CDK app sets them from real resources, the local stack from
 * the emulators. TABLE_NAME for the table, `<QUEUE>_QUEUE_URL` for each queue a function sends to.
 */
export const ENV = {
  table: 'TABLE_NAME',
  queueUrl: (queue: QueueName) => `${queue.toUpperCase()}_QUEUE_URL`,
  phoneRegion: 'DEFAULT_PHONE_REGION',
} as const;
