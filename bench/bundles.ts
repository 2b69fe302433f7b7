import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { FUNCTIONS } from '../functions/manifest.js';
import { LAMBDA_BUNDLING } from '../infra/bundling.js';
import { bundleBudgetBytes } from './budgets.js';

/** Bytes of minified output one package (or `(carebridge)`, our own code) puts in a bundle. */
export interface PackageBytes {
  readonly name: string;
  readonly bytes: number;
}

interface Floor {
  readonly file: string;
  readonly bytes: number;
  readonly packages: readonly PackageBytes[];
}

/** One function's deployed bundle and the SDK-only bundle it is compared with. */
export interface FunctionBundle {
  readonly name: string;
  readonly entry: string;
  /** The bundled handler module (the .map beside it is not counted). */
  readonly file: string;
  readonly bytes: number;
  /** Bytes in the bundle per package (`(carebridge)` for our own code), largest first. */
  readonly packages: readonly PackageBytes[];
  /** The AWS SDK clients the handler bundles, e.g. `DynamoDBClient`, `DynamoDBDocumentClient`. */
  readonly sdkClients: readonly string[];
  /** The source files with bytes in the bundle, as esbuild's metafile names them. */
  readonly modules: readonly string[];
  /** Bytes in the bundle per module of our own code (`(carebridge)`), largest first. */
  readonly ownModules: readonly PackageBytes[];
  readonly floorFile: string;
  readonly floorBytes: number;
  /** The floor's bytes per package, largest first. */
  readonly floorPackages: readonly PackageBytes[];
  /** The most the bundle may weigh (bench/budgets.ts). */
  readonly budgetBytes: number;
}

const OWN_CODE = '(carebridge)';

/**
 * The esbuild options NodejsFunction derives from LAMBDA_BUNDLING (infra/bundling.ts), so the bench
 * measures what `cdk deploy` ships: bundle, platform node, the shared target/format/minify/charset/source-map/
 * main-fields/banner, and no external modules (the AWS SDK is bundled).
 */
export function lambdaBuildOptions(outfile: string): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    target: LAMBDA_BUNDLING.target,
    format: LAMBDA_BUNDLING.format,
    minify: LAMBDA_BUNDLING.minify,
    charset: LAMBDA_BUNDLING.charset,
    // CDK's DEFAULT mode is esbuild's `linked`: a separate .map named by a sourceMappingURL comment.
    sourcemap: LAMBDA_BUNDLING.sourceMap ? esbuildSourceMap(LAMBDA_BUNDLING.sourceMapMode) : false,
    mainFields: LAMBDA_BUNDLING.mainFields,
    banner: { js: LAMBDA_BUNDLING.banner },
    external: LAMBDA_BUNDLING.externalModules,
    outfile,
    metafile: true,
    logLevel: 'warning',
  };
}

/**
 * Bundles every function of the manifest into `outDir/<name>/index.mjs`, and for each set of SDK clients
 * the functions bundle a "floor" bundle (`outDir/floor-<n>/index.mjs`) built the same way that only
 * imports and constructs those clients: the baseline for bundle size and init time. Builds run
 * concurrently (esbuild's own threads); about 10 s for the whole manifest on two cores.
 */
