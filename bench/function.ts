/**
 * `npx tsx bench/function.ts <name> [<name>…] [--rounds 21] [--profile]`: one function (or a few)
 * against its budgets, as `npm run bench` measures them but in seconds: the bundle beside its SDK
 * floor, where the bytes over the floor go, package by package, our own code's largest modules, and
 * the init time over fresh processes. `--profile` keeps the bundles and writes a CPU profile of each
 * import, handler and floor, with the function's environment. `--libraries` also builds and times the
 * function's libraries floor (its SDK floor plus the Logger, middy, zod and the HTTP layer, with no
 * domain code), which shows how much of each budget the preferred libraries leave (docs/performance.md).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { FUNCTIONS } from '../functions/manifest.js';
import { INIT_RATIO_BUDGET } from './budgets.js';
import { buildLibrariesFloors, bundleFunctions, type FunctionBundle } from './bundles.js';
import { functionEnv, measureInitTimes } from './init-time.js';
import { table } from './report.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '21' },
    profile: { type: 'boolean', default: false },
    libraries: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const unknown = positionals.filter((name) => !FUNCTIONS.some((definition) => definition.name === name));
if (positionals.length === 0 || unknown.length > 0 || !Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write(
    `usage: npx tsx bench/function.ts <name>… [--rounds N] [--profile] [--libraries]\n${unknown.length > 0 ? `unknown: ${unknown.join(', ')}\n` : ''}functions: ${FUNCTIONS.map((definition) => definition.name).join(', ')}\n`,
  );
  process.exit(2);
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** How many of our own modules the per-module table lists. */
const OWN_MODULES_SHOWN = 12;
const workDir = await mkdtemp(join(tmpdir(), 'carebridge-function-'));
const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;
try {
  const bundles = await bundleFunctions(repoRoot, workDir, positionals);
  const inits = await measureInitTimes(bundles, workDir, rounds);
  const libraries = values.libraries ? await librariesFloors(bundles) : new Map<string, string>();
  for (const bundle of bundles) {
    const init = inits.find((candidate) => candidate.name === bundle.name);
    const initVerdict =
      bundle.sdkClients.length === 0
        ? 'n/a (no SDK client)'
        : (init?.ratio ?? Number.POSITIVE_INFINITY) <= INIT_RATIO_BUDGET
          ? 'ok'
          : 'MISS';
    process.stdout.write(
      [
        `${bundle.name} (${bundle.entry})`,
        `  bundle ${kb(bundle.bytes)} KB, SDK floor ${kb(bundle.floorBytes)} KB, budget ${kb(bundle.budgetBytes)} KB: ${bundle.bytes <= bundle.budgetBytes ? 'ok' : 'MISS'}`,
        `  init ${init?.initMs} ms, SDK floor ${init?.sdkFloorInitMs} ms, ratio ${init?.ratio} (median of ${rounds} pairs; budget ${INIT_RATIO_BUDGET}): ${initVerdict}`,
        ...(libraries.has(bundle.name) ? [libraries.get(bundle.name) ?? ''] : []),
        `  SDK clients: ${bundle.sdkClients.join(', ') || 'none'}`,
        '  bytes over the floor, by package:',
        table([['package', 'KB', 'floor KB', 'over KB'], ...overFloor(bundle)])
          .split('\n')
          .map((line) => `    ${line}`)
          .join('\n'),
        `  our code, by module (the ${OWN_MODULES_SHOWN} largest):`,
        table([
          ['module', 'KB'],
          ...bundle.ownModules.slice(0, OWN_MODULES_SHOWN).map((entry) => [entry.name, kb(entry.bytes)]),
        ])
          .split('\n')
          .map((line) => `    ${line}`)
          .join('\n'),
        ...(values.profile ? await profiles(bundle) : []),
        '',
      ].join('\n'),
    );
  }
} finally {
  if (!values.profile) await rm(workDir, { recursive: true, force: true });
}

/**
 * One more import of the handler and of its floor under `node --cpu-prof`, with the function's
 * environment: open the .cpuprofile files in Chrome DevTools (Performance, or a JavaScript profiler);
 * the index.mjs.map beside each bundle names the sources.
 */
async function profiles(bundle: FunctionBundle): Promise<string[]> {
  const run = promisify(execFile);
  const probe = join(workDir, 'import-probe.mjs');
  const lines: string[] = [];
  for (const [kind, file] of [
    ['handler', bundle.file],
    ['floor', bundle.floorFile],
  ] as const) {
    const dir = join(workDir, 'profiles', bundle.name, kind);
    await run(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, probe, file], {
      env: functionEnv(bundle.name),
    });
    lines.push(`  ${kind} profile: ${dir} (bundle ${file})`);
  }
  return lines;
}

/**
 * Each function's libraries floor (bench/bundles.ts `librariesFloorSource`) beside its SDK floor: its
 * bytes against the bundle budget and its init ratio, timed like the handler's, one line per function.
 */
async function librariesFloors(bundles: readonly FunctionBundle[]): Promise<Map<string, string>> {
  const floors = await buildLibrariesFloors(repoRoot, workDir, bundles);
  const inits = await measureInitTimes(
    floors.map((floor) => floor.bundle),
    workDir,
    rounds,
  );
  const lines = new Map<string, string>();
  for (const floor of floors) {
    const init = inits.find((candidate) => candidate.name === floor.bundle.name);
    for (const name of floor.functions) {
      const budget = bundles.find((bundle) => bundle.name === name)?.budgetBytes ?? Number.NaN;
      lines.set(
        name,
        `  libraries floor (SDK floor + Logger, middy, zod, HTTP layer; no domain code): ${kb(floor.bytes)} KB, leaving ${kb(budget - floor.bytes)} KB of the bundle budget; init ${init?.initMs} ms, ratio ${init?.ratio} of the SDK floor`,
      );
    }
  }
  return lines;
}

/** Packages whose bytes differ from the floor's, most first. */
function overFloor(bundle: FunctionBundle): (string | number)[][] {
  const floor = new Map(bundle.floorPackages.map((entry) => [entry.name, entry.bytes]));
  return bundle.packages
    .map((entry) => ({ ...entry, floor: floor.get(entry.name) ?? 0 }))
    .filter((entry) => entry.bytes - entry.floor >= 100)
    .sort((a, b) => b.bytes - b.floor - (a.bytes - a.floor))
    .map((entry) => [entry.name, kb(entry.bytes), kb(entry.floor), kb(entry.bytes - entry.floor)]);
}
