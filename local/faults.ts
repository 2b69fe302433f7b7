import * as z from 'zod';

/**
 * Fault injection for the local stack (off by default). `CAREBRIDGE_FAULTS` names the share of
 * operations each fault hits, e.g. `dynamodb.conflict=0.05,dynamodb.throttle=0.02,sqs.duplicate=0.05,
 * lambda.crash=0.02,seed=42`:
 *
 * - `dynamodb.conflict`: TransactWriteItems cancelled with a `TransactionConflict` reason;
 * - `dynamodb.throttle`: data-plane requests refused with ProvisionedThroughputExceededException;
 * - `sqs.duplicate`: messages the SQS pollers deliver twice (a second, concurrent invocation);
 * - `lambda.crash`: invocations that die right after the handler's first successful AWS write.
 *
 * Decisions come from a seeded generator (`seed=` in the spec, else `CAREBRIDGE_FAULTS_SEED`, else a
 * random seed that is echoed), one stream per fault, so a run can be replayed: the same seed gives the
 * same sequence of decisions per fault (under concurrent load the requests they fall on may differ).
 */

export const FAULT_NAMES = [
  'dynamodb.conflict',
  'dynamodb.throttle',
  'sqs.duplicate',
  'lambda.crash',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** The faults of one run: a share per fault (0 to 1) and the seed of the decisions. */
export interface Faults {
  readonly rates: Readonly<Record<FaultName, number>>;
  readonly seed: number;
}

/** What `.carebridge/local.json` echoes: the spec as given back in canonical form, the rates and the seed. */
export interface FaultsEcho {
  readonly spec: string;
  readonly rates: Readonly<Record<FaultName, number>>;
  readonly seed: number;
}

/** A fault spec that cannot be read; the message names the part at fault. */
export class FaultSpecError extends Error {
  override name = 'FaultSpecError';
}

const FaultNameSchema = z.enum(FAULT_NAMES);
const RateSchema = z.coerce.number().finite().min(0).max(1);
const SeedSchema = z.coerce.number().int().min(0).max(0xffff_ffff);
const MAX_SPEC_LENGTH = 1_000;

/** Reads a spec such as `dynamodb.conflict=0.05,seed=7`; `seed` (if given) is used when the spec has none. */
export function parseFaultSpec(spec: string, seed?: string): Faults {
  if (spec.length > MAX_SPEC_LENGTH)
    throw new FaultSpecError(`the fault spec is over ${MAX_SPEC_LENGTH} characters`);
  const rates: Record<FaultName, number> = {
    'dynamodb.conflict': 0,
    'dynamodb.throttle': 0,
    'sqs.duplicate': 0,
    'lambda.crash': 0,
  };
  let specSeed: number | undefined;
  for (const part of spec.split(',').map((text) => text.trim())) {
    if (part === '') continue;
    const [name, value, ...extra] = part.split('=').map((text) => text.trim());
    if (name === undefined || value === undefined || value === '' || extra.length > 0) {
      throw new FaultSpecError(`fault spec part "${part}": expected name=value`);
    }
    if (name === 'seed') {
      specSeed = parsePart(SeedSchema, value, part, 'the seed must be an integer from 0 to 4294967295');
      continue;
    }
    const fault = FaultNameSchema.safeParse(name);
    if (!fault.success) {
      throw new FaultSpecError(
        `fault spec part "${part}": unknown fault; known: ${FAULT_NAMES.join(', ')}, seed`,
      );
    }
    rates[fault.data] = parsePart(RateSchema, value, part, 'the share must be a number from 0 to 1');
  }
  const fallbackSeed =
    seed === undefined || seed.trim() === ''
      ? undefined
      : parsePart(
          SeedSchema,
          seed.trim(),
          `CAREBRIDGE_FAULTS_SEED=${seed}`,
          'must be an integer from 0 to 4294967295',
        );
  return { rates, seed: specSeed ?? fallbackSeed ?? randomSeed() };
}

function parsePart<T>(schema: z.ZodType<T>, value: string, part: string, expected: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new FaultSpecError(`fault spec part "${part}": ${expected}`);
  return parsed.data;
}

function randomSeed(): number {
  return Math.floor(Math.random() * 0x1_0000_0000);
}

/**
 * The faults of the environment: `CAREBRIDGE_FAULTS` (and `CAREBRIDGE_FAULTS_SEED`); undefined when
 * unset, empty, or every share is 0 — faults are off by default.
 */
export function faultsFromEnvironment(env: NodeJS.ProcessEnv): Faults | undefined {
  const spec = env.CAREBRIDGE_FAULTS;
  if (spec === undefined || spec.trim() === '') return undefined;
  const faults = parseFaultSpec(spec, env.CAREBRIDGE_FAULTS_SEED);
  return anyFault(faults) ? faults : undefined;
}

/** True when at least one fault has a share above 0. */
export function anyFault(faults: Faults): boolean {
  return FAULT_NAMES.some((name) => faults.rates[name] > 0);
}

/** The spec in canonical form (faults above 0, then the seed): feeding it back replays the run. */
export function echoFaults(faults: Faults): FaultsEcho {
  const parts = FAULT_NAMES.filter((name) => faults.rates[name] > 0).map(
    (name) => `${name}=${faults.rates[name]}`,
  );
  return { spec: [...parts, `seed=${faults.seed}`].join(','), rates: { ...faults.rates }, seed: faults.seed };
}

/** Decides, fault by fault, whether this operation is hit. */
export interface FaultInjector {
  /** True when this operation gets the fault; never true for a fault whose share is 0. */
  hits(fault: FaultName): boolean;
  /** A whole number below `count` from the fault's stream (which item of a transaction conflicts, say). */
  pick(fault: FaultName, count: number): number;
  /** How many operations each fault has hit so far. */
  injected(): Record<FaultName, number>;
}

/** The injector of `faults`: one seeded stream per fault, so one fault's traffic never shifts another's. */
export function createFaultInjector(faults: Faults): FaultInjector {
  const streams = new Map(
    FAULT_NAMES.map((name, index) => [name, mulberry32((faults.seed + 0x9e37_79b9 * (index + 1)) >>> 0)]),
  );
  const next = (fault: FaultName): number => {
    const stream = streams.get(fault);
    if (stream === undefined) throw new Error(`no stream for fault ${fault}`);
    return stream();
  };
  const injected = zeroCounts();
  return {
    hits: (fault) => {
      const hit = faults.rates[fault] > 0 && next(fault) < faults.rates[fault];
      if (hit) injected[fault] += 1;
      return hit;
    },
    pick: (fault, count) => Math.min(count - 1, Math.floor(next(fault) * count)),
    injected: () => ({ ...injected }),
  };
}

/** An injector that injects nothing until armed. */
export interface ArmableFaultInjector extends FaultInjector {
  arm(): void;
}

/**
 * Wraps `injector` so that it hits nothing until `arm()`: the local stack arms it once it is up, so its
 * own start-up traffic (seeding agents and demo web forms through the gateway) is not faulted.
 */
export function armable(injector: FaultInjector): ArmableFaultInjector {
  let armed = false;
  return {
    hits: (fault) => armed && injector.hits(fault),
    pick: (fault, count) => injector.pick(fault, count),
    injected: () => injector.injected(),
    arm: () => {
      armed = true;
    },
  };
}

/** An injector that never injects anything. */
export const NO_FAULTS: FaultInjector = {
  hits: () => false,
  pick: () => 0,
  injected: zeroCounts,
};

function zeroCounts(): Record<FaultName, number> {
  return { 'dynamodb.conflict': 0, 'dynamodb.throttle': 0, 'sqs.duplicate': 0, 'lambda.crash': 0 };
}

/**
 * mulberry32: a small, fast 32-bit seeded generator (public domain, Tommy Ettinger), plenty for
 * choosing faults; not for anything secret. Returns numbers in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b_79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}
