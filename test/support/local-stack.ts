import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack.js';

/**
 * Call at the top of an end-to-end file: starts the whole local stack on free ports with a data
 * directory of its own before the file's tests, and stops it and removes the directory after them.
 * Read the returned getter inside hooks and tests only. `onStop` runs first (e.g. closing sockets).
 */
export function useLocalStack(
  options: LocalStackOptions = {},
  onStop: () => Promise<void> = async () => undefined,
): () => LocalStack {
  let stack: LocalStack | undefined;
  let dataDir: string | undefined;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'carebridge-e2e-'));
    stack = await startLocalStack({ port: 0, dataDir, logLevel: 'ERROR', ...options });
  });
  afterAll(async () => {
    await onStop();
    await stack?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  return () => {
    if (!stack) throw new Error('the local stack is not started yet (read it inside hooks and tests)');
    return stack;
  };
}
