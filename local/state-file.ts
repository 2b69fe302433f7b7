import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalStackInfo } from './stack.js';

/** Where `npm start` writes the running stack's endpoints, tokens and secrets for scripts and tools. */
export const STATE_FILE = join(fileURLToPath(new URL('..', import.meta.url)), '.carebridge', 'local.json');

/**
 * Writes `info` as JSON to `path`, readable by this user only: it holds the dev tokens, the Twilio auth
 * token and the identity secret.
 */
export async function writeStateFile(info: LocalStackInfo, path: string = STATE_FILE): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}
