import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALLOWANCE_SLACK_BYTES, BUNDLE_ALLOWANCES } from '../../bench/budgets.js';
import { buildLibrariesFloors, bundleFunctions, type FunctionBundle } from '../../bench/bundles.js';
import { FUNCTIONS } from '../../functions/manifest.js';

// The bundle half of the per-function budget (docs/performance.md), on every `npm test`: every function
// bundled as `cdk deploy` bundles it (infra/bundling.ts), beside its SDK-only floor. Init time is only
// measured by `npm run bench`: timing needs a quiet machine, sizes do not.

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

describe('function bundles', () => {
  let outDir: string;
  let bundles: FunctionBundle[];

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'carebridge-bundles-'));
    bundles = await bundleFunctions(repoRoot, outDir);
  });

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('bundles every function of the manifest', () => {
    expect(bundles.map((bundle) => bundle.name)).toEqual(FUNCTIONS.map((definition) => definition.name));
  });

  it('keeps every function within its bundle budget (or its recorded allowance)', () => {
    const over = bundles
      .filter((bundle) => bundle.bytes > Math.max(bundle.budgetBytes, allowanceOf(bundle)))
      .map(
        (bundle) =>
          `${bundle.name}: ${kb(bundle.bytes)}, budget ${kb(bundle.budgetBytes)} (SDK floor ${kb(bundle.floorBytes)}); ` +
          `largest: ${bundle.packages
            .slice(0, 4)
            .map((entry) => `${entry.name} ${kb(entry.bytes)}`)
            .join(', ')}`,
      );
    expect(over).toEqual([]);
  });

  it('keeps allowances only for functions over budget, and tight', () => {
    const stale = Object.entries(BUNDLE_ALLOWANCES).flatMap(([name, allowance]) => {
      const bundle = bundles.find((candidate) => candidate.name === name);
      if (!bundle) return [`${name}: no such function`];
      if (bundle.bytes <= bundle.budgetBytes) return [`${name}: within budget now, drop its allowance`];
      if (allowance.maxBytes - bundle.bytes > ALLOWANCE_SLACK_BYTES) {
        return [`${name}: ${kb(bundle.bytes)} now, lower its allowance from ${kb(allowance.maxBytes)}`];
      }
      return [];
    });
    expect(stale).toEqual([]);
  });

  it('builds one working libraries floor per SDK floor, heavier than the SDK floor alone', async () => {
    const floors = await buildLibrariesFloors(repoRoot, outDir, bundles);
    expect(floors.flatMap((floor) => floor.functions).sort()).toEqual(
      bundles.map((bundle) => bundle.name).sort(),
    );
    for (const floor of floors) {
      const members = bundles.filter((bundle) => floor.functions.includes(bundle.name));
      expect(new Set(members.map((bundle) => bundle.floorFile))).toEqual(new Set([floor.bundle.floorFile]));
      // The Logger, middy and zod come to well over 30 KB on top of the SDK clients.
      expect(floor.bytes - (members[0]?.floorBytes ?? 0)).toBeGreaterThan(30 * 1024);
    }
    // It is a handler shell that works: a staff request through middy, the role check and zod.
    const [first] = floors;
    const answer = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { handler } = await import(${JSON.stringify(first?.bundle.file)});
const request = (groups, limit) => ({ queryStringParameters: { limit }, requestContext: { authorizer: { jwt: { claims: { sub: 'a', 'cognito:groups': groups } } } } });
const ok = await handler(request('agent', '5'), {});
const refused = await handler(request('marketing', '5'), {});
const invalid = await handler(request('agent', 'x'.repeat(11)), {});
process.stdout.write(JSON.stringify([ok.statusCode, ok.body, refused.statusCode, invalid.statusCode]));`,
      ],
      { env: { ...process.env, AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT' }, encoding: 'utf8' },
    );
    expect(JSON.parse(answer)).toEqual([200, JSON.stringify({ limit: '5' }), 403, 400]);
  });

  it("registers zod's English messages in every HTTP function", () => {
    // package.json's sideEffects keeps shared/schemas/issues.ts (it configures zod on import).
    const sideEffects: unknown = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).sideEffects;
    expect(Array.isArray(sideEffects)).toBe(true);
    for (const path of Array.isArray(sideEffects) ? sideEffects : []) {
      expect(existsSync(join(repoRoot, String(path)))).toBe(true);
    }
    const withoutMessages = bundles
      .filter((bundle) => bundle.modules.includes('functions/lib/http.ts'))
      .filter((bundle) => !bundle.modules.some((module) => module.endsWith('zod/v4/locales/en.js')))
      .map((bundle) => bundle.name);
    expect(withoutMessages).toEqual([]);
  });
});

function allowanceOf(bundle: FunctionBundle): number {
  return BUNDLE_ALLOWANCES[bundle.name]?.maxBytes ?? 0;
}