export async function bundleFunctions(
  repoRoot: string,
  outDir: string,
  only?: readonly string[],
): Promise<FunctionBundle[]> {
  const definitions = only ? FUNCTIONS.filter((definition) => only.includes(definition.name)) : FUNCTIONS;
  const built = await Promise.all(
    definitions.map(async (definition) => {
      const file = join(outDir, definition.name, 'index.mjs');
      const result = await build({
        ...lambdaBuildOptions(file),
        entryPoints: [join(repoRoot, definition.entry)],
        absWorkingDir: repoRoot,
      });
      const inputs = outputInputs(result.metafile, file);
      return { definition, file, inputs, sdkClients: sdkClientsOf(inputs) };
    }),
  );
  const floors = new Map<string, Promise<Floor>>();
  const floorOf = (sdkClients: readonly string[]) => {
    const key = sdkClients.join(',');
    let floor = floors.get(key);
    if (!floor) {
      const file = join(outDir, `floor-${floors.size}`, 'index.mjs');
      floor = buildSource(repoRoot, file, floorSource(sdkClients)).then(async (result) => ({
        file,
        bytes: (await stat(file)).size,
        packages: packagesOf(outputInputs(result.metafile, file)),
      }));
      floors.set(key, floor);
    }
    return floor;
  };
  return Promise.all(
    built.map(async ({ definition, file, inputs, sdkClients }): Promise<FunctionBundle> => {
      const floor = await floorOf(sdkClients);
      return {
        name: definition.name,
        entry: definition.entry,
        file,
        bytes: (await stat(file)).size,
        packages: packagesOf(inputs),
        modules: Object.keys(inputs).filter((path) => (inputs[path]?.bytesInOutput ?? 0) > 0),
        ownModules: ownModulesOf(inputs),
        sdkClients,
        floorFile: floor.file,
        floorBytes: floor.bytes,
        floorPackages: floor.packages,
        budgetBytes: bundleBudgetBytes(floor.bytes),
      };
    }),
  );
}

type OutputInputs = Metafile['outputs'][string]['inputs'];

