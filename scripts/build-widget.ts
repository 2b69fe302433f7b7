import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildWidget, WIDGET_MAX_GZIP_BYTES } from '../local/widget-bundle.js';

/**
 * `npm run build:widget`: writes the chat widget to dist/widget.js, to host wherever the site loads
 * scripts from (the local stack serves it at /widget.js). Fails above the 20 KB gzipped budget.
 */
const target = fileURLToPath(new URL('../dist/widget.js', import.meta.url));
const code = await buildWidget();
const gzipped = gzipSync(code).length;
await mkdir(fileURLToPath(new URL('../dist/', import.meta.url)), { recursive: true });
await writeFile(target, code);
console.log(`wrote ${target}: ${code.length} bytes, ${gzipped} gzipped`);
if (gzipped > WIDGET_MAX_GZIP_BYTES) {
  console.error(`the widget is over its budget of ${WIDGET_MAX_GZIP_BYTES} bytes gzipped`);
  process.exit(1);
}
