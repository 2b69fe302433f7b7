import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as z from 'zod';
import { ENV, FUNCTIONS, type FunctionAccess } from '../functions/manifest.js';
import type { FunctionBundle } from './bundles.js';
import { median, round } from './stats.js';

const run = promisify(execFile);

export interface InitTime {
  readonly name: string;
  /** Median time to import the bundled handler in a fresh process (ms). */
  readonly initMs: number;
  /** The same for the bundle holding only the handler's SDK clients (ms). */
  readonly sdkFloorInitMs: number;
  /** Median of the per-round ratios handler / floor (each pair measured back to back, so drifting load cancels). */
  readonly ratio: number;
  readonly samples: number;
}

/** Imports one module and prints how long the import took, measured inside the process. */
const IMPORT_PROBE = `import { pathToFileURL } from 'node:url';
const started = performance.now();
await import(pathToFileURL(process.argv[2]).href);
process.stdout.write(JSON.stringify({ ms: performance.now() - started }));
`;
const ProbeOutputSchema = z.object({ ms: z.number() });

/** An endpoint nobody listens on: nothing may reach the network at init. */
const UNUSED_ENDPOINT = 'http://127.0.0.1:9';

/**
 * Median init time of each function over `rounds` fresh `node` processes (the running node, i.e. the
 * project's Node 22), beside its SDK floor. Each round runs every function's handler and floor back to
 * back, alternating which goes first, so a noisy moment hits both alike.
 */
export async function measureInitTimes(
  bundles: readonly FunctionBundle[],
  workDir: string,
  rounds: number,
): Promise<InitTime[]> {
  const probe = join(workDir, 'import-probe.mjs');
  await writeFile(probe, IMPORT_PROBE);
  const samples = new Map(
    bundles.map((bundle) => [bundle.name, { handler: [] as number[], floor: [] as number[] }]),
  );
  for (let round = 0; round < rounds; round++) {
    for (const bundle of bundles) {
      const env = functionEnv(bundle.name);
      const series = samples.get(bundle.name);
      if (!series) continue;
      const order = round % 2 === 0 ? (['handler', 'floor'] as const) : (['floor', 'handler'] as const);
      for (const kind of order) {
        series[kind].push(await importTime(probe, kind === 'handler' ? bundle.file : bundle.floorFile, env));
      }
    }
  }
  return bundles.map((bundle) => {
    const series = samples.get(bundle.name) ?? { handler: [], floor: [] };
    const pairedRatios = series.handler.map((ms, index) => ms / (series.floor[index] ?? Number.NaN));
    return {
      name: bundle.name,
      initMs: round(median(series.handler)),
      sdkFloorInitMs: round(median(series.floor)),
      ratio: round(median(pairedRatios)),
      samples: series.handler.length,
    };
  });
}

async function importTime(probe: string, file: string, env: NodeJS.ProcessEnv): Promise<number> {
  const { stdout } = await run(process.execPath, [probe, file], { env, timeout: 30_000 });
  return ProbeOutputSchema.parse(JSON.parse(stdout)).ms;
}

/**
 * The environment the deployed function gets, so its module-scope code runs as in Lambda: the
 * resources the manifest grants it, region, credentials and the Lambda runtime's own variables.
 */
function functionEnv(name: string): NodeJS.ProcessEnv {
  const definition = FUNCTIONS.find((candidate) => candidate.name === name);
  const access: FunctionAccess = definition?.access ?? {};
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'ASIABENCHEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SESSION_TOKEN: 'bench',
    AWS_ENDPOINT_URL_DYNAMODB: UNUSED_ENDPOINT,
    AWS_ENDPOINT_URL_SQS: UNUSED_ENDPOINT,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: `carebridge-prod-${name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    NODE_ENV: 'production',
  };
  if (access.table) env[ENV.table] = 'carebridge-bench';
  for (const queue of access.sendsTo ?? []) {
    env[ENV.queueUrl(queue)] = `${UNUSED_ENDPOINT}/000000000000/carebridge-bench-${queue}`;
  }
  return env;
}
