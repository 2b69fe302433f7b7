// `npm test`: type-check, lint, every test suite; ends with one line `N passed, N failed`.
// Each step runs even when an earlier one failed, so one run shows every problem; the exit code is
// non-zero if anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const resultsFile = '.vitest-results.json';
const steps = [
  ['type-check', 'npx', ['tsc', '-p', '.']],
  ['lint', 'npx', ['biome', 'check', '.']],
  [
    'tests',
    'npx',
    ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`],
  ],
];

rmSync(resultsFile, { force: true });
const failedSteps = [];
for (const [name, command, args] of steps) {
  console.log(`\n> ${name}: ${command} ${args.join(' ')}`);
  const { status } = spawnSync(command, args, { stdio: 'inherit' });
  if (status !== 0) failedSteps.push(name);
}

let passed = 0;
let failed = 0;
if (existsSync(resultsFile)) {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  passed = results.numPassedTests ?? 0;
  failed = results.numFailedTests ?? 0;
  // A suite that fails to load has no tests to count; count it as one failure so it cannot hide.
  const brokenSuites = (results.testResults ?? []).filter(
    (suite) => suite.status === 'failed' && (suite.assertionResults ?? []).length === 0,
  ).length;
  failed += brokenSuites;
} else {
  if (!failedSteps.includes('tests')) failedSteps.push('tests');
}
if (failedSteps.length > 0) console.log(`\nfailed steps: ${failedSteps.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failedSteps.length > 0 || failed > 0 ? 1 : 0);
