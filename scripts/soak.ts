import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { FaultSpecError, faultsFromEnvironment, parseFaultSpec } from '../local/faults.js';
import { runSoak, soakSummary } from '../local/soak/run.js';
import { type SoakTarget, SoakTargetSchema } from '../local/soak/target.js';
import { type LocalStack, startLocalStack } from '../local/stack.js';
import { STATE_FILE } from '../local/state-file.js';

/**
 * `npm run soak -- --messages N [--faults <spec>] [--seed S] [--people P] [--concurrency C]
 * [--max-seconds T] [--attach]`: drives a local stack over its real interfaces with N messages, then
 * checks from the store that nothing was lost, doubled or misfiled and that no dead-letter queue holds
 * anything. By default it starts its own stack in this process (in memory, on free loopback ports) with
 * the given faults (else CAREBRIDGE_FAULTS); `--attach` drives the stack `npm start` is running instead,
 * found through .carebridge/local.json (its faults are the ones it was started with). Exits 1 when an
 * invariant failed. See docs/soak.md.
 */

const ArgsSchema = z.strictObject({
  messages: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
  faults: z.string().max(1_000).optional(),
  seed: z.coerce.number().int().min(0).max(0xffff_ffff).optional(),
  people: z.coerce.number().int().min(1).max(100_000).optional(),
  concurrency: z.coerce.number().int().min(1).max(256).default(24),
  'max-seconds': z.coerce.number().int().min(10).max(7_200).default(1_800),
  attach: z.boolean().default(false),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string' },
      faults: { type: 'string' },
      seed: { type: 'string' },
      people: { type: 'string' },
      concurrency: { type: 'string' },
      'max-seconds': { type: 'string' },
      attach: { type: 'boolean' },
    },
    strict: true,
  });
  const parsed = ArgsSchema.safeParse(values);
  if (!parsed.success) {
    throw new UsageError(
      parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('; '),
    );
  }
  const args = parsed.data;
  const seed = args.seed ?? Math.floor(Math.random() * 0x1_0000_0000);

  const failures = new Map<string, number>();
  let stack: LocalStack | undefined;
  let info: SoakTarget;
  if (args.attach) {
    info = await attachedStack(args.faults);
  } else {
    const faults =
      args.faults !== undefined
        ? parseFaultSpec(args.faults, process.env.CAREBRIDGE_FAULTS_SEED)
        : (faultsFromEnvironment(process.env) ?? null);
    stack = await startLocalStack({
      port: 0,
      seed: false,
      // An injected crash leaves the dead invocation's middleware timers behind, which would log a timeout
      // later; failures are counted through onError instead.
      logLevel: 'SILENT',
      faults,
      // Failed records come back after seconds, not the deployed 30 s, so the soak settles sooner.
      queueVisibilityTimeoutSeconds: 5,
      onError: (message) => {
        const kind = message.replace(/ \(attempt \d+\).*/, '').slice(0, 120);
        failures.set(kind, (failures.get(kind) ?? 0) + 1);
      },
    });
    info = stack.info;
  }
  try {
    console.log(
      `soak: ${args.messages} messages, seed ${seed}, faults ${info.faults?.spec ?? 'none'}, ` +
        `${args.attach ? `attached to ${info.apiUrl}` : 'own in-process stack'}`,
    );
    const startedAt = Date.now();
    const report = await runSoak(info, {
      messages: args.messages,
      seed,
      concurrency: args.concurrency,
      maxSeconds: args['max-seconds'],
      ...(args.people ? { people: args.people } : {}),
      ...(stack ? { idle: stack.asyncIdle } : {}),
      onSettling: (check) =>
        console.log(
          `  settling: ${check.recorded} recorded, ${check.pendingInQueues} still queued, ` +
            `${((Date.now() - startedAt) / 1_000).toFixed(0)} s`,
        ),
      onProgress: (done) =>
        console.log(`  ${done} messages done, ${((Date.now() - startedAt) / 1_000).toFixed(0)} s`),
    });
    const injected = stack?.faultsInjected();
    if (injected) {
      console.log(
        `faults injected: ${Object.entries(injected)
          .map(([name, count]) => `${name} ${count}`)
          .join(', ')}`,
      );
    }
    if (failures.size > 0) {
      console.log('failures the stack reported (retried by their event source):');
      for (const [kind, count] of [...failures].sort((a, b) => b[1] - a[1]))
        console.log(`  ${count} × ${kind}`);
    }
    if (report.gaveUpReasons.length > 0) {
      console.log('messages given up on, by last error:');
      for (const [reason, count] of report.gaveUpReasons) console.log(`  ${count} × ${reason}`);
    }
    if (Object.keys(report.deadLettered).length > 0) console.log('dead-lettered:', report.deadLettered);
    console.log(
      `send phase ${report.sendSeconds.toFixed(1)} s, total ${report.totalSeconds.toFixed(1)} s; ` +
        `misfiled ${report.misfiled}, split ${report.splitGroups}, fused ${report.fusedCustomers}, ` +
        `still queued ${report.pendingInQueues}`,
    );
    console.log(soakSummary(report));
    process.exitCode = report.passed ? 0 : 1;
  } finally {
    await stack?.stop();
  }
}

/** The running stack's description; refuses when asked for faults it was not started with. */
async function attachedStack(faults: string | undefined): Promise<SoakTarget> {
  const text = await readFile(STATE_FILE, 'utf8').catch(() => {
    throw new UsageError(`no running stack: ${STATE_FILE} is missing (run npm start first)`);
  });
  const state = SoakTargetSchema.parse(JSON.parse(text));
  if (faults !== undefined) {
    const wanted = parseFaultSpec(faults, '0').rates;
    const running = state.faults ? parseFaultSpec(state.faults.spec).rates : undefined;
    if (JSON.stringify(wanted) !== JSON.stringify(running)) {
      throw new UsageError(
        `the running stack has faults ${state.faults?.spec ?? 'none'}; restart it with CAREBRIDGE_FAULTS=${faults}`,
      );
    }
  }
  return state;
}

class UsageError extends Error {
  override name = 'UsageError';
}

main()
  .catch((error: unknown) => {
    if (error instanceof UsageError || error instanceof FaultSpecError)
      console.error(`soak: ${error.message}`);
    else console.error('soak failed:', error);
    process.exitCode = 1;
  })
  // Crashed invocations never resume; their pending timers must not hold the process.
  .finally(() => process.exit());
