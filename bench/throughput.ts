import { webFormEvent } from './events.js';
import { submission } from './ingest.js';
import type { BenchStack } from './stack.js';
import { percentile, round } from './stats.js';

/** How the throughput run is sized: bounded, so the whole bench stays within a few minutes. */
export const THROUGHPUT_PLAN = {
  customers: 100,
  warmup: 50,
  /** Submissions one at a time: one Lambda instance serves one request at a time. */
  serial: 100,
  /** Submissions with `concurrency` in flight: the handler's throughput in one process. */
  concurrent: 500,
  concurrency: 8,
} as const;

export interface LatencySummary {
  readonly submissions: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

export interface ThroughputResult {
  readonly plan: typeof THROUGHPUT_PLAN;
  /** Serial latency per submission: the in-process proxy for the function's duration. */
  readonly serial: LatencySummary;
  readonly concurrent: LatencySummary & { readonly messagesPerSecond: number; readonly wallMs: number };
}

/**
 * Drives the web-form handler in-process against the emulators (which share the process and its
 * CPU): creates the customers, warms up, then times serial and concurrent submissions of known
 * customers with open conversations. Every response must be 202.
 */
export async function runThroughput(stack: BenchStack, runId: string): Promise<ThroughputResult> {
  stack.meter.enabled = false;
  const plan = THROUGHPUT_PLAN;
  const customerOf = (index: number) => 1000 + (index % plan.customers);
  let sequence = 0;
  const submit = async (index: number): Promise<number> => {
    const body = submission(customerOf(index), `${runId}-load-${sequence++}`);
    const started = performance.now();
    const response = await stack.webform(webFormEvent(body, Date.now()), stack.context('webform'));
    const elapsed = performance.now() - started;
    if (response.statusCode !== 202)
      throw new Error(`throughput: got ${response.statusCode} ${response.body}`);
    return elapsed;
  };

  await runPool(plan.customers, plan.concurrency, submit);
  await runPool(plan.warmup, plan.concurrency, submit);
  const serial = await runPool(plan.serial, 1, submit);
  const started = performance.now();
  const concurrent = await runPool(plan.concurrent, plan.concurrency, submit);
  const wallMs = performance.now() - started;
  stack.counter.take();
  stack.logs.take();
  return {
    plan,
    serial: summarize(serial),
    concurrent: {
      ...summarize(concurrent),
      messagesPerSecond: round((plan.concurrent / wallMs) * 1000, 1),
      wallMs: round(wallMs, 0),
    },
  };
}

/** Runs `task(0..count-1)` with at most `concurrency` in flight; returns each task's result in order. */
async function runPool<T>(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

function summarize(latencies: readonly number[]): LatencySummary {
  return {
    submissions: latencies.length,
    p50Ms: round(percentile(latencies, 0.5)),
    p95Ms: round(percentile(latencies, 0.95)),
    p99Ms: round(percentile(latencies, 0.99)),
  };
}
