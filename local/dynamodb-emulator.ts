import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import batchGetItem from 'dynalite/actions/batchGetItem.js';
import batchWriteItem from 'dynalite/actions/batchWriteItem.js';
import createTableAction from 'dynalite/actions/createTable.js';
import deleteItem from 'dynalite/actions/deleteItem.js';
import deleteTable from 'dynalite/actions/deleteTable.js';
import describeTable from 'dynalite/actions/describeTable.js';
import getItem from 'dynalite/actions/getItem.js';
import listTables from 'dynalite/actions/listTables.js';
import listTagsOfResource from 'dynalite/actions/listTagsOfResource.js';
import putItem from 'dynalite/actions/putItem.js';
import query from 'dynalite/actions/query.js';
import scan from 'dynalite/actions/scan.js';
import tagResource from 'dynalite/actions/tagResource.js';
import untagResource from 'dynalite/actions/untagResource.js';
import updateItem from 'dynalite/actions/updateItem.js';
import updateTable from 'dynalite/actions/updateTable.js';
import db, {
  type DynaliteAction,
  type DynaliteError,
  type DynaliteRequest,
  type DynaliteResult,
  type Item,
  type SecondaryIndexDescription,
  type Store,
  type TableDescription,
} from 'dynalite/db/index.js';
import batchGetItemValidation from 'dynalite/validations/batchGetItem.js';
import batchWriteItemValidation from 'dynalite/validations/batchWriteItem.js';
import createTableValidation from 'dynalite/validations/createTable.js';
import deleteItemValidation from 'dynalite/validations/deleteItem.js';
import deleteTableValidation from 'dynalite/validations/deleteTable.js';
import describeTableValidation from 'dynalite/validations/describeTable.js';
import getItemValidation from 'dynalite/validations/getItem.js';
import validations, { type OperationValidation } from 'dynalite/validations/index.js';
import listTablesValidation from 'dynalite/validations/listTables.js';
import listTagsOfResourceValidation from 'dynalite/validations/listTagsOfResource.js';
import putItemValidation from 'dynalite/validations/putItem.js';
import queryValidation from 'dynalite/validations/query.js';
import scanValidation from 'dynalite/validations/scan.js';
import tagResourceValidation from 'dynalite/validations/tagResource.js';
import untagResourceValidation from 'dynalite/validations/untagResource.js';
import updateItemValidation from 'dynalite/validations/updateItem.js';
import updateTableValidation from 'dynalite/validations/updateTable.js';
import * as z from 'zod';
import {
  StreamPublisher,
  type StreamRecordListener,
  type StreamSubscriptionOptions,
  type WriteTarget,
} from './dynamodb-stream-records.js';
import { type FaultInjector, NO_FAULTS } from './faults.js';
import { readBody } from './request-body.js';

export type { StreamRecordListener, StreamSubscriptionOptions } from './dynamodb-stream-records.js';

/** Where and how to run the emulator. */
export interface DynamoEmulatorOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free port. */
  readonly port?: number;
  /** LevelDB directory that keeps the data across restarts; in memory when omitted. */
  readonly path?: string;
  /**
   * Injected faults (local/faults.ts): `dynamodb.throttle` refuses data-plane requests as DynamoDB does
   * when a partition is over its capacity; `dynamodb.conflict` cancels TransactWriteItems with a
   * `TransactionConflict` reason, as when another transaction holds one of its items. None by default.
   */
  readonly faults?: FaultInjector;
}

/** A running emulator. */
export interface DynamoEmulator {
  /** Endpoint URL for the AWS SDK, e.g. `http://127.0.0.1:4567`. */
  readonly endpoint: string;
  readonly port: number;
  /**
   * Turns the tables' streams on for this listener (view type NEW_AND_OLD_IMAGES): from now on, every item
   * that a PutItem, UpdateItem, DeleteItem, BatchWriteItem or TransactWriteItems changes yields one record
   * of the shape Lambda's DynamoDB event source delivers, handed to the listener synchronously and, for
   * each item, in write order. Streams cost nothing until the first listener; subscribe before the
   * writes you want recorded start (a write already under way when the first listener subscribes is not
   * recorded). Returns the unsubscribe.
   */
  subscribeStream(listener: StreamRecordListener, options?: StreamSubscriptionOptions): () => void;
  /** Closes the server and the store; safe to call more than once. */
  stop(): Promise<void>;
}

const API_VERSION = 'DynamoDB_20120810';
const DYNAMODB_ERROR = 'com.amazonaws.dynamodb.v20120810#';
const VALIDATION_EXCEPTION = 'com.amazon.coral.validate#ValidationException';
const SERIALIZATION_EXCEPTION = 'com.amazon.coral.service#SerializationException';
const CONDITIONAL_CHECK_FAILED = `${DYNAMODB_ERROR}ConditionalCheckFailedException`;
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
/** DynamoDB's limit on the aggregate size of the items of one transaction. */
const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;
/** The operations that read or write items, which DynamoDB throttles (not table management). */
const DATA_PLANE_OPERATIONS: ReadonlySet<string> = new Set([
  'BatchGetItem',
  'BatchWriteItem',
  'DeleteItem',
  'GetItem',
  'PutItem',
  'Query',
  'Scan',
  'TransactGetItems',
  'TransactWriteItems',
  'UpdateItem',
]);
const TRANSACTIONAL_FACTOR = 2;
const IDEMPOTENCY_WINDOW_MS = 10 * 60 * 1000;
/** Main-database key of a table's TTL setting; no dynalite sub-database uses this prefix. */
const TTL_KEY_PREFIX = 'carebridge-ttl~';

