import { type BundlingOptions, Charset, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * How every function is bundled, declared once: the project function construct passes it to
 * NodejsFunction and `npm run bench` builds the same bundles with esbuild to measure their size and
 * init time, so the figures are those of what `cdk deploy` ships.
 *
 * - ESM output (`index.mjs`): top-level await and a smaller module wrapper than CommonJS.
 * - `module` before `main`: the ES build of each dependency, which esbuild can tree-shake.
 * - The AWS SDK is bundled (no external modules): it is tree-shaken with the handler and loads from
 *   one file instead of the runtime's copy of every `@aws-sdk/*` package.
 * - package.json's `sideEffects` names the one module of ours that runs code on import
 *   (shared/schemas/issues.ts), so esbuild leaves out every other module whose exports a function does
 *   not use, and the schemas they would build at cold start (docs/performance.md).
 * - UTF-8 output: non-ASCII characters stay as they are instead of `\uXXXX` escapes (Node reads an
 *   ES module as UTF-8). Only the inbound mail function has many (postal-mime's HTML entity table):
 *   about 7 KB less.
 * - The banner defines `require` for CommonJS dependencies that require Node built-ins from an ES module.
 * - The source map is a separate file (`index.mjs.map`) linked from the bundle. Node reads it only when
 *   NODE_OPTIONS=--enable-source-maps is set: measured here, parsing it adds about 20 ms (25%) to every
 *   cold start, so it is off by default and an operator turns it on for a function being debugged.
 */
export const LAMBDA_BUNDLING = {
  target: 'node22',
  format: OutputFormat.ESM,
  minify: true,
  charset: Charset.UTF8,
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
  mainFields: ['module', 'main'],
  banner:
    "import { createRequire as __carebridgeCreateRequire } from 'node:module'; const require = __carebridgeCreateRequire(import.meta.url);",
  externalModules: [],
} satisfies BundlingOptions;