function outputInputs(metafile: Metafile | undefined, file: string): OutputInputs {
  const output = Object.entries(metafile?.outputs ?? {}).find(
    ([path]) => path.endsWith('.mjs') && file.endsWith(path.replace(/^(\.\.\/)+/, '').replace(/^\.\//, '')),
  );
  if (!output) throw new Error(`esbuild's metafile has no output for ${file}`);
  return output[1].inputs;
}

/** The package a bundled input file belongs to: the last node_modules segment, scoped or not. */
export function packageOf(inputPath: string): string {
  const marker = 'node_modules/';
  const at = inputPath.lastIndexOf(marker);
  // Generated from libphonenumber-js (scripts/phone-metadata.ts): counted with it, not as our code.
  if (inputPath.endsWith('shared/phone/metadata.ts')) return 'libphonenumber-js metadata';
  if (at === -1) return OWN_CODE;
  const [first = '', second = ''] = inputPath.slice(at + marker.length).split('/');
  return first.startsWith('@') ? `${first}/${second}` : first;
}

function packagesOf(inputs: OutputInputs): PackageBytes[] {
  const bytes = new Map<string, number>();
  for (const [path, input] of Object.entries(inputs)) {
    const name = packageOf(path);
    bytes.set(name, (bytes.get(name) ?? 0) + input.bytesInOutput);
  }
  return [...bytes]
    .map(([name, size]) => ({ name, bytes: size }))
    .filter((entry) => entry.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
}

function ownModulesOf(inputs: OutputInputs): PackageBytes[] {
  return Object.entries(inputs)
    .filter(([path, input]) => input.bytesInOutput > 0 && packageOf(path) === OWN_CODE)
    .map(([path, input]) => ({ name: path, bytes: input.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
}

/** Service clients (not the SDK's internal STS/SSO clients) whose class made it into the bundle. */
function sdkClientsOf(inputs: OutputInputs): string[] {
  const clients = new Set<string>();
  for (const [path, input] of Object.entries(inputs)) {
    if (input.bytesInOutput === 0) continue;
    const service = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\/dist-es\/([A-Za-z0-9]+Client)\.js$/.exec(
      path,
    );
    if (service?.[2]) clients.add(`${service[1]}:${service[2]}`);
    if (/node_modules\/@aws-sdk\/lib-dynamodb\/dist-es\/DynamoDBDocumentClient\.js$/.test(path)) {
      clients.add('lib-dynamodb:DynamoDBDocumentClient');
    }
  }
  return [...clients].sort();
}

/**
 * Module source that constructs the same clients at module scope as the handlers do (a document
 * client wraps a DynamoDBClient with the marshalling options of shared/store/db.ts).
 */
export function floorSource(sdkClients: readonly string[]): string {
  const lines: string[] = [];
  const constructed: string[] = [];
  for (const client of sdkClients) {
    const [pkg = '', className = ''] = client.split(':');
    lines.push(`import { ${className} } from '@aws-sdk/${pkg}';`);
  }
  for (const client of sdkClients) {
    const [pkg = '', className = ''] = client.split(':');
    if (pkg === 'lib-dynamodb') continue;
    constructed.push(`new ${className}({})`);
  }
  if (sdkClients.includes('lib-dynamodb:DynamoDBDocumentClient')) {
    const base = constructed.indexOf('new DynamoDBClient({})');
    const dynamodb = base === -1 ? 'new DynamoDBClient({})' : constructed.splice(base, 1)[0];
    if (base === -1) lines.push("import { DynamoDBClient } from '@aws-sdk/client-dynamodb';");
    constructed.push(
      `DynamoDBDocumentClient.from(${dynamodb}, { marshallOptions: { removeUndefinedValues: true } })`,
    );
  }
  lines.push(`export const clients = [${constructed.join(', ')}];`);
  return `${lines.join('\n')}\n`;
}

/**
 * Module source of the **libraries floor**: the SDK floor plus the handler shell every function carries
 * and no domain code: the Powertools Logger, middy, zod with its English messages, and the HTTP layer
 * (functions/lib/http.ts), handling one request with a one-field schema. The libraries the engineering
 * rules prefer cost this much before a function does anything of its own (docs/performance.md).
 */
export function librariesFloorSource(sdkClients: readonly string[]): string {
  return `${floorSource(sdkClients)}import * as z from 'zod/mini';
import { httpHandler, json, parseInput } from './functions/lib/http.js';
const QuerySchema = z.object({ limit: z.optional(z.string().check(z.maxLength(10))) });
export const handler = httpHandler(async (event) => json(200, parseInput(QuerySchema, event.queryStringParameters ?? {})), { roles: ['agent'] });
`;
}

/** A libraries floor bundle (`librariesFloorSource`) and the functions sharing its SDK floor. */
export interface LibrariesFloor {
  /** Its file, with the name of the first function sharing it (whose environment times it). */
  readonly bundle: Pick<FunctionBundle, 'name' | 'file' | 'floorFile'>;
  readonly bytes: number;
  /** The functions whose SDK floor it extends. */
  readonly functions: readonly string[];
}

/**
 * One libraries floor per SDK floor the bundles share (`outDir/libraries-<n>/index.mjs`), built with the
 * same options, so each function can be set beside the libraries it carries (docs/performance.md).
 */
export async function buildLibrariesFloors(
  repoRoot: string,
  outDir: string,
  bundles: readonly FunctionBundle[],
): Promise<LibrariesFloor[]> {
  const groups = new Map<string, FunctionBundle[]>();
  for (const bundle of bundles) {
    const members = groups.get(bundle.floorFile) ?? [];
    members.push(bundle);
    groups.set(bundle.floorFile, members);
  }
  return Promise.all(
    [...groups.values()].map(async (members, index) => {
      const [first] = members;
      if (!first) throw new Error('a floor without functions');
      const file = join(outDir, `libraries-${index}`, 'index.mjs');
      await buildSource(repoRoot, file, librariesFloorSource(first.sdkClients));
      return {
        bundle: { name: first.name, file, floorFile: first.floorFile },
        bytes: (await stat(file)).size,
        functions: members.map((member) => member.name),
      };
    }),
  );
}

/** Bundles module source (TypeScript, resolved from the repository root) into `file` as a function is bundled. */
function buildSource(repoRoot: string, file: string, contents: string) {
  return build({
    ...lambdaBuildOptions(file),
    stdin: { contents, resolveDir: repoRoot, sourcefile: `${basename(dirname(file))}.ts`, loader: 'ts' },
    absWorkingDir: repoRoot,
  });
}

function esbuildSourceMap(mode: string): 'linked' | 'external' | 'inline' | 'both' {
  if (mode === 'external' || mode === 'inline' || mode === 'both') return mode;
  return 'linked';
}
