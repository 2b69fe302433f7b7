import { randomBytes } from 'node:crypto';
import type { DynamoDBRecord, StreamRecord } from 'aws-lambda';
import db, { type AttributeValue, type Item, type TableDescription } from 'dynalite/db/index.js';

/**
 * The table side of DynamoDB Streams for the local emulator: turns each item change into the record
 * Lambda's DynamoDB event source delivers (stream view type NEW_AND_OLD_IMAGES), and serializes the
 * writes of one item while anyone listens, so each record's old and new images are exactly that write's.
 */

/** Receives every stream record, synchronously, in write order for each item. */
export type StreamRecordListener = (record: DynamoDBRecord) => void;

export interface StreamSubscriptionOptions {
  /** Only this table's records; every table's when omitted. */
  readonly tableName?: string;
}

/** One item's change by a successful write: its image before and after (undefined: no item). */
export interface ItemChange {
  readonly table: TableDescription;
  readonly oldItem: Item | undefined;
  readonly newItem: Item | undefined;
}

/** Where a write's item lives: its table, and the key the lock and the store know it by. */
export interface WriteTarget {
  readonly table: TableDescription;
  readonly storageKey: string;
}

const DEFAULT_REGION = 'us-east-1';
const DEFAULT_ACCOUNT_ID = '000000000000';

/** The stream records of one emulator: listeners, sequence numbers and per-item write serialization. */
export class StreamPublisher {
  readonly #listeners = new Set<{ readonly listener: StreamRecordListener; readonly tableName?: string }>();
  readonly #itemLocks = new KeyedMutex();
  /**
   * Stream sequence numbers are numeric strings of 21 to 40 digits. Starting from the clock keeps them
   * increasing across restarts of the emulator, as a consumer that remembers a checkpoint expects.
   */
  #sequence = BigInt(Date.now()) * 100_000_000n;

  /** True while someone listens: only then do writes pay for images and per-item serialization. */
  get active(): boolean {
    return this.#listeners.size > 0;
  }

  subscribe(listener: StreamRecordListener, options: StreamSubscriptionOptions = {}): () => void {
    const subscription =
      options.tableName === undefined ? { listener } : { listener, tableName: options.tableName };
    this.#listeners.add(subscription);
    return () => {
      this.#listeners.delete(subscription);
    };
  }

