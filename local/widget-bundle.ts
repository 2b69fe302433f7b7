import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The chat widget's entry point (widget/src/main.ts) and its TypeScript settings (browser, DOM). */
export const WIDGET_ENTRY = fileURLToPath(new URL('../widget/src/main.ts', import.meta.url));
const WIDGET_TSCONFIG = fileURLToPath(new URL('../widget/tsconfig.json', import.meta.url));

/** The widget's size budget, minified and gzipped. */
export const WIDGET_MAX_GZIP_BYTES = 20 * 1024;

/**
 * Builds the embeddable chat widget with esbuild: one minified script (an IIFE, no module loader, for
 * browsers of the last few years) that a site loads with a single `<script>` tag.
 */
export async function buildWidget(): Promise<string> {
  const result = await build({
    entryPoints: [WIDGET_ENTRY],
    tsconfig: WIDGET_TSCONFIG,
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    legalComments: 'none',
    charset: 'utf8',
    write: false,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild produced no widget');
  return output.text;
}
