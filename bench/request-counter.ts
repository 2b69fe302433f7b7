import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type {
  HandlerExecutionContext,
  InitializeHandlerArguments,
  InitializeHandlerOutput,
  InitializeMiddleware,
  MetadataBearer,
  MiddlewareStack,
} from '@smithy/types';
import * as z from 'zod';

/** Any AWS SDK v3 client (a DynamoDBDocumentClient shares the stack of the client it wraps). */
export interface InstrumentableClient {
  readonly middlewareStack: MiddlewareStack<object, MetadataBearer>;
}

/** What one kind of request cost so far. */
export interface CommandTally {
  /** `DynamoDB`, `SQS`, ... (the client name without `Client`). */
  readonly service: string;
  /** The API operation, e.g. `PutItem`, `SendMessage`. */
  readonly command: string;
  /** HTTP requests sent, retries included: each one is billed. */
  requests: number;
  /** Requests that ended in an error, e.g. a ConditionalCheckFailedException. */
  failures: number;
  /** Capacity units DynamoDB (here the emulator) reported in ConsumedCapacity. */
  reportedReadUnits: number;
  reportedWriteUnits: number;
  /** Capacity units computed from DynamoDB's documented rules (see capacity.ts), when a meter is attached. */
  computedReadUnits: number;
  computedWriteUnits: number;
  /** The largest item the metered writes left or found (bytes), for the 1 KB write-unit steps. */
  largestItemBytes: number;
}

/** DynamoDB operations that accept ReturnConsumedCapacity. */
const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
  'Query',
  'Scan',
  'ExecuteStatement',
  'BatchExecuteStatement',
  'ExecuteTransaction',
]);
const READ_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'TransactGetItems', 'Query', 'Scan']);

const COUNTER_MIDDLEWARE = 'carebridgeBenchRequestCounter';

const ConsumedCapacitySchema = z.object({
  CapacityUnits: z.number().optional(),
  ReadCapacityUnits: z.number().optional(),
  WriteCapacityUnits: z.number().optional(),
});
const OutputCapacitySchema = z.object({
  ConsumedCapacity: z.union([ConsumedCapacitySchema, z.array(ConsumedCapacitySchema)]).optional(),
});
const AttemptsSchema = z.object({
  $metadata: z.object({ attempts: z.number().int().positive().optional() }),
});

/**
 * Counts the requests SDK clients send, by service and operation, and sums the capacity DynamoDB
 * reports. Attached as a middleware on each client's stack, so the code under measurement is unchanged:
 * the middleware also asks DynamoDB for `ReturnConsumedCapacity: 'TOTAL'` on every data-plane call.
 */
export class RequestCounter {
  readonly #tallies = new Map<string, CommandTally>();
  readonly #attached = new WeakSet<object>();