/**
 * Starts dynalite on 127.0.0.1 behind a front server that adds the operations dynalite 4 lacks:
 * TransactWriteItems, TransactGetItems and UpdateTimeToLive (DescribeTimeToLive then reports the setting).
 * It also honours ReturnValuesOnConditionCheckFailure on PutItem, UpdateItem and DeleteItem.
 * Every request passes one read-write lock: ordinary operations share it, transactions (and conditional
 * writes that must return the item they failed against) hold it alone, so nothing observes or interleaves
 * with a half-applied transaction. Items are not expired by TTL.
 * With a stream listener (`subscribeStream`), the writes of one item also run one at a time, between a
 * read of the item before and after, so each stream record carries exactly that write's images.
 */
export async function startDynamoEmulator(options: DynamoEmulatorOptions = {}): Promise<DynamoEmulator> {
  const store = db.create({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await store.db.open();
  const backend = new EmulatorBackend(store, options.faults ?? NO_FAULTS);
  const server = createServer((request, response) => {
    void handleHttpRequest(backend, request, response);
  });
  try {
    server.listen(options.port ?? 0, '127.0.0.1');
    await once(server, 'listening');
  } catch (error) {
    await store.db.close();
    throw error;
  }
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('The DynamoDB emulator is not listening on a TCP port');
  }
  let stopped: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    await store.db.close();
  };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    subscribeStream: (listener, streamOptions) => backend.streams.subscribe(listener, streamOptions),
    stop: () => {
      stopped ??= stop();
      return stopped;
    },
  };
}

/** An error answered to the client as DynamoDB would: HTTP status and a JSON body with `__type`. */
class EmulatorApiError extends Error {
  override readonly name = 'EmulatorApiError';

  constructor(
    readonly statusCode: number,
    readonly body: { readonly __type: string; readonly [field: string]: unknown },
    options?: ErrorOptions,
  ) {
    super(typeof body.message === 'string' ? body.message : body.__type, options);
  }
}

function validationError(message: string): EmulatorApiError {
  return new EmulatorApiError(400, { __type: VALIDATION_EXCEPTION, message });
}

function isDynaliteError(error: unknown): error is DynaliteError {
  return (
    error instanceof Error &&
    'statusCode' in error &&
    typeof error.statusCode === 'number' &&
    'body' in error &&
    typeof error.body === 'object' &&
    error.body !== null
  );
}

