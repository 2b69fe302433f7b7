import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument } from '../functions/openapi/document.js';

/**
 * `npm run openapi`: writes the OpenAPI document generated from the handlers' schemas to
 * docs/openapi.json (served at `GET /v1/openapi.json`). `npm run openapi -- --check` only compares, and
 * exits 1 when the committed file is out of date.
 */

/** Where the document is kept. */
export const OPENAPI_FILE = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));

/** The document as the file holds it: two-space JSON and a final newline. */
export function openApiFileText(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

async function main(): Promise<void> {
  const text = openApiFileText();
  if (process.argv.includes('--check')) {
    const committed = await readFile(OPENAPI_FILE, 'utf8').catch(() => '');
    if (committed !== text) {
      console.error('docs/openapi.json is out of date: run npm run openapi');
      process.exit(1);
    }
    console.log('docs/openapi.json is up to date');
    return;
  }
  await writeFile(OPENAPI_FILE, text);
  console.log(`wrote ${OPENAPI_FILE}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