  /**
   * Runs a write to the given items alone among the writes to any of them, with the stored items before
   * and after it, and publishes a record for each item it changed, whether the write then succeeds or
   * fails (a BatchWriteItem can fail half-way; a failed condition changes nothing and yields nothing).
   */
  async write<T>(
    targets: readonly WriteTarget[],
    readItem: (target: WriteTarget) => Promise<Item | undefined>,
    write: () => Promise<T>,
  ): Promise<T> {
    const lockIds = targets.map((target) => `${target.table.TableName}\u0000${target.storageKey}`);
    return this.#itemLocks.run(lockIds, async () => {
      const before = await Promise.all(targets.map(readItem));
      const outcome = await write().then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      const after = await Promise.all(targets.map(readItem));
      for (const [index, target] of targets.entries()) {
        this.publish({ table: target.table, oldItem: before[index], newItem: after[index] });
      }
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    });
  }

  /**
   * Publishes the record of one item change. A write that leaves the item as it was (a PutItem of the same
   * item, an UpdateItem that sets what is there, a DeleteItem of nothing) yields no record, as DynamoDB
   * Streams writes none for it.
   */
  publish(change: ItemChange): void {
    if (!this.active) return;
    const { table, oldItem, newItem } = change;
    if (oldItem === undefined && newItem === undefined) return;
    if (oldItem !== undefined && newItem !== undefined && sameItem(oldItem, newItem)) return;
    const listeners = [...this.#listeners].filter(
      (subscription) => subscription.tableName === undefined || subscription.tableName === table.TableName,
    );
    if (listeners.length === 0) return;
    this.#sequence += 1n;
    const record = streamRecord(change, String(this.#sequence));
    for (const { listener } of listeners) listener(structuredClone(record));
  }
}

function streamRecord({ table, oldItem, newItem }: ItemChange, sequenceNumber: string): DynamoDBRecord {
  const image = newItem ?? oldItem ?? {};
  const keys: Item = {};
  for (const { AttributeName } of table.KeySchema) {
    const value = image[AttributeName];
    if (value !== undefined) keys[AttributeName] = value;
  }
  const streamArn = streamArnOf(table);
  return {
    eventID: randomBytes(16).toString('hex'),
    eventName: oldItem === undefined ? 'INSERT' : newItem === undefined ? 'REMOVE' : 'MODIFY',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: streamArn.split(':')[3] ?? DEFAULT_REGION,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      Keys: toStreamImage(keys),
      ...(newItem === undefined ? {} : { NewImage: toStreamImage(newItem) }),
      ...(oldItem === undefined ? {} : { OldImage: toStreamImage(oldItem) }),
      SequenceNumber: sequenceNumber,
      SizeBytes: db.itemSize(keys) + sizeOf(newItem) + sizeOf(oldItem),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: streamArn,
  };
}

/**
 * The ARN of the table's stream, labelled with the table's creation time as DynamoDB labels a stream
 * enabled at creation: `arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024-05-01T10:00:00.000`.
 */
export function streamArnOf(table: TableDescription): string {
  const tableArn =
    'TableArn' in table && typeof table.TableArn === 'string'
      ? table.TableArn
      : `arn:aws:dynamodb:${DEFAULT_REGION}:${DEFAULT_ACCOUNT_ID}:table/${table.TableName}`;
  const createdSeconds =
    'CreationDateTime' in table && typeof table.CreationDateTime === 'number' ? table.CreationDateTime : 0;
  const label = new Date(createdSeconds * 1000).toISOString().slice(0, -1);
  return `${tableArn}/stream/${label}`;
}

type StreamImage = NonNullable<StreamRecord['NewImage']>;
type StreamAttributeValue = StreamImage[string];

/** A stored item in the stream's typing (exactly one type per attribute value), copied. */
function toStreamImage(item: Item): StreamImage {
  const image: StreamImage = {};
  for (const [name, value] of Object.entries(item)) image[name] = toStreamValue(value);
  return image;
}

function toStreamValue(value: AttributeValue): StreamAttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: value.B };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BS !== undefined) return { BS: [...value.BS] };
  if (value.L !== undefined) return { L: value.L.map(toStreamValue) };
  if (value.M !== undefined) return { M: toStreamImage(value.M) };
  throw new Error('A stored attribute value has no type');
}

function sizeOf(item: Item | undefined): number {
  return item === undefined ? 0 : db.itemSize(item);
}

function sameItem(a: Item, b: Item): boolean {
  return itemFingerprint(a) === itemFingerprint(b);
}

/**
 * JSON with object keys sorted and set members sorted, so equal items compare equal whatever the order
 * of their attributes or of the members of their sets (string, number and binary sets are unordered).
 */
function itemFingerprint(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(itemFingerprint).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries: [string, unknown][] = Object.entries(value);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const fields = entries.map(([name, field]) => {
      const members = SET_TYPES.has(name) && Array.isArray(field) ? [...field].sort() : field;
      return `${JSON.stringify(name)}:${itemFingerprint(members)}`;
    });
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const SET_TYPES: ReadonlySet<string> = new Set(['SS', 'NS', 'BS']);

/**
 * Mutual exclusion by key: a task runs once it holds every key it names. Keys are taken in sorted order,
 * so two tasks naming overlapping keys cannot deadlock; tasks on disjoint keys run together.
 */
class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    const releases: (() => void)[] = [];
    try {
      for (const key of [...new Set(keys)].sort()) releases.push(await this.#acquire(key));
      return await task();
    } finally {
      for (const release of releases) release();
    }
  }

  async #acquire(key: string): Promise<() => void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => held);
    this.#tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }
}
