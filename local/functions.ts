import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { FunctionDefinition } from '../functions/manifest.js';
import { createLambdaContext } from './lambda-context.js';
import { withCrashFault } from './lambda-crash.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The CDK app's defaults for a function that sets no timeout or memory of its own. */
export const DEFAULT_TIMEOUT_SECONDS = 10;
export const DEFAULT_MEMORY_MB = 256;

/** A Lambda handler as the local stack calls it. */
export type LoadedHandler = (event: unknown, context: Context) => Promise<unknown>;

/** A function of the manifest with its imported handler. */
export interface LoadedFunction<D extends FunctionDefinition = FunctionDefinition> {
  readonly definition: D;
  readonly handler: LoadedHandler;
  /** A fresh context per invocation, with the function's name, timeout and memory. */
  readonly createContext: () => Context;
}

/**
 * Imports every function's handler the way Lambda loads it (the module's exported `handler`). Modules
 * read their configuration when imported: set the environment first. `crash` (fault injection
 * `lambda.crash`) chooses the invocations that die after their first AWS write (local/lambda-crash.ts).
 */
export async function loadFunctions(
  functions: readonly FunctionDefinition[],
  account: { readonly region: string; readonly accountId: string },
  faults: { readonly crash?: () => boolean } = {},
): Promise<LoadedFunction[]> {
  const { crash } = faults;
  return Promise.all(
    functions.map(async (definition) => ({
      definition,
      handler: crash
        ? withCrashFault(await loadHandler(definition.entry), crash)
        : await loadHandler(definition.entry),
      createContext: () =>
        createLambdaContext({
          functionName: `carebridge-${definition.name}`,
          region: account.region,
          accountId: account.accountId,
          timeoutMs: (definition.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
          memoryLimitInMB: definition.memoryMb ?? DEFAULT_MEMORY_MB,
        }),
    })),
  );
}

/** The loaded functions of one kind, typed by it. */
export function functionsOfKind<K extends FunctionDefinition['kind']>(
  functions: readonly LoadedFunction[],
  kind: K,
): LoadedFunction<Extract<FunctionDefinition, { kind: K }>>[] {
  return functions.filter((fn): fn is LoadedFunction<Extract<FunctionDefinition, { kind: K }>> =>
    isKind(fn.definition, kind),
  );
}

function isKind<K extends FunctionDefinition['kind']>(
  definition: FunctionDefinition,
  kind: K,
): definition is Extract<FunctionDefinition, { kind: K }> {
  return definition.kind === kind;
}

async function loadHandler(entry: string): Promise<LoadedHandler> {
  const module: Record<string, unknown> = await import(pathToFileURL(resolve(REPOSITORY_ROOT, entry)).href);
  const handler = module.handler;
  if (!isCallable(handler)) throw new Error(`${entry} does not export a handler function`);
  return async (event, context) => handler(event, context);
}

function isCallable(value: unknown): value is (event: unknown, context: Context) => unknown {
  return typeof value === 'function';
}
