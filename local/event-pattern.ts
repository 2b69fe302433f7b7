/**
 * EventBridge event patterns, the syntax both EventBridge rules and Lambda event filtering
 * (`FilterCriteria`) use: an object whose fields mirror the event's, each ending in an array of
 * matchers. A field matches when any of its matchers matches any value found at that path (arrays in
 * the event are searched element by element); every field of the pattern must match.
 *
 * Supported matchers: exact values (string, number, boolean, null), `prefix`, `suffix`,
 * `equals-ignore-case`, `wildcard`, `exists`, `anything-but` (values, `prefix` or `suffix`), `numeric`,
 * and `$or` between sub-patterns. As on AWS, `exists` tests leaf values: an object found at the path
 * (say, a DynamoDB attribute value `{ "S": "…" }`) neither exists nor is absent, so filter on its type
 * field (`{ "status": { "S": [{ "exists": true }] } }`). A pattern outside this syntax is refused when
 * compiled, like PutRule or CreateEventSourceMapping refuse it.
 */

/** A compiled pattern: true when the event (any JSON value) matches. */
export type EventMatcher = (event: unknown) => boolean;

/** The pattern is not valid EventBridge pattern syntax (or uses a matcher this stand-in lacks). */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternError';
}

type Leaf = string | number | boolean | null;
type ValueTest = (value: unknown) => boolean;

interface FieldTest {
  readonly path: readonly string[];
  /** Tests the values found at the path (none when the path is absent). */
  readonly test: (values: readonly unknown[]) => boolean;
}

/** Compiles a pattern given as an object or as its JSON text. */
export function compileEventPattern(pattern: unknown): EventMatcher {
  const parsed = typeof pattern === 'string' ? parsePatternJson(pattern) : pattern;
  if (!isPlainObject(parsed)) throw new InvalidEventPatternError('an event pattern must be a JSON object');
  return compileObject(parsed, []);
}

/**
 * The filters of a Lambda event source mapping: each one an object `{ pattern: "<json>" }` as CDK's
 * `FilterCriteria.filter({...})` makes it, `{ Pattern: "<json>" }` as CloudFormation and the Lambda API
 * spell it, or the pattern itself. A record passes when any filter matches; with no filters, every record.
 */
export function compileFilterCriteria(filters: readonly unknown[] | undefined): EventMatcher {
  if (filters === undefined || filters.length === 0) return () => true;
  const matchers = filters.map((filter) => compileEventPattern(filterPattern(filter)));
  return (event) => matchers.some((matches) => matches(event));
}

function filterPattern(filter: unknown): unknown {
  if (typeof filter === 'string') return filter;
  if (isPlainObject(filter)) {
    const keys = Object.keys(filter);
    if (keys.length === 1 && (keys[0] === 'pattern' || keys[0] === 'Pattern')) {
      const text = filter[keys[0]];
      if (typeof text !== 'string') throw new InvalidEventPatternError('a filter pattern must be JSON text');
      return text;
    }
  }
  return filter;
}

function parsePatternJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidEventPatternError('an event pattern must be valid JSON', { cause: error });
  }
}

function compileObject(pattern: Record<string, unknown>, path: readonly string[]): EventMatcher {
  const fields: FieldTest[] = [];
  const nested: EventMatcher[] = [];
  const alternatives: EventMatcher[][] = [];
  for (const [name, value] of Object.entries(pattern)) {
    if (name === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isPlainObject)) {
        throw new InvalidEventPatternError(`"$or" at ${describePath(path)} must list at least two patterns`);
      }
      alternatives.push(value.map((alternative) => compileObject(alternative, path)));
    } else if (isPlainObject(value)) {
      nested.push(compileObject(value, [...path, name]));
    } else if (Array.isArray(value)) {
      fields.push({ path: [...path, name], test: compileLeaf(value, [...path, name]) });
    } else {
      throw new InvalidEventPatternError(
        `the value of ${describePath([...path, name])} must be an object or an array of matchers`,
      );
    }
  }
  return (event) =>
    fields.every((field) => field.test(valuesAt(event, field.path))) &&
    nested.every((matches) => matches(event)) &&
    alternatives.every((choices) => choices.some((matches) => matches(event)));
}

function compileLeaf(matchers: readonly unknown[], path: readonly string[]): FieldTest['test'] {
  if (matchers.length === 0) {
    throw new InvalidEventPatternError(`${describePath(path)} has an empty array of matchers`);
  }
  const existenceTests: FieldTest['test'][] = [];
  const tests: ValueTest[] = [];
  for (const matcher of matchers) {
    if (!isPlainObject(matcher) || !Object.hasOwn(matcher, 'exists')) {
      tests.push(valueTest(matcher, path));
      continue;
    }
    const wanted = matcher.exists;
    if (typeof wanted !== 'boolean' || Object.keys(matcher).length !== 1) {
      throw new InvalidEventPatternError(`"exists" at ${describePath(path)} must be true or false`);
    }
    existenceTests.push((values) => (wanted ? values.some(isLeaf) : values.length === 0));
  }
  return (values) =>
    existenceTests.some((test) => test(values)) || values.some((value) => tests.some((test) => test(value)));
}

