import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const eventsDir = fileURLToPath(new URL('../../events/', import.meta.url));

/**
 * Loads a fixture from events/ (e.g. `http/webform-submission.json`) as a fresh deep copy, so a test
 * can change it without affecting another. The caller states the type it expects.
 */
export function loadEvent<T>(relativePath: string): T {
  return structuredClone(JSON.parse(readFileSync(`${eventsDir}${relativePath}`, 'utf8')));
}

/** Reads an events/ file as raw bytes (e.g. a MIME message). */
export function loadRaw(relativePath: string): Buffer {
  return readFileSync(`${eventsDir}${relativePath}`);
}