function toApiError(error: unknown): EmulatorApiError {
  if (error instanceof EmulatorApiError) return error;
  if (isDynaliteError(error)) return new EmulatorApiError(error.statusCode, error.body, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new EmulatorApiError(
    500,
    { __type: `${DYNAMODB_ERROR}InternalServerError`, message },
    { cause: error },
  );
}

// ---------------------------------------------------------------------------------------------------------
// HTTP front: the parts of dynalite's own handler that matter to the SDK, minus signature checks.

async function handleHttpRequest(
  backend: EmulatorBackend,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  try {
    const body = (await readBody(request, MAX_REQUEST_BYTES))?.toString('utf8');
    if (body === undefined) {
      response.statusCode = 413;
      response.end();
      return;
    }
    if (request.method === 'GET') {
      response.end('healthy: dynamodb.us-east-1.amazonaws.com ');
      return;
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const jsonContent = contentType === 'application/json' || contentType === 'application/x-amz-json-1.0';
    if (request.method !== 'POST' || (body !== '' && !jsonContent)) {
      response.statusCode = 404;
      response.end('<UnknownOperationException/>\n');
      return;
    }
    const responseType = contentType === 'application/json' ? contentType : 'application/x-amz-json-1.0';
    const target = request.headers['x-amz-target'];
    const [api, operation] = typeof target === 'string' ? target.split('.') : [];
    try {
      if (api !== API_VERSION || operation === undefined) {
        throw new EmulatorApiError(400, { __type: 'com.amazon.coral.service#UnknownOperationException' });
      }
      const result = await backend.dispatch(operation, parseJsonObject(body));
      sendJson(response, 200, result, responseType);
    } catch (error) {
      const apiError = toApiError(error);
      sendJson(response, apiError.statusCode, apiError.body, responseType);
    }
  } catch (error) {
    if (!response.headersSent) sendJson(response, 500, toApiError(error).body, 'application/x-amz-json-1.0');
  }
}

function parseJsonObject(body: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new EmulatorApiError(400, { __type: SERIALIZATION_EXCEPTION }, { cause: error });
  }
  const object = z.record(z.string(), z.unknown()).safeParse(parsed);
  if (!object.success) throw new EmulatorApiError(400, { __type: SERIALIZATION_EXCEPTION });
  return object.data;
}

function sendJson(response: ServerResponse, statusCode: number, body: unknown, contentType: string): void {
  const json = JSON.stringify(body);
  response.statusCode = statusCode;
  response.setHeader(
    'x-amzn-RequestId',
    randomBytes(39).toString('base64').toUpperCase().replace(/[+/]/g, '0'),
  );
  response.setHeader('x-amz-crc32', crc32(json));
  response.setHeader('Content-Type', contentType);
  response.setHeader('Content-Length', Buffer.byteLength(json, 'utf8'));
  response.end(json);
}

// ---------------------------------------------------------------------------------------------------------
// Isolation.

type LockMode = 'shared' | 'exclusive';

/** First-come first-served read-write lock: shared holders run together, an exclusive holder runs alone. */
class ReadWriteLock {
  #sharedHolders = 0;
  #exclusiveHeld = false;
  readonly #waiting: { readonly mode: LockMode; readonly grant: () => void }[] = [];

  async run<T>(mode: LockMode, task: () => Promise<T>): Promise<T> {
    await new Promise<void>((grant) => {
      this.#waiting.push({ mode, grant });
      this.#grantWaiting();
    });
    try {
      return await task();
    } finally {
      if (mode === 'exclusive') this.#exclusiveHeld = false;
      else this.#sharedHolders -= 1;
      this.#grantWaiting();
    }
  }

  #grantWaiting(): void {
    for (let next = this.#waiting[0]; next !== undefined && !this.#exclusiveHeld; next = this.#waiting[0]) {
      if (next.mode === 'exclusive') {
        if (this.#sharedHolders > 0) return;
        this.#exclusiveHeld = true;
      } else {
        this.#sharedHolders += 1;
      }
      this.#waiting.shift();
      next.grant();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Request shapes of the added operations. The per-item validation (expressions, attribute values, keys,
// item size) is dynalite's own, run on each item below.

const AttributeValueSchema: z.ZodType<AttributeValueInput> = z.lazy(() =>
  z
    .strictObject({
      S: z.string().optional(),
      N: z.string().optional(),
      B: z.string().optional(),
      BOOL: z.boolean().optional(),
      NULL: z.boolean().optional(),
      SS: z.array(z.string()).optional(),
      NS: z.array(z.string()).optional(),
      BS: z.array(z.string()).optional(),
      L: z.array(AttributeValueSchema).optional(),
      M: z.record(z.string(), AttributeValueSchema).optional(),
    })
    .refine((value) => Object.values(value).filter((field) => field !== undefined).length === 1, {
      message: 'Supplied AttributeValue must contain exactly one of the supported datatypes',
    }),
);
type AttributeValueInput = Item[string];
const ItemSchema = z.record(z.string(), AttributeValueSchema);
const TableNameSchema = z
  .string()
  .min(3)
  .max(255)
  .regex(/^[a-zA-Z0-9_.-]+$/);
const ReturnConsumedCapacitySchema = z.enum(['INDEXES', 'TOTAL', 'NONE']).optional();
const ExpressionFields = {
  ConditionExpression: z.string().optional(),
  ExpressionAttributeNames: z.record(z.string(), z.string()).optional(),
  ExpressionAttributeValues: ItemSchema.optional(),
  ReturnValuesOnConditionCheckFailure: z.enum(['ALL_OLD', 'NONE']).optional(),
};

const TransactWriteItemSchema = z
  .object({
    Put: z.object({ TableName: TableNameSchema, Item: ItemSchema, ...ExpressionFields }).optional(),
    Update: z
      .object({
        TableName: TableNameSchema,
        Key: ItemSchema,
        UpdateExpression: z.string(),
        ...ExpressionFields,
      })
      .optional(),
    Delete: z.object({ TableName: TableNameSchema, Key: ItemSchema, ...ExpressionFields }).optional(),
    ConditionCheck: z
      .object({
        TableName: TableNameSchema,
        Key: ItemSchema,
        ...ExpressionFields,
        ConditionExpression: z.string(),
      })
      .optional(),
  })
  .refine(
    (item) =>
      [item.Put, item.Update, item.Delete, item.ConditionCheck].filter((op) => op !== undefined).length === 1,
    { message: 'TransactItems can only contain one of Check, Put, Update or Delete' },
  );
type TransactWriteItem = z.infer<typeof TransactWriteItemSchema>;

const TransactWriteItemsInputSchema = z.object({
  TransactItems: z.array(TransactWriteItemSchema).min(1).max(100),
  ReturnConsumedCapacity: ReturnConsumedCapacitySchema,
  ReturnItemCollectionMetrics: z.enum(['SIZE', 'NONE']).optional(),
  ClientRequestToken: z.string().min(1).max(36).optional(),
});

const TransactGetItemsInputSchema = z.object({
  TransactItems: z
    .array(
      z.object({
        Get: z.object({
          TableName: TableNameSchema,
          Key: ItemSchema,
          ProjectionExpression: z.string().optional(),
          ExpressionAttributeNames: z.record(z.string(), z.string()).optional(),
        }),
      }),
    )
    .min(1)
    .max(100),
  ReturnConsumedCapacity: ReturnConsumedCapacitySchema,
});

const UpdateTimeToLiveInputSchema = z.object({
  TableName: TableNameSchema,
  TimeToLiveSpecification: z.object({ Enabled: z.boolean(), AttributeName: z.string().min(1).max(255) }),
});

const DescribeTimeToLiveInputSchema = z.object({ TableName: TableNameSchema });

const TimeToLiveRecordSchema = z.object({ AttributeName: z.string() });

/** Parses a request body, answering a ValidationException that names each failing field. */
function parseInput<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 10);
  const details = issues.map(
    (issue) => `Value at '${wirePath(issue.path)}' failed to satisfy constraint: ${issue.message}`,
  );
  throw validationError(
    `${issues.length} validation error${issues.length > 1 ? 's' : ''} detected: ${details.join('; ')}`,
  );
}

/** A field path the way DynamoDB prints it: `transactItems.1.member.put.tableName`. */
function wirePath(path: readonly PropertyKey[]): string {
  return path
    .map((segment) =>
      typeof segment === 'number'
        ? `${segment + 1}.member`
        : String(segment).replace(/^./, (first) => first.toLowerCase()),
    )
    .join('.');
}

// ---------------------------------------------------------------------------------------------------------
// Operations.

const FORWARDED_OPERATIONS: ReadonlyMap<string, { action: DynaliteAction; validation: OperationValidation }> =
  new Map([
    ['BatchGetItem', { action: batchGetItem, validation: batchGetItemValidation }],
    ['BatchWriteItem', { action: batchWriteItem, validation: batchWriteItemValidation }],
    ['CreateTable', { action: createTableAction, validation: createTableValidation }],
    ['DeleteItem', { action: deleteItem, validation: deleteItemValidation }],
    ['DeleteTable', { action: deleteTable, validation: deleteTableValidation }],
    ['DescribeTable', { action: describeTable, validation: describeTableValidation }],
    ['GetItem', { action: getItem, validation: getItemValidation }],
    ['ListTables', { action: listTables, validation: listTablesValidation }],
    ['ListTagsOfResource', { action: listTagsOfResource, validation: listTagsOfResourceValidation }],
    ['PutItem', { action: putItem, validation: putItemValidation }],
    ['Query', { action: query, validation: queryValidation }],
    ['Scan', { action: scan, validation: scanValidation }],
    ['TagResource', { action: tagResource, validation: tagResourceValidation }],
    ['UntagResource', { action: untagResource, validation: untagResourceValidation }],
    ['UpdateItem', { action: updateItem, validation: updateItemValidation }],
    ['UpdateTable', { action: updateTable, validation: updateTableValidation }],
  ]);

const SINGLE_ITEM_WRITES: ReadonlySet<string> = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

/** BatchWriteItem's request items after dynalite's validation: only the keys matter here. */
const BatchWriteRequestItemsSchema = z.record(
  z.string(),
  z.array(
    z.object({
      PutRequest: z
        .object({ Item: z.record(z.string(), z.custom<AttributeValueInput>(isObject)) })
        .optional(),
      DeleteRequest: z
        .object({ Key: z.record(z.string(), z.custom<AttributeValueInput>(isObject)) })
        .optional(),
    }),
  ),
);

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

/** An item a write addresses: its table, and its whole item (a put) or its key. */
interface WriteKeySource {
  readonly tableName: string;
  readonly keySource: Item;
  readonly whole: boolean;
}

type WriteKind = 'Put' | 'Update' | 'Delete' | 'ConditionCheck';

const WRITE_VALIDATIONS: Readonly<Record<WriteKind, OperationValidation>> = {
  Put: putItemValidation,
  Update: updateItemValidation,
  Delete: deleteItemValidation,
  ConditionCheck: deleteItemValidation,
};

/** One item of a TransactWriteItems request, validated and resolved against its table. */
interface PreparedWrite {
  readonly kind: WriteKind;
  readonly table: TableDescription;
  /** The single-item request dynalite's action would receive, with `_condition` / `_updates` parsed. */
  readonly request: DynaliteRequest & { readonly TableName: string };
  /** The item's primary key attributes. */
  readonly key: Item;
  readonly storageKey: string;
  readonly returnOldOnFailure: boolean;
}

interface StagedWrite extends PreparedWrite {
  readonly oldItem: Item | undefined;
}

interface CancellationReason {
  readonly Code: string;
  readonly Message?: string;
  readonly Item?: Item;
}

class EmulatorBackend {
  readonly #lock = new ReadWriteLock();
  /** The tables' streams; writes take the per-item path only while someone listens. */
  readonly streams = new StreamPublisher();
  /** Successful TransactWriteItems by ClientRequestToken, for the 10-minute idempotency window. */
  readonly #completedTransactions = new Map<
    string,
    { readonly fingerprint: string; readonly expiresAt: number }
  >();

  constructor(
    private readonly store: Store,
    private readonly faults: FaultInjector,
  ) {}

  async dispatch(operation: string, body: Record<string, unknown>): Promise<unknown> {
    if (DATA_PLANE_OPERATIONS.has(operation) && this.faults.hits('dynamodb.throttle')) {
      throw new EmulatorApiError(400, {
        __type: `${DYNAMODB_ERROR}ProvisionedThroughputExceededException`,
        message:
          'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
      });
    }
    switch (operation) {
      case 'TransactWriteItems':
        return this.#lock.run('exclusive', () => this.#transactWriteItems(body));
      case 'TransactGetItems':
        return this.#lock.run('exclusive', () => this.#transactGetItems(body));
      case 'UpdateTimeToLive':
        return this.#lock.run('exclusive', () => this.#updateTimeToLive(body));
      case 'DescribeTimeToLive':
        return this.#lock.run('shared', () => this.#describeTimeToLive(body));
      default:
        return this.#forward(operation, body);
    }
  }

  /** Runs one of dynalite's own operations, validated exactly as dynalite's HTTP handler does. */
  async #forward(operation: string, body: Record<string, unknown>): Promise<unknown> {
    const forwarded = FORWARDED_OPERATIONS.get(operation);
    if (forwarded === undefined) {
      throw new EmulatorApiError(400, { __type: 'com.amazon.coral.service#UnknownOperationException' });
    }
    // dynalite drops fields it does not know, this one included, so read it first.
    const returnOldOnFailure =
      SINGLE_ITEM_WRITES.has(operation) && body.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
    const { types, custom } = forwarded.validation;
    const request = validations.checkTypes(body, types);
    validations.checkValidations(request, types, custom, this.store);

    const run = () =>
      this.#streamed(operation, request, () => callAction(forwarded.action, this.store, request));
    if (!returnOldOnFailure) {
      return this.#lock.run('shared', async () => {
        const result = await run();
        if (operation === 'CreateTable' || operation === 'DeleteTable') {
          await this.#forgetTimeToLive(request.TableName);
        }
        return result;
      });
    }
    // Alone under the lock, the item read after a failed condition is the one the condition saw.
    return this.#lock.run('exclusive', async () => {
      try {
        return await run();
      } catch (error) {
        const keySource = request.Item ?? request.Key;
        if (!isDynaliteError(error) || error.body.__type !== CONDITIONAL_CHECK_FAILED) throw error;
        if (request.TableName === undefined || keySource === undefined) throw error;
        const table = await getTable(this.store, request.TableName, true);
        const item = await getStoredItem(this.store, request.TableName, db.createKey(keySource, table));
        if (item === undefined) throw error;
        throw new EmulatorApiError(error.statusCode, { ...error.body, Item: item }, { cause: error });
      }
    });
  }

  /**
   * Runs an item write, and while a stream listener is subscribed, publishes the records of the items it
   * changed. A request whose tables or keys do not resolve is run as is: dynalite refuses it, writing nothing.
   */
  async #streamed(
    operation: string,
    request: DynaliteRequest,
    write: () => Promise<DynaliteResult>,
  ): Promise<DynaliteResult> {
    if (!this.streams.active) return write();
    const targets = await this.#writeTargets(operation, request);
    if (targets === undefined) return write();
    return this.streams.write(
      targets,
      (target) => getStoredItem(this.store, target.table.TableName, target.storageKey),
      write,
    );
  }

  /** The items a write request addresses; undefined when it is not an item write or does not resolve. */
  async #writeTargets(operation: string, request: DynaliteRequest): Promise<WriteTarget[] | undefined> {
    const keySources: WriteKeySource[] = [];
    if (SINGLE_ITEM_WRITES.has(operation)) {
      const keySource = operation === 'PutItem' ? request.Item : request.Key;
      if (request.TableName === undefined || keySource === undefined) return undefined;
      keySources.push({ tableName: request.TableName, keySource, whole: operation === 'PutItem' });
    } else if (operation === 'BatchWriteItem') {
      const requestItems = BatchWriteRequestItemsSchema.safeParse(request.RequestItems);
      if (!requestItems.success) return undefined;
      for (const [tableName, requests] of Object.entries(requestItems.data)) {
        for (const { PutRequest, DeleteRequest } of requests) {
          const keySource = PutRequest?.Item ?? DeleteRequest?.Key;
          if (keySource === undefined) continue;
          keySources.push({ tableName, keySource, whole: PutRequest !== undefined });
        }
      }
    } else {
      return undefined;
    }
    const tables = new Map<string, TableDescription>();
    const targets: WriteTarget[] = [];
    for (const { tableName, keySource, whole } of keySources) {
      let table = tables.get(tableName);
      if (table === undefined) {
        table = await getTable(this.store, tableName, false).catch(() => undefined);
        if (table === undefined) return undefined;
        tables.set(tableName, table);
      }
      const invalid = whole ? db.validateItem(keySource, table) : db.validateKey(keySource, table);
      if (invalid) return undefined;
      targets.push({ table, storageKey: db.createKey(keySource, table) });
    }
    return targets;
  }

  async #transactWriteItems(body: Record<string, unknown>): Promise<unknown> {
    const input = parseInput(TransactWriteItemsInputSchema, body);
    const writes = await this.#prepareWrites(input.TransactItems);
    if (transactionSize(input.TransactItems) > MAX_TRANSACTION_BYTES) {
      throw validationError('Transaction request cannot be larger than 4 MB');
    }

    const token = input.ClientRequestToken;
    const fingerprint = canonicalJson(input.TransactItems);
    if (token !== undefined) {
      const previous = this.#recentTransaction(token);
      if (previous !== undefined && previous.fingerprint !== fingerprint) {
        throw new EmulatorApiError(400, {
          __type: `${DYNAMODB_ERROR}IdempotentParameterMismatchException`,
          message: 'Request with the same client token was already made with different parameters',
        });
      }
      // A retry of a transaction that already succeeded: nothing is written again.
      if (previous !== undefined) return {};
    }
    if (this.faults.hits('dynamodb.conflict')) {
      // Another transaction holds one of the items: DynamoDB names it and cancels, writing nothing.
      const conflicting = this.faults.pick('dynamodb.conflict', writes.length);
      throw transactionCanceled(
        writes.map((_, index) =>
          index === conflicting
            ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
            : { Code: 'None' },
        ),
      );
    }

    const staged: StagedWrite[] = [];
    for (const write of writes) {
      staged.push({
        ...write,
        oldItem: await getStoredItem(this.store, write.request.TableName, write.storageKey),
      });
    }
    const reasons = staged.map(conditionCheckReason);
    if (reasons.some((reason) => reason.Code !== 'None')) throw transactionCanceled(reasons);

    const newItems = await this.#applyWrites(staged);
    // Under the exclusive lock, the staged and returned items are exactly each write's images.
    for (const [index, write] of staged.entries()) {
      if (write.kind === 'ConditionCheck') continue;
      this.streams.publish({ table: write.table, oldItem: write.oldItem, newItem: newItems[index] });
    }
    if (token !== undefined) {
      this.#completedTransactions.set(token, { fingerprint, expiresAt: Date.now() + IDEMPOTENCY_WINDOW_MS });
    }
    const consumedCapacity = transactWriteCapacity(input.ReturnConsumedCapacity, staged, newItems);
    return consumedCapacity === undefined ? {} : { ConsumedCapacity: consumedCapacity };
  }

  async #prepareWrites(items: readonly TransactWriteItem[]): Promise<PreparedWrite[]> {
    const prepared: PreparedWrite[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      const write = await this.#prepareWrite(item);
      const identity = `${write.request.TableName}\u0000${write.storageKey}`;
      if (seen.has(identity)) {
        throw validationError('Transaction request cannot include multiple operations on one item');
      }
      seen.add(identity);
      prepared.push(write);
    }
    return prepared;
  }

  async #prepareWrite(item: TransactWriteItem): Promise<PreparedWrite> {
    const { kind, keySource, returnOldOnFailure, request } = describeWrite(item);
    const table = await getTable(this.store, request.TableName, true);
    const message = WRITE_VALIDATIONS[kind].custom?.(request, this.store);
    if (message !== undefined) throw validationError(message);
    const invalid =
      kind === 'Put'
        ? db.validateItem(keySource, table)
        : (db.validateKey(keySource, table) ??
          (kind === 'Update' ? db.validateUpdates(undefined, request._updates, table) : undefined));
    if (invalid) throw invalid;
    return {
      kind,
      table,
      request,
      key: primaryKey(keySource, table),
      storageKey: db.createKey(keySource, table),
      returnOldOnFailure,
    };
  }

  #recentTransaction(token: string): { readonly fingerprint: string } | undefined {
    const now = Date.now();
    for (const [storedToken, transaction] of this.#completedTransactions) {
      if (transaction.expiresAt > now) break;
      this.#completedTransactions.delete(storedToken);
    }
    return this.#completedTransactions.get(token);
  }

  /**
   * Applies the writes with dynalite's own PutItem / UpdateItem / DeleteItem, so item and index maintenance
   * are exactly theirs. An update can still fail on the stored data (say, adding to a string); the writes
   * already applied are then restored before anyone else can run, and the transaction is cancelled.
   * Returns the item each write leaves behind, in order.
   */
  async #applyWrites(staged: readonly StagedWrite[]): Promise<(Item | undefined)[]> {
    const newItems: (Item | undefined)[] = [];
    for (const [index, write] of staged.entries()) {
      try {
        newItems.push(await this.#applyWrite(write));
      } catch (error) {
        await this.#restore(staged.slice(0, index).reverse());
        if (!isDynaliteError(error) || error.body.__type !== VALIDATION_EXCEPTION) throw error;
        throw transactionCanceled(
          staged.map((_, position) =>
            position === index ? { Code: 'ValidationError', Message: error.message } : { Code: 'None' },
          ),
        );
      }
    }
    return newItems;
  }

  async #applyWrite(write: StagedWrite): Promise<Item | undefined> {
    switch (write.kind) {
      case 'ConditionCheck':
        return write.oldItem;
      case 'Put':
        await callAction(putItem, this.store, { ...write.request });
        return write.request.Item;
      case 'Update':
        return (await callAction(updateItem, this.store, { ...write.request, ReturnValues: 'ALL_NEW' }))
          .Attributes;
      case 'Delete':
        await callAction(deleteItem, this.store, { ...write.request });
        return undefined;
    }
  }

  async #restore(applied: readonly StagedWrite[]): Promise<void> {
    for (const write of applied) {
      if (write.kind === 'ConditionCheck') continue;
      const { TableName } = write.request;
      if (write.oldItem === undefined) {
        await callAction(deleteItem, this.store, { TableName, Key: write.key });
      } else {
        await callAction(putItem, this.store, { TableName, Item: write.oldItem });
      }
    }
  }

  async #transactGetItems(body: Record<string, unknown>): Promise<unknown> {
    const input = parseInput(TransactGetItemsInputSchema, body);
    const reads: (DynaliteRequest & { readonly TableName: string })[] = [];
    const seen = new Set<string>();
    for (const { Get } of input.TransactItems) {
      const table = await getTable(this.store, Get.TableName, true);
      const request: DynaliteRequest & { readonly TableName: string } = { ...Get };
      const message = getItemValidation.custom?.(request, this.store);
      if (message !== undefined) throw validationError(message);
      const invalid =
        db.validateKey(Get.Key, table) ?? db.validateKeyPaths(request._projection?.nestedPaths, table);
      if (invalid) throw invalid;
      const identity = `${Get.TableName}\u0000${db.createKey(Get.Key, table)}`;
      if (seen.has(identity)) {
        throw validationError('Transaction request cannot include multiple operations on one item');
      }
      seen.add(identity);
      reads.push({ ...request, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' });
    }

    const responses: { Item?: Item }[] = [];
    const tallies = new Map<string, CapacityTally>();
    for (const read of reads) {
      const result = await callAction(getItem, this.store, read);
      responses.push(result.Item === undefined ? {} : { Item: result.Item });
      tallyFor(tallies, read.TableName).table +=
        TRANSACTIONAL_FACTOR * (result.ConsumedCapacity?.CapacityUnits ?? 1);
    }
    const consumedCapacity = consumedCapacityOf(input.ReturnConsumedCapacity, tallies, 'ReadCapacityUnits');
    return consumedCapacity === undefined
      ? { Responses: responses }
      : { Responses: responses, ConsumedCapacity: consumedCapacity };
  }

  async #updateTimeToLive(body: Record<string, unknown>): Promise<unknown> {
    const { TableName, TimeToLiveSpecification } = parseInput(UpdateTimeToLiveInputSchema, body);
    await getTable(this.store, TableName, false);
    const current = await this.#readTimeToLive(TableName);
    if (TimeToLiveSpecification.Enabled) {
      if (current !== undefined) {
        throw validationError(
          current.AttributeName === TimeToLiveSpecification.AttributeName
            ? 'TimeToLive is already enabled'
            : `TimeToLive is active on a different AttributeName: current AttributeName is ${current.AttributeName}`,
        );
      }
      await this.store.db.put(TTL_KEY_PREFIX + TableName, {
        AttributeName: TimeToLiveSpecification.AttributeName,
      });
    } else {
      if (current === undefined) throw validationError('TimeToLive is already disabled');
      await this.#forgetTimeToLive(TableName);
    }
    return { TimeToLiveSpecification };
  }

  async #describeTimeToLive(body: Record<string, unknown>): Promise<unknown> {
    const { TableName } = parseInput(DescribeTimeToLiveInputSchema, body);
    await getTable(this.store, TableName, false);
    const current = await this.#readTimeToLive(TableName);
    return {
      TimeToLiveDescription:
        current === undefined
          ? { TimeToLiveStatus: 'DISABLED' }
          : { TimeToLiveStatus: 'ENABLED', AttributeName: current.AttributeName },
    };
  }

  async #readTimeToLive(tableName: string): Promise<{ AttributeName: string } | undefined> {
    const stored = await this.store.db.get(TTL_KEY_PREFIX + tableName).catch((error: unknown) => {
      if (error instanceof Error && 'code' in error && error.code === 'LEVEL_NOT_FOUND') return undefined;
      throw error;
    });
    const record = TimeToLiveRecordSchema.safeParse(stored);
    return record.success ? record.data : undefined;
  }

  async #forgetTimeToLive(tableName: string | undefined): Promise<void> {
    if (tableName !== undefined) await this.store.db.del(TTL_KEY_PREFIX + tableName);
  }
}

