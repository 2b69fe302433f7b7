import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as z from 'zod';
import { FUNCTIONS, type FunctionAccess, type QueueName } from '../functions/manifest.js';
import { handlerEnvironment, type LocalWorld } from '../local/handler-environment.js';
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
  bundles: readonly Pick<FunctionBundle, 'name' | 'file' | 'floorFile'>[],
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
 * The environment the function gets, so its module-scope code runs as in Lambda: every setting the
 * local stack gives the handlers (local/handler-environment.ts, the same names the CDK app sets), with
 * endpoints that nothing listens on (no request happens at init) and the Lambda runtime's variables.
 * Secrets are passed as values: reading Secrets Manager at a deployed cold start is a network call
 * this measure leaves out.
 */
export function functionEnv(name: string): NodeJS.ProcessEnv {
  const world: LocalWorld = {
    region: 'us-east-1',
    logLevel: 'WARN',
    tableName: 'carebridge-bench',
    endpoints: {
      dynamodb: UNUSED_ENDPOINT,
      sqs: UNUSED_ENDPOINT,
      s3: UNUSED_ENDPOINT,
      sns: UNUSED_ENDPOINT,
      ses: UNUSED_ENDPOINT,
      eum: UNUSED_ENDPOINT,
      eventbridge: UNUSED_ENDPOINT,
      sfn: UNUSED_ENDPOINT,
    },
    eventBusName: 'carebridge-bench',
    campaigns: {
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:carebridge-bench-campaigns',
      unsubscribeUrl: 'https://api.bench.example.com/v1/unsubscribe',
      surveyUrl: 'https://api.bench.example.com/v1/surveys/answer',
    },
    queueUrls: new Map(
      QUEUES.map((queue) => [queue, `${UNUSED_ENDPOINT}/000000000000/carebridge-bench-${queue}`]),
    ),
    inboundMail: { bucket: 'carebridge-bench-mail', prefix: 'inbound/' },
    supportEmail: { address: 'support@bench.example.com', name: 'Support' },
    twilio: {
      accountSid: `AC${'0'.repeat(32)}`,
      authToken: 'bench-auth-token',
      number: '+14155550000',
      webhookUrl: 'https://api.bench.example.com/v1/channels/sms/twilio',
      apiBaseUrl: UNUSED_ENDPOINT,
    },
    chat: {
      tokenSecret: 'bench-chat-token-secret-of-32-bytes-at-least',
      callbackUrl: `${UNUSED_ENDPOINT}/v1`,
      wsUrl: 'wss://chat.bench.example.com/v1',
      fallbackDelaySeconds: 300,
    },
    identity: {
      secret: 'bench-identity-secret-of-32-bytes-at-least',
      verifyUrl: 'https://api.bench.example.com/v1/identity/verify',
    },
  };
  return {
    PATH: process.env.PATH,
    ...handlerEnvironment(world),
    AWS_SESSION_TOKEN: 'bench',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: `carebridge-prod-${name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    NODE_ENV: 'production',
  };
}

const QUEUES: readonly QueueName[] = [
  ...new Set(
    FUNCTIONS.flatMap((definition): readonly QueueName[] => {
      const access: FunctionAccess = definition.access;
      return access.sendsTo ?? [];
    }),
  ),
];
