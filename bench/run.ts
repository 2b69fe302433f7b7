/**
 * `npm run bench`: measures what the product brief's targets are about and writes bench/results.json.
 * 1. bundles every function as `cdk deploy` does and times its init in fresh node processes beside an
 *    SDK-only bundle;
 * 2. drives the real web-form handler and routing consumer against dynalite and fauxqs on loopback,
 *    counting every AWS request and capacity unit;
 * 3. measures the web-form handler's latency and throughput in-process;
 * 4. prices one million messages from bench/prices.json.
 * No network beyond 127.0.0.1; the emulators run in this process on free ports.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { version as esbuildVersion } from 'esbuild';
import { BUNDLE_ALLOWANCES, INIT_RATIO_BUDGET } from './budgets.js';
import { buildLibrariesFloors, bundleFunctions } from './bundles.js';
import { runCampaignScenario } from './campaigns.js';
import { campaignCostPerMillion, costPerMillion, loadPrices } from './cost.js';
import { MESSAGE, ROUTE_BATCH_SIZE, runIngestScenarios } from './ingest.js';
import { measureInitTimes } from './init-time.js';
import { formatReport } from './report.js';
import type { BenchResults, FunctionFigures, TargetCheck } from './results.js';
import { FUNCTION_MEMORY_MB, startBenchStack } from './stack.js';
import { round } from './stats.js';
import { runThroughput } from './throughput.js';

const INIT_ROUNDS = 15;
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const resultsFile = new URL('./results.json', import.meta.url);
const pricesFile = new URL('./prices.json', import.meta.url);

const startedAt = performance.now();
const runId = randomUUID().slice(0, 8);
const prices = loadPrices(pricesFile);
const machine = {
  node: process.version,
  platform: `${platform()} ${release()}`,
  arch: process.arch,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
  memoryGb: round(totalmem() / 1024 ** 3, 1),
  loadAverage1mAtStart: round(loadavg()[0] ?? 0, 2),
  esbuild: esbuildVersion,
};
if (!process.version.startsWith('v22.')) {
  process.stderr.write(
    `warning: measuring on node ${process.version}; Lambda runs node 22 (use npm run bench)\n`,
  );
}

const workDir = await mkdtemp(join(tmpdir(), 'carebridge-bench-'));
try {
  progress('bundling functions');
  const bundles = await bundleFunctions(repoRoot, workDir);
  progress(`timing init, ${INIT_ROUNDS} fresh processes per bundle`);
  const inits = await measureInitTimes(bundles, workDir, INIT_ROUNDS);
  progress('timing the libraries floors');
  const librariesFloors = await buildLibrariesFloors(repoRoot, workDir, bundles);
  const librariesInits = await measureInitTimes(
    librariesFloors.map((floor) => floor.bundle),
    workDir,
    INIT_ROUNDS,
  );

  progress('starting dynalite and fauxqs; ingest scenarios');
  const stack = await startBenchStack();
  stack.logs.start();
  let ingestRun: Awaited<ReturnType<typeof runIngestScenarios>>;
  let throughput: Awaited<ReturnType<typeof runThroughput>>;
  let campaignRun: Awaited<ReturnType<typeof runCampaignScenario>>;
  try {
    ingestRun = await runIngestScenarios(stack, runId);
    stack.logs.stop();
    progress('throughput');
    stack.logs.start();
    throughput = await runThroughput(stack, runId);
    stack.logs.stop();
    progress('a retention campaign');
    stack.logs.start();
    campaignRun = await runCampaignScenario(stack, runId);
  } finally {
    stack.logs.stop();
    await stack.stop();
  }

  const { knownCustomer, eLevelAnswer } = ingestRun.scenarios;
  const steady = knownCustomer.ingest;
  const routing = knownCustomer.routing;
  const cost = costPerMillion({
    prices,
    ingest: steady,
    routing,
    tiers: knownCustomer.tiers,
    webformDurationMs: throughput.serial.p50Ms,
    routeBatchDurationMs: ingestRun.routeBatchMs,
    tierBatchDurationMs: knownCustomer.tierBatchMs,
    memoryMb: FUNCTION_MEMORY_MB,
  });
  const eLevelCost = costPerMillion({
    prices,
    ingest: eLevelAnswer.ingest,
    routing: eLevelAnswer.routing,
    tiers: eLevelAnswer.tiers,
    webformDurationMs: throughput.serial.p50Ms,
    routeBatchDurationMs: ingestRun.routeBatchMs,
    tierBatchDurationMs: eLevelAnswer.tierBatchMs,
    memoryMb: FUNCTION_MEMORY_MB,
  });
  // Priced at a million recipients: the per-campaign transitions and task invocations spread over them.
  const campaignCost = campaignCostPerMillion(
    prices,
    {
      ...campaignRun.perRecipient,
      transitions: campaignRun.atAMillion.transitionsPerRecipient,
      lambdaInvocations:
        campaignRun.run.sendBatches / campaignRun.recipients +
        campaignRun.atAMillion.taskInvocationsPerRecipient,
    },
    FUNCTION_MEMORY_MB,
  );
  /** Per message, from the routing consumer on: what routing through the tier queues adds. */
  const routedFigures = (scenario: typeof knownCustomer) => ({
    dynamodbRequestsPerMessage: round(scenario.routing.dynamodbRequests + scenario.tiers.dynamodbRequests, 3),
    writeUnitsPerMessage: round(scenario.routing.writeUnits + scenario.tiers.writeUnits, 3),
    readUnitsPerMessage: round(scenario.routing.readUnits + scenario.tiers.readUnits, 3),
    sqsRequestsPerMessage: round(scenario.routing.sqsRequests + scenario.tiers.sqsRequests, 3),
    routedTo: scenario.routedTo,
  });

  const functions: Record<string, FunctionFigures> = {};
  for (const bundle of bundles) {
    const init = inits.find((candidate) => candidate.name === bundle.name);
    const initRatio = init?.ratio ?? Number.NaN;
    const allowance = BUNDLE_ALLOWANCES[bundle.name];
    const libraries = librariesFloors.find((floor) => floor.functions.includes(bundle.name));
    const librariesInit = librariesInits.find((candidate) => candidate.name === libraries?.bundle.name);
    functions[bundle.name] = {
      bundleBytes: bundle.bytes,
      bundleBudgetBytes: bundle.budgetBytes,
      bundleMet: bundle.bytes <= bundle.budgetBytes,
      ...(allowance ? { bundleAllowanceBytes: allowance.maxBytes } : {}),
      initMs: init?.initMs ?? Number.NaN,
      sdkFloorInitMs: init?.sdkFloorInitMs ?? Number.NaN,
      initRatio,
      initMet: bundle.sdkClients.length === 0 ? null : initRatio <= INIT_RATIO_BUDGET,
      sdkFloorBundleBytes: bundle.floorBytes,
      librariesFloorBundleBytes: libraries?.bytes ?? Number.NaN,
      librariesFloorInitRatio: librariesInit?.ratio ?? Number.NaN,
      sdkClients: bundle.sdkClients,
      largestPackages: Object.fromEntries(
        bundle.packages.slice(0, 8).map((entry) => [entry.name, entry.bytes]),
      ),
    };
  }

  const tiers = knownCustomer.tiers;
  const withRouting = {
    dynamodbRequestsPerMessage: round(
      steady.dynamodbRequests + routing.dynamodbRequests + tiers.dynamodbRequests,
      3,
    ),
    writeUnitsPerMessage: round(steady.writeUnits + routing.writeUnits + tiers.writeUnits, 3),
    readUnitsPerMessage: round(steady.readUnits + routing.readUnits + tiers.readUnits, 3),
    awsRequestsPerMessage: round(
      steady.dynamodbRequests +
        steady.sqsRequests +
        routing.dynamodbRequests +
        routing.sqsRequests +
        tiers.dynamodbRequests +
        tiers.sqsRequests,
      3,
    ),
  };
  const figures = Object.values(functions);
  const bundlesOver = figures.filter((figure) => !figure.bundleMet).length;
  const initsOver = figures.filter((figure) => figure.initMet === false).length;
  const worstRatio = Math.max(
    ...Object.entries(functions)
      .filter(([, figure]) => figure.initMet !== null)
      .map(([, figure]) => figure.initRatio),
  );
  const targets: TargetCheck[] = [
    target(
      'DynamoDB requests per message, known customer (web form)',
      2,
      steady.dynamodbRequests,
      'requests',
    ),
    target('DynamoDB write units per message (web form)', 3, steady.writeUnits, 'WRU'),
    target('DynamoDB write units per message incl. routing', 3, withRouting.writeUnitsPerMessage, 'WRU'),
    target(
      'cost per million web-form messages, routed through the tiers (steady state)',
      5,
      cost.perMillionUsd,
      'USD',
    ),
    target(
      'campaign orchestration per million recipients (transitions, task and worker invocations, send queue)',
      5,
      campaignCost.orchestrationUsd,
      'USD',
    ),
    target('handler bundles over budget (450 KB, or SDK floor + 100 KB)', 0, bundlesOver, 'functions'),
    target(`handler inits over ${INIT_RATIO_BUDGET}x their SDK floor`, 0, initsOver, 'functions'),
    target('worst init / SDK floor init', INIT_RATIO_BUDGET, worstRatio, 'x'),
  ];

  const results: BenchResults = {
    ingest: {
      requestsPerMessage: steady.dynamodbRequests,
      writeUnitsPerMessage: steady.writeUnits,
      readUnitsPerMessage: steady.readUnits,
      sqsRequestsPerMessage: steady.sqsRequests,
      withRouting,
      messagesPerSecond: throughput.concurrent.messagesPerSecond,
      latencyMs: {
        serialP50: throughput.serial.p50Ms,
        serialP95: throughput.serial.p95Ms,
        concurrentP50: throughput.concurrent.p50Ms,
        concurrentP95: throughput.concurrent.p95Ms,
      },
      logBytesPerInvocation: steady.logBytes,
      costPerMillionUsd: cost.perMillionUsd,
      cost,
      routing: {
        steadyState: routedFigures(knownCustomer),
        eLevelAnswer: { ...routedFigures(eLevelAnswer), cost: eLevelCost },
      },
      throughput,
      scenarios: ingestRun.scenarios,
      method: {
        requests:
          "A middleware on every SDK client of the process (added on first send, so the handlers' module-scope clients are included) counts HTTP requests by operation, retries included. Scenarios drive the real handlers: functions/webform/handler.ts with API Gateway v2 events, then functions/route/handler.ts with the SQS event of the messages it queued, received from fauxqs in one batch of " +
          `${ROUTE_BATCH_SIZE}; figures are per message, ${ROUTE_BATCH_SIZE} customers per scenario. Submissions carry email, phone, name, subject and a ${MESSAGE.length}-character message (see bench/ingest.ts).`,
        capacity:
          'The counting middleware adds ReturnConsumedCapacity TOTAL to every DynamoDB call (shown as [emu]). dynalite reports no index writes for single-item writes and nothing for failed conditional writes, so the headline units are computed from the documented rules (bench/capacity.ts): 1 WRU per started KB of the larger of the before/after item, x2 in transactions, plus per GSI 1 write of the projected entry when it joins, leaves or changes (2 when its key changes); a failed conditional write costs the existing item (at least 1 WRU); reads 0.5 RRU (eventual) / 1 (strong) / 2 (transactional) per started 4 KB per item, a missing item costing the minimum. The items before and after each request are read with an uncounted client; table and index shapes come from DescribeTable.',
        throughput:
          "In-process: handler, dynalite and fauxqs share one node process, so latency includes the emulators' CPU time and no network. Serial latency (one at a time, as one Lambda instance serves) is the duration proxy for cost.",
        init: `Each bundle imported in a fresh node ${process.version} process with the function's environment (endpoints on an unused 127.0.0.1 port, no network at init), timed inside the process with performance.now() around import(); median of ${INIT_ROUNDS}, handler and SDK floor interleaved; the ratio is the median of the back-to-back pairs' ratios. A function bundling no SDK client has an empty floor: its ratio is shown, not judged.`,
        bundles:
          'Every function bundled with the esbuild options NodejsFunction derives from infra/bundling.ts; its SDK floor is the same build of a module that only imports and constructs the SDK clients the handler bundles. Budget: 450 KB, or the floor + 100 KB where the floor is over 350 KB (bench/budgets.ts); npm test checks it too.',
      },
    },
    campaigns: { ...campaignRun, cost: campaignCost },
    functions,
    targets,
    measuredAt: new Date().toISOString(),
    benchSeconds: round((performance.now() - startedAt) / 1000, 1),
    machine: { ...machine, loadAverage1mAtEnd: round(loadavg()[0] ?? 0, 2) },
  };
  await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(formatReport(results));
  process.stdout.write(`\nwritten: ${fileURLToPath(resultsFile)}\n`);
} finally {
  await rm(workDir, { recursive: true, force: true });
}

function target(figure: string, goal: number, measured: number, unit: string): TargetCheck {
  return { figure, target: goal, measured, unit, met: measured <= goal };
}

function progress(step: string): void {
  process.stderr.write(`bench: ${step} (${round((performance.now() - startedAt) / 1000, 1)} s)\n`);
}