function describeWrite(item: TransactWriteItem): {
  kind: WriteKind;
  keySource: Item;
  returnOldOnFailure: boolean;
  request: DynaliteRequest & { TableName: string };
} {
  const { Put, Update, Delete, ConditionCheck } = item;
  if (Put !== undefined) {
    const { ReturnValuesOnConditionCheckFailure, ...request } = Put;
    return {
      kind: 'Put',
      keySource: Put.Item,
      returnOldOnFailure: ReturnValuesOnConditionCheckFailure === 'ALL_OLD',
      request,
    };
  }
  if (Update !== undefined) {
    const { ReturnValuesOnConditionCheckFailure, ...request } = Update;
    return {
      kind: 'Update',
      keySource: Update.Key,
      returnOldOnFailure: ReturnValuesOnConditionCheckFailure === 'ALL_OLD',
      request,
    };
  }
  if (Delete !== undefined) {
    const { ReturnValuesOnConditionCheckFailure, ...request } = Delete;
    return {
      kind: 'Delete',
      keySource: Delete.Key,
      returnOldOnFailure: ReturnValuesOnConditionCheckFailure === 'ALL_OLD',
      request,
    };
  }
  if (ConditionCheck !== undefined) {
    const { ReturnValuesOnConditionCheckFailure, ...request } = ConditionCheck;
    return {
      kind: 'ConditionCheck',
      keySource: ConditionCheck.Key,
      returnOldOnFailure: ReturnValuesOnConditionCheckFailure === 'ALL_OLD',
      request,
    };
  }
  throw validationError('TransactItems can only contain one of Check, Put, Update or Delete');
}

