/**
 * DynamoDB capacity units from the documented rules, for the requests whose units the emulator cannot
 * report (index writes of single-item writes, failed conditional writes). Sources:
 * - item size: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 * - read/write units: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
 * - index writes: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes
 * - transactions: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling
 */

/** An attribute value in DynamoDB's wire shape (binary as base64 text in JSON, bytes in the SDK). */
export interface AttributeValueLike {
  readonly S?: string;
  readonly N?: string;
  readonly B?: string | Uint8Array;
  readonly BOOL?: boolean;
  readonly NULL?: boolean;
  readonly SS?: readonly string[];
  readonly NS?: readonly string[];
  readonly BS?: readonly (string | Uint8Array)[];
  readonly L?: readonly AttributeValueLike[];
  readonly M?: Readonly<Record<string, AttributeValueLike>>;
}
export type WireItem = Readonly<Record<string, AttributeValueLike>>;

/** The parts of a table's description that decide index writes. */
export interface TableShape {
  readonly keyAttributes: readonly string[];
  readonly indexes: readonly IndexShape[];
}
export interface IndexShape {
  readonly name: string;
  readonly keyAttributes: readonly string[];
  readonly projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  readonly nonKeyAttributes: readonly string[];
}

export type ReadMode = 'eventual' | 'strong' | 'transactional';

const KB = 1024;
const READ_BLOCK = 4 * KB;
const LIST_OR_MAP_OVERHEAD = 3;

/** Item size in bytes: attribute names plus values (strings UTF-8, numbers ~1 byte per 2 digits + 1, ...). */
export function itemSize(item: WireItem | undefined): number {
  if (item === undefined) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8(name) + valueSize(value);
  return size;
}

function valueSize(value: AttributeValueLike): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return binarySize(value.B);
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, element) => sum + utf8(element), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, element) => sum + numberSize(element), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, element) => sum + binarySize(element), 0);
  if (value.L !== undefined)
    return LIST_OR_MAP_OVERHEAD + value.L.reduce((sum, element) => sum + valueSize(element), 0);
  if (value.M !== undefined) return LIST_OR_MAP_OVERHEAD + itemSize(value.M);
  return 0;
}

function utf8(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function binarySize(value: string | Uint8Array): number {
  return typeof value === 'string' ? Buffer.from(value, 'base64').length : value.length;
}

/** 1 byte per two significant digits, plus 1 (leading and trailing zeros, sign and point do not count). */
function numberSize(text: string): number {
  const [mantissa = ''] = text.toLowerCase().split('e');
  const digits = mantissa
    .replace(/[^0-9]/g, '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

/** Write units of writing `size` bytes once: 1 per started KB, at least 1. */
export function writeUnitsForSize(size: number): number {
  return Math.max(1, Math.ceil(size / KB));
}

/** Read units of reading an item (or finding none, which costs the minimum): 4 KB blocks × mode factor. */
export function readUnits(item: WireItem | undefined, mode: ReadMode): number {
  const blocks = Math.max(1, Math.ceil(itemSize(item) / READ_BLOCK));
  return blocks * (mode === 'eventual' ? 0.5 : mode === 'strong' ? 1 : 2);
}

/** What one item write did, as seen from outside: the item before and after, and how it was sent. */
export interface ItemWrite {
  readonly before: WireItem | undefined;
  readonly after: WireItem | undefined;
  readonly transactional: boolean;
  /** The write's condition failed (alone, or cancelling its transaction): nothing was written. */
  readonly failed: boolean;
  /** A transaction's ConditionCheck: read and checked, never written. */
  readonly conditionCheck?: boolean;
}

/** Units of one item write, split into the table's and the indexes' share. */
export interface WriteCost {
  readonly table: number;
  readonly indexes: number;
}

/**
 * Write units of one item write:
 * - table: the larger of the before and after image, 1 unit per started KB; twice that in a transaction.
 * - a failed conditional write still consumes: sized on the existing item (1 unit when there is none);
 *   a cancelled transaction is charged the same way for each of its items (our reading of the
 *   transaction docs, which say failed transactions consume capacity; it does not occur in the scenarios).
 * - each index: joining or leaving it costs the projected entry; a changed index key costs a delete and
 *   a put; a changed projected attribute costs one write; an untouched entry costs nothing. Index writes
 *   are standard writes, also inside transactions.
 */
export function writeCost(table: TableShape, write: ItemWrite): WriteCost {
  const factor = write.transactional ? 2 : 1;
  if (write.failed) return { table: factor * writeUnitsForSize(itemSize(write.before)), indexes: 0 };
  const tableUnits = factor * writeUnitsForSize(Math.max(itemSize(write.before), itemSize(write.after)));
  if (write.conditionCheck) return { table: tableUnits, indexes: 0 };
  const indexUnits = table.indexes.reduce(
    (sum, index) => sum + indexWriteUnits(index, table, write.before, write.after),
    0,
  );
  return { table: tableUnits, indexes: indexUnits };
}

/** Write units one index spends for an item going from `before` to `after`. */
export function indexWriteUnits(
  index: IndexShape,
  table: TableShape,
  before: WireItem | undefined,
  after: WireItem | undefined,
): number {
  const old = indexEntry(index, table, before);
  const next = indexEntry(index, table, after);
  if (old === undefined && next === undefined) return 0;
  if (old === undefined) return writeUnitsForSize(itemSize(next));
  if (next === undefined) return writeUnitsForSize(itemSize(old));
  const keyOf = (entry: WireItem) => canonical(index.keyAttributes.map((name) => entry[name]));
  if (keyOf(old) !== keyOf(next)) return writeUnitsForSize(itemSize(old)) + writeUnitsForSize(itemSize(next));
  if (canonical(old) === canonical(next)) return 0;
  return writeUnitsForSize(Math.max(itemSize(old), itemSize(next)));
}

/** The item as the index stores it; undefined when the item lacks an index key (sparse index). */
export function indexEntry(
  index: IndexShape,
  table: TableShape,
  item: WireItem | undefined,
): WireItem | undefined {
  if (item === undefined || index.keyAttributes.some((name) => item[name] === undefined)) return undefined;
  if (index.projection === 'ALL') return item;
  const names = new Set([
    ...index.keyAttributes,
    ...table.keyAttributes,
    ...(index.projection === 'INCLUDE' ? index.nonKeyAttributes : []),
  ]);
  return Object.fromEntries(Object.entries(item).filter(([name]) => names.has(name)));
}

/** JSON with sorted object keys, so equal values compare equal whatever their attribute order. */
function canonical(value: unknown): string {
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, field]) => `${JSON.stringify(name)}:${canonical(field)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
