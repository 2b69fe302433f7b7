import { EVENTUAL_READ_UNITS_PER_4KB } from './segment-plan.js';

const READ_BLOCK_BYTES = 4096;
const LIST_OR_MAP_OVERHEAD = 3;

/**
 * Read units of a BatchGetItem read eventually consistent: each item is rounded up to 4 KB on its own,
 * and a key with no item costs the minimum. batchGetItems does not return ConsumedCapacity, so the
 * units are computed from the documented item-size rules.
 */
export function batchGetReadUnits(requestedKeys: number, found: readonly Record<string, unknown>[]): number {
  const foundUnits = found.reduce(
    (sum, item) =>
      sum + Math.max(1, Math.ceil(itemBytes(item) / READ_BLOCK_BYTES)) * EVENTUAL_READ_UNITS_PER_4KB,
    0,
  );
  return foundUnits + Math.max(0, requestedKeys - found.length) * EVENTUAL_READ_UNITS_PER_4KB;
}

/**
 * Read units of one Query or Scan: what DynamoDB reported, never below the minimum a request costs (the
 * local emulator reports 0 for a request that read nothing).
 */
export function requestReadUnits(reported: number | undefined): number {
  return Math.max(reported ?? 0, EVENTUAL_READ_UNITS_PER_4KB);
}

/** An item's size by DynamoDB's rules: attribute names plus values (UTF-8 strings, ~1 byte per 2 digits). */
export function itemBytes(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value !== undefined) size += utf8(name) + valueBytes(value);
  }
  return size;
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numberBytes(String(value));
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((sum: number, element) => sum + valueBytes(element), 0);
  if (Array.isArray(value)) {
    return LIST_OR_MAP_OVERHEAD + value.reduce((sum: number, element) => sum + 1 + valueBytes(element), 0);
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, element]) => element !== undefined);
    return (
      LIST_OR_MAP_OVERHEAD +
      entries.reduce((sum, [name, element]) => sum + 1 + utf8(name) + valueBytes(element), 0)
    );
  }
  return 0;
}

function utf8(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** 1 byte per two significant digits, plus 1. */
function numberBytes(text: string): number {
  const [mantissa = ''] = text.toLowerCase().split('e');
  const digits = mantissa
    .replace(/[^0-9]/g, '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}