  /** Adds the counting middleware to the client's stack; a stack already counted is left alone. */
  attach(client: InstrumentableClient): void {
    const stack = client.middlewareStack;
    if (this.#attached.has(stack)) return;
    this.#attached.add(stack);
    stack.add(this.#middleware(), { step: 'initialize', priority: 'high', name: COUNTER_MIDDLEWARE });
  }

  /** The tally of one operation, created on first use. */
  tally(service: string, command: string): CommandTally {
    const key = `${service}.${command}`;
    let tally = this.#tallies.get(key);
    if (tally === undefined) {
      tally = {
        service,
        command,
        requests: 0,
        failures: 0,
        reportedReadUnits: 0,
        reportedWriteUnits: 0,
        computedReadUnits: 0,
        computedWriteUnits: 0,
        largestItemBytes: 0,
      };
      this.#tallies.set(key, tally);
    }
    return tally;
  }

  /** Everything counted since the last `take`, sorted by service and operation; the counter starts over. */
  take(): CommandTally[] {
    const tallies = [...this.#tallies.values()].sort((a, b) =>
      `${a.service}.${a.command}`.localeCompare(`${b.service}.${b.command}`),
    );
    this.#tallies.clear();
    return tallies;
  }

  #middleware(): InitializeMiddleware<object, MetadataBearer> {
    return (next, context) =>
      async (args): Promise<InitializeHandlerOutput<MetadataBearer>> => {
        const { service, command } = operationOf(context);
        const tally = this.tally(service, command);
        const asksCapacity = service === 'DynamoDB' && CAPACITY_OPERATIONS.has(command);
        try {
          const result = await next(asksCapacity ? withTotalCapacity(args) : args);
          tally.requests += attemptsOf(result.output);
          const units = reportedUnits(result.output);
          const isRead = READ_OPERATIONS.has(command);
          tally.reportedReadUnits += units.read ?? (isRead ? units.total : 0);
          tally.reportedWriteUnits += units.write ?? (isRead ? 0 : units.total);
          return result;
        } catch (error) {
          tally.requests += attemptsOf(error);
          tally.failures += 1;
          throw error;
        }
      };
  }
}

/** Service and operation names of a request, e.g. `DynamoDB` / `PutItem`. */
export function operationOf(context: HandlerExecutionContext): { service: string; command: string } {
  return {
    service: (context.clientName ?? 'Unknown').replace(/Client$/, ''),
    command: (context.commandName ?? 'Unknown').replace(/Command$/, ''),
  };
}

function withTotalCapacity(args: InitializeHandlerArguments<object>): InitializeHandlerArguments<object> {
  if ('ReturnConsumedCapacity' in args.input) return args;
  return { ...args, input: { ...args.input, ReturnConsumedCapacity: 'TOTAL' } };
}

function attemptsOf(outputOrError: unknown): number {
  const parsed = AttemptsSchema.safeParse(outputOrError);
  return parsed.success ? (parsed.data.$metadata.attempts ?? 1) : 1;
}

function reportedUnits(output: unknown): { total: number; read?: number; write?: number } {
  const parsed = OutputCapacitySchema.safeParse(output);
  if (!parsed.success || parsed.data.ConsumedCapacity === undefined) return { total: 0 };
  const entries = [parsed.data.ConsumedCapacity].flat();
  const sum = (pick: (entry: z.infer<typeof ConsumedCapacitySchema>) => number | undefined) =>
    entries.reduce((total, entry) => total + (pick(entry) ?? 0), 0);
  const hasSplit = entries.some(
    (entry) => entry.ReadCapacityUnits !== undefined || entry.WriteCapacityUnits !== undefined,
  );
  return hasSplit
    ? {
        total: sum((entry) => entry.CapacityUnits),
        read: sum((e) => e.ReadCapacityUnits),
        write: sum((e) => e.WriteCapacityUnits),
      }
    : { total: sum((entry) => entry.CapacityUnits) };
}

type ClientHook = (client: InstrumentableClient) => void;

/**
 * Calls `hook` with every SDK client of this process the first time it sends a request, so clients
 * that handlers create at module scope (out of reach of the bench) can be counted. Works by wrapping
 * `send` of the SDK's shared client base class; returns a function that restores it.
 */
export function instrumentSdkClients(hook: ClientHook): () => void {
  const base: unknown = Object.getPrototypeOf(DynamoDBClient.prototype);
  if (!isSendingPrototype(base)) throw new Error('the AWS SDK client base class has no send method');
  const originalSend = base.send;
  const seen = new WeakSet<object>();
  base.send = function send(this: unknown, ...args: unknown[]) {
    if (isInstrumentable(this) && !seen.has(this)) {
      seen.add(this);
      hook(this);
    }
    return originalSend.apply(this, args);
  };
  return () => {
    base.send = originalSend;
  };
}

interface SendingPrototype {
  send: (this: unknown, ...args: unknown[]) => unknown;
}

function isSendingPrototype(value: unknown): value is SendingPrototype {
  return typeof value === 'object' && value !== null && 'send' in value && typeof value.send === 'function';
}

function isInstrumentable(value: unknown): value is InstrumentableClient {
  return (
    typeof value === 'object' &&
    value !== null &&
    'middlewareStack' in value &&
    typeof value.middlewareStack === 'object' &&
    value.middlewareStack !== null
  );
}
