import {
  type AttributeValue,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { BuildHandlerOutput, BuildMiddleware, MetadataBearer } from '@smithy/types';
import * as z from 'zod';
import {
  type AttributeValueLike,
  type ItemWrite,
  itemSize,
  type ReadMode,
  readUnits,
  type TableShape,
  type WireItem,
  writeCost,
} from './capacity.js';
import { type InstrumentableClient, operationOf, type RequestCounter } from './request-counter.js';

const METER_MIDDLEWARE = 'carebridgeBenchCapacityMeter';

const AttributeValueSchema: z.ZodType<AttributeValueLike> = z.lazy(() =>
  z.object({
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
  }),
);
const ItemSchema = z.record(z.string(), AttributeValueSchema);
const KeyedSchema = z.object({ TableName: z.string(), Key: ItemSchema });
const GetItemSchema = KeyedSchema.extend({ ConsistentRead: z.boolean().optional() });
const PutItemSchema = z.object({ TableName: z.string(), Item: ItemSchema });
const BatchGetItemSchema = z.object({
  RequestItems: z.record(
    z.string(),
    z.object({ Keys: z.array(ItemSchema), ConsistentRead: z.boolean().optional() }),
  ),
});
const BatchWriteItemSchema = z.object({
  RequestItems: z.record(
    z.string(),
    z.array(
      z.object({
        PutRequest: z.object({ Item: ItemSchema }).optional(),
        DeleteRequest: z.object({ Key: ItemSchema }).optional(),
      }),
    ),
  ),
});
const TransactWriteItemsSchema = z.object({
  TransactItems: z.array(
    z.object({
      Put: PutItemSchema.optional(),
      Update: KeyedSchema.optional(),
      Delete: KeyedSchema.optional(),
      ConditionCheck: KeyedSchema.optional(),
    }),
  ),
});
const TransactGetItemsSchema = z.object({ TransactItems: z.array(z.object({ Get: KeyedSchema })) });
const RequestBodySchema = z.object({ body: z.union([z.string(), z.instanceof(Uint8Array)]) });
const CancellationSchema = z.object({ name: z.literal('TransactionCanceledException') });
const ConditionFailedSchema = z.object({ name: z.literal('ConditionalCheckFailedException') });

/** One item a request reads or writes. */
interface ItemAccess {
  readonly table: string;
  readonly key: WireItem;
}
interface Plan {
  readonly reads: readonly (ItemAccess & { readonly mode: ReadMode })[];
  readonly writes: readonly (ItemAccess & { readonly conditionCheck: boolean })[];
  readonly transactional: boolean;
}

/**
 * Computes the capacity units of every DynamoDB request from the documented rules (capacity.ts) and
 * adds them to a RequestCounter. For each request it reads the touched items before and after with a
 * separate, uncounted client (strongly consistent), so it must only run while requests are sequential.
 * Query, Scan and PartiQL are not planned; their units stay as reported.
 */
export class CapacityMeter {
  enabled = true;
  readonly #tables = new Map<string, TableShape>();
  readonly #attached = new WeakSet<object>();

  constructor(
    private readonly counter: RequestCounter,
    /** Reads items and table descriptions; never attach a counter or a meter to it. */
    private readonly shadow: DynamoDBClient,
  ) {}

  /** Learns a table's key and index shape (from DescribeTable) before its requests are metered. */
  async learnTable(tableName: string): Promise<void> {
    const { Table } = await this.shadow.send(new DescribeTableCommand({ TableName: tableName }));
    if (!Table) throw new Error(`table ${tableName} not found`);
    this.#tables.set(tableName, {
      keyAttributes: (Table.KeySchema ?? []).flatMap((element) => element.AttributeName ?? []),
      indexes: [...(Table.GlobalSecondaryIndexes ?? []), ...(Table.LocalSecondaryIndexes ?? [])].map(
        (index) => ({
          name: index.IndexName ?? '',
          keyAttributes: (index.KeySchema ?? []).flatMap((element) => element.AttributeName ?? []),
          projection: index.Projection?.ProjectionType ?? 'ALL',
          nonKeyAttributes: index.Projection?.NonKeyAttributes ?? [],
        }),
      ),
    });
  }

  /** Adds the metering middleware to a DynamoDB client's stack (other services pass through). */
  attach(client: InstrumentableClient): void {
    const stack = client.middlewareStack;
    if (this.#attached.has(stack)) return;
    this.#attached.add(stack);
    stack.add(this.#middleware(), { step: 'build', priority: 'low', name: METER_MIDDLEWARE });
  }

  #middleware(): BuildMiddleware<object, MetadataBearer> {
    return (next, context) =>
      async (args): Promise<BuildHandlerOutput<MetadataBearer>> => {
        const { service, command } = operationOf(context);
        const parsedRequest = RequestBodySchema.safeParse(args.request);
        const plan =
          this.enabled && service === 'DynamoDB' && parsedRequest.success
            ? planOf(command, JSON.parse(bodyText(parsedRequest.data.body)), this.#tables)
            : undefined;
        if (plan === undefined) return next(args);

        const before = await Promise.all(plan.writes.map((write) => this.#read(write)));
        let outcome: { ok: true; result: BuildHandlerOutput<MetadataBearer> } | { ok: false; error: unknown };
        try {
          outcome = { ok: true, result: await next(args) };
        } catch (error) {
          outcome = { ok: false, error };
        }
        const after = await Promise.all(plan.writes.map((write) => this.#read(write)));
        const readItems = await Promise.all(plan.reads.map((read) => this.#read(read)));

        const failed =
          !outcome.ok &&
          (ConditionFailedSchema.safeParse(outcome.error).success ||
            CancellationSchema.safeParse(outcome.error).success);
        const tally = this.counter.tally(service, command);
        if (outcome.ok || failed) {
          plan.writes.forEach((write, index) => {
            const itemWrite: ItemWrite = {
              before: before[index],
              after: after[index],
              transactional: plan.transactional,
              failed,
              conditionCheck: write.conditionCheck,
            };
            const cost = writeCost(this.#table(write.table), itemWrite);
            tally.computedWriteUnits += cost.table + cost.indexes;
            tally.largestItemBytes = Math.max(
              tally.largestItemBytes,
              itemSize(itemWrite.before),
              itemSize(itemWrite.after),
            );
          });
          plan.reads.forEach((read, index) => {
            tally.computedReadUnits += readUnits(readItems[index], read.mode);
          });
        }
        if (!outcome.ok) throw outcome.error;
        return outcome.result;
      };
  }

  #table(tableName: string): TableShape {
    const table = this.#tables.get(tableName);
    if (!table) throw new Error(`the capacity meter does not know table ${tableName}; call learnTable first`);
    return table;
  }

  async #read(access: ItemAccess): Promise<WireItem | undefined> {
    const output = await this.shadow.send(
      new GetItemCommand({ TableName: access.table, Key: toSdkItem(access.key), ConsistentRead: true }),
    );
    return output.Item;
  }
}

const utf8 = new TextDecoder();

function bodyText(body: string | Uint8Array): string {
  // The SDK's body adapter warns when treated as a string, so its bytes are decoded directly.
  return typeof body === 'string' ? body : utf8.decode(body);
}

/** The items a request touches; undefined for operations the meter does not plan. */
function planOf(command: string, body: unknown, tables: ReadonlyMap<string, TableShape>): Plan | undefined {
  const keyOf = (table: string, item: WireItem): WireItem => {
    const shape = tables.get(table);
    if (!shape) throw new Error(`the capacity meter does not know table ${table}; call learnTable first`);
    const key: Record<string, AttributeValueLike> = {};
    for (const name of shape.keyAttributes) {
      const value = item[name];
      if (value !== undefined) key[name] = value;
    }
    return key;
  };
  const none = { reads: [], writes: [], transactional: false };
  switch (command) {
    case 'GetItem': {
      const input = GetItemSchema.parse(body);
      const mode: ReadMode = input.ConsistentRead ? 'strong' : 'eventual';
      return { ...none, reads: [{ table: input.TableName, key: input.Key, mode }] };
    }
    case 'BatchGetItem': {
      const input = BatchGetItemSchema.parse(body);
      const reads = Object.entries(input.RequestItems).flatMap(([table, request]) =>
        request.Keys.map((key) => ({
          table,
          key,
          mode: (request.ConsistentRead ? 'strong' : 'eventual') as ReadMode,
        })),
      );
      return { ...none, reads };
    }
    case 'TransactGetItems': {
      const input = TransactGetItemsSchema.parse(body);
      const reads = input.TransactItems.map(({ Get }) => ({
        table: Get.TableName,
        key: Get.Key,
        mode: 'transactional' as const,
      }));
      return { ...none, reads, transactional: true };
    }
    case 'PutItem': {
      const input = PutItemSchema.parse(body);
      return {
        ...none,
        writes: [{ table: input.TableName, key: keyOf(input.TableName, input.Item), conditionCheck: false }],
      };
    }
    case 'UpdateItem':
    case 'DeleteItem': {
      const input = KeyedSchema.parse(body);
      return { ...none, writes: [{ table: input.TableName, key: input.Key, conditionCheck: false }] };
    }
    case 'BatchWriteItem': {
      const input = BatchWriteItemSchema.parse(body);
      const writes = Object.entries(input.RequestItems).flatMap(([table, requests]) =>
        requests.flatMap((request) => {
          const key = request.PutRequest ? keyOf(table, request.PutRequest.Item) : request.DeleteRequest?.Key;
          return key ? [{ table, key, conditionCheck: false }] : [];
        }),
      );
      return { ...none, writes };
    }
    case 'TransactWriteItems': {
      const input = TransactWriteItemsSchema.parse(body);
      const writes = input.TransactItems.flatMap((item) => {
        if (item.Put)
          return [
            {
              table: item.Put.TableName,
              key: keyOf(item.Put.TableName, item.Put.Item),
              conditionCheck: false,
            },
          ];
        const keyed = item.Update ?? item.Delete;
        if (keyed) return [{ table: keyed.TableName, key: keyed.Key, conditionCheck: false }];
        if (item.ConditionCheck) {
          return [
            { table: item.ConditionCheck.TableName, key: item.ConditionCheck.Key, conditionCheck: true },
          ];
        }
        return [];
      });
      return { ...none, writes, transactional: true };
    }
    default:
      return undefined;
  }
}

/** The wire item as the SDK's AttributeValue map (binary decoded), for the shadow reads. */
function toSdkItem(item: WireItem): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, toSdkValue(value)]));
}

function toSdkValue(value: AttributeValueLike): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined)
    return { B: typeof value.B === 'string' ? Buffer.from(value.B, 'base64') : value.B };
  throw new Error('key attributes are strings, numbers or binary');
}