function valueTest(matcher: unknown, path: readonly string[]): ValueTest {
  if (isLeaf(matcher)) return (value) => value === matcher;
  if (!isPlainObject(matcher)) {
    throw new InvalidEventPatternError(
      `${describePath(path)} has a matcher that is neither a value nor an object`,
    );
  }
  const entries = Object.entries(matcher);
  const [entry] = entries;
  if (entry === undefined || entries.length !== 1) {
    throw new InvalidEventPatternError(`a matcher at ${describePath(path)} must have exactly one operator`);
  }
  const [operator, operand] = entry;
  switch (operator) {
    case 'prefix':
      return stringTest(operand, operator, path, (value, text) => value.startsWith(text));
    case 'suffix':
      return stringTest(operand, operator, path, (value, text) => value.endsWith(text));
    case 'equals-ignore-case':
      return stringTest(operand, operator, path, (value, text) => value.toLowerCase() === text.toLowerCase());
    case 'wildcard':
      return wildcardTest(operand, path);
    case 'anything-but':
      return anythingButTest(operand, path);
    case 'numeric':
      return numericTest(operand, path);
    default:
      throw new InvalidEventPatternError(`unsupported matcher "${operator}" at ${describePath(path)}`);
  }
}

function stringTest(
  operand: unknown,
  operator: string,
  path: readonly string[],
  test: (value: string, operand: string) => boolean,
): ValueTest {
  if (operator === 'prefix' && isPlainObject(operand) && typeof operand['equals-ignore-case'] === 'string') {
    const lower = operand['equals-ignore-case'].toLowerCase();
    return (value) => typeof value === 'string' && value.toLowerCase().startsWith(lower);
  }
  if (typeof operand !== 'string') {
    throw new InvalidEventPatternError(`"${operator}" at ${describePath(path)} must be a string`);
  }
  return (value) => typeof value === 'string' && test(value, operand);
}

function wildcardTest(operand: unknown, path: readonly string[]): ValueTest {
  if (typeof operand !== 'string') {
    throw new InvalidEventPatternError(`"wildcard" at ${describePath(path)} must be a string`);
  }
  const source = operand
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const expression = new RegExp(`^${source}$`, 's');
  return (value) => typeof value === 'string' && expression.test(value);
}

function anythingButTest(operand: unknown, path: readonly string[]): ValueTest {
  if (isPlainObject(operand)) {
    const [entry, ...more] = Object.entries(operand);
    if (entry === undefined || more.length > 0 || (entry[0] !== 'prefix' && entry[0] !== 'suffix')) {
      throw new InvalidEventPatternError(
        `"anything-but" at ${describePath(path)} takes values, a "prefix" or a "suffix"`,
      );
    }
    const excluded = valueTest({ [entry[0]]: entry[1] }, path);
    return (value) => typeof value === 'string' && !excluded(value);
  }
  const excluded = Array.isArray(operand) ? operand : [operand];
  if (excluded.length === 0 || !excluded.every(isLeaf)) {
    throw new InvalidEventPatternError(`"anything-but" at ${describePath(path)} takes values`);
  }
  return (value) => isLeaf(value) && value !== null && !excluded.includes(value);
}

const COMPARISONS: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function numericTest(operand: unknown, path: readonly string[]): ValueTest {
  const invalid = () =>
    new InvalidEventPatternError(`"numeric" at ${describePath(path)} takes one or two comparisons`);
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) throw invalid();
  const comparisons: ValueTest[] = [];
  for (let index = 0; index < operand.length; index += 2) {
    const operator: unknown = operand[index];
    const bound: unknown = operand[index + 1];
    const compare = typeof operator === 'string' ? COMPARISONS[operator] : undefined;
    if (compare === undefined || typeof bound !== 'number') throw invalid();
    comparisons.push((value) => typeof value === 'number' && compare(value, bound));
  }
  return (value) => comparisons.every((test) => test(value));
}

/** The values at a path, searching arrays element by element, as EventBridge flattens them. */
function valuesAt(event: unknown, path: readonly string[]): unknown[] {
  let current: unknown[] = [event];
  for (const name of path) {
    const next: unknown[] = [];
    for (const value of flatten(current)) {
      if (isPlainObject(value) && Object.hasOwn(value, name) && value[name] !== undefined)
        next.push(value[name]);
    }
    current = next;
  }
  return flatten(current);
}

function flatten(values: readonly unknown[]): unknown[] {
  return values.flatMap((value) => (Array.isArray(value) ? flatten(value) : [value]));
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describePath(path: readonly string[]): string {
  return path.length === 0 ? 'the top level' : `"${path.join('.')}"`;
}