function conditionCheckReason(write: StagedWrite): CancellationReason {
  if (!db.checkConditional(write.request, write.oldItem)) return { Code: 'None' };
  return {
    Code: 'ConditionalCheckFailed',
    Message: 'The conditional request failed',
    ...(write.returnOldOnFailure && write.oldItem !== undefined ? { Item: write.oldItem } : {}),
  };
}

function transactionCanceled(reasons: readonly CancellationReason[]): EmulatorApiError {
  return new EmulatorApiError(400, {
    __type: `${DYNAMODB_ERROR}TransactionCanceledException`,
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons
      .map((reason) => reason.Code)
      .join(', ')}]`,
    CancellationReasons: reasons,
  });
}

/**
 * The aggregate size DynamoDB counts against a transaction's 4 MB: every item put, every key, and the
 * values its expressions carry, sized as DynamoDB sizes items.
 */
function transactionSize(items: readonly TransactWriteItem[]): number {
  let size = 0;
  for (const { Put, Update, Delete, ConditionCheck } of items) {
    const write = Put ?? Update ?? Delete ?? ConditionCheck;
    if (write === undefined) continue;
    size += Put !== undefined ? db.itemSize(Put.Item) : 0;
    size += 'Key' in write ? db.itemSize(write.Key) : 0;
    size += write.ExpressionAttributeValues ? db.itemSize(write.ExpressionAttributeValues) : 0;
  }
  return size;
}

function primaryKey(item: Item, table: TableDescription): Item {
  const key: Item = {};
  for (const { AttributeName } of table.KeySchema) {
    const value = item[AttributeName];
    if (value !== undefined) key[AttributeName] = value;
  }
  return key;
}

// ---------------------------------------------------------------------------------------------------------
// Consumed capacity, as DynamoDB reports it.

interface CapacityTally {
  table: number;
  readonly globalIndexes: Map<string, number>;
  readonly localIndexes: Map<string, number>;
}

function tallyFor(tallies: Map<string, CapacityTally>, tableName: string): CapacityTally {
  let tally = tallies.get(tableName);
  if (tally === undefined) {
    tally = { table: 0, globalIndexes: new Map(), localIndexes: new Map() };
    tallies.set(tableName, tally);
  }
  return tally;
}

function writeUnits(size: number): number {
  return Math.max(1, Math.ceil(size / 1024));
}

/**
 * A transactional write costs 2 WCU per started KB of the larger of the item's before and after images
 * (a ConditionCheck is charged like a write of the checked item). Index maintenance is charged as a
 * standard write.
 */
function transactWriteCapacity(
  mode: string | undefined,
  staged: readonly StagedWrite[],
  newItems: readonly (Item | undefined)[],
): unknown[] | undefined {
  if (mode !== 'TOTAL' && mode !== 'INDEXES') return undefined;
  const tallies = new Map<string, CapacityTally>();
  for (const [index, write] of staged.entries()) {
    const newItem = newItems[index];
    const tally = tallyFor(tallies, write.request.TableName);
    const size = Math.max(sizeOf(write.oldItem), sizeOf(newItem));
    tally.table += TRANSACTIONAL_FACTOR * writeUnits(size);
    if (write.kind === 'ConditionCheck') continue;
    addIndexWrites(tally.globalIndexes, write.table.GlobalSecondaryIndexes, write, newItem);
    addIndexWrites(tally.localIndexes, write.table.LocalSecondaryIndexes, write, newItem);
  }
  return consumedCapacityOf(mode, tallies, 'WriteCapacityUnits');
}

function sizeOf(item: Item | undefined): number {
  return item === undefined ? 0 : db.itemSize(item);
}

function addIndexWrites(
  units: Map<string, number>,
  indexes: readonly SecondaryIndexDescription[] | undefined,
  write: StagedWrite,
  newItem: Item | undefined,
): void {
  for (const index of indexes ?? []) {
    const cost = indexWriteUnits(index, write.table, write.oldItem, newItem);
    if (cost > 0) units.set(index.IndexName, (units.get(index.IndexName) ?? 0) + cost);
  }
}

/**
 * Write units one secondary index consumes for one item write, sized on the projected index entry:
 * joining or leaving the index costs that entry; moving to another index key costs a delete plus a put;
 * rewriting an entry in place costs the larger image, and nothing when the entry is unchanged.
 */
function indexWriteUnits(
  index: SecondaryIndexDescription,
  table: TableDescription,
  oldItem: Item | undefined,
  newItem: Item | undefined,
): number {
  const before = indexEntry(index, table, oldItem);
  const after = indexEntry(index, table, newItem);
  if (before === undefined && after === undefined) return 0;
  if (before === undefined) return writeUnits(sizeOf(after));
  if (after === undefined) return writeUnits(sizeOf(before));
  const indexKeys = index.KeySchema.map((element) => element.AttributeName);
  const keyOf = (entry: Item): string => canonicalJson(indexKeys.map((name) => entry[name]));
  if (keyOf(before) !== keyOf(after)) return writeUnits(sizeOf(before)) + writeUnits(sizeOf(after));
  if (canonicalJson(before) === canonicalJson(after)) return 0;
  return Math.max(writeUnits(sizeOf(before)), writeUnits(sizeOf(after)));
}

/** The item as the index stores it, or undefined when the item is not in the (sparse) index. */
function indexEntry(
  index: SecondaryIndexDescription,
  table: TableDescription,
  item: Item | undefined,
): Item | undefined {
  if (item === undefined) return undefined;
  const indexKeys = index.KeySchema.map((element) => element.AttributeName);
  if (indexKeys.some((name) => item[name] === undefined)) return undefined;
  if (index.Projection.ProjectionType === 'ALL') return item;
  const projected = [...indexKeys, ...table.KeySchema.map((element) => element.AttributeName)];
  const entry: Item = {};
  for (const name of [...projected, ...(index.Projection.NonKeyAttributes ?? [])]) {
    const value = item[name];
    if (value !== undefined) entry[name] = value;
  }
  return entry;
}

function consumedCapacityOf(
  mode: string | undefined,
  tallies: ReadonlyMap<string, CapacityTally>,
  unitsField: 'ReadCapacityUnits' | 'WriteCapacityUnits',
): unknown[] | undefined {
  if (mode !== 'TOTAL' && mode !== 'INDEXES') return undefined;
  const units = (capacity: number) => ({ CapacityUnits: capacity, [unitsField]: capacity });
  const indexUnits = (indexes: ReadonlyMap<string, number>) =>
    Object.fromEntries([...indexes].map(([name, capacity]) => [name, units(capacity)]));
  return [...tallies].map(([TableName, tally]) => {
    const indexTotal = [...tally.globalIndexes.values(), ...tally.localIndexes.values()].reduce(
      (a, b) => a + b,
      0,
    );
    return {
      TableName,
      ...units(tally.table + indexTotal),
      ...(mode === 'INDEXES' ? { Table: units(tally.table) } : {}),
      ...(mode === 'INDEXES' && tally.globalIndexes.size > 0
        ? { GlobalSecondaryIndexes: indexUnits(tally.globalIndexes) }
        : {}),
      ...(mode === 'INDEXES' && tally.localIndexes.size > 0
        ? { LocalSecondaryIndexes: indexUnits(tally.localIndexes) }
        : {}),
    };
  });
}

/** JSON with object keys sorted, so equal items compare equal whatever their attribute order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries: [string, unknown][] = Object.entries(value);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, field]) => `${JSON.stringify(name)}:${canonicalJson(field)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

// ---------------------------------------------------------------------------------------------------------
// dynalite's callbacks as promises.

function callAction(action: DynaliteAction, store: Store, request: DynaliteRequest): Promise<DynaliteResult> {
  return new Promise((resolve, reject) => {
    action(store, request, (error, result) => (error ? reject(error) : resolve(result ?? {})));
  });
}

function getTable(store: Store, tableName: string, mustBeActive: boolean): Promise<TableDescription> {
  return new Promise((resolve, reject) => {
    store.getTable(tableName, mustBeActive, (error, table) => {
      if (error) reject(error);
      else if (table === undefined) reject(new Error(`Table ${tableName} has no description`));
      else resolve(table);
    });
  });
}

function getStoredItem(store: Store, tableName: string, storageKey: string): Promise<Item | undefined> {
  return new Promise((resolve, reject) => {
    store.getItemDb(tableName).get(storageKey, (error, item) => {
      if (error && error.name !== 'NotFoundError') reject(error);
      else resolve(error ? undefined : item);
    });
  });
}
