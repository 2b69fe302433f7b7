import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildWidget, WIDGET_MAX_GZIP_BYTES } from '../../local/widget-bundle.js';

/**
 * The chat widget as sites get it: one script built by esbuild, within its size budget, and its
 * TypeScript checked against the browser's DOM (widget/tsconfig.json; the root project is Node's).
 * Its behaviour is tested in a real browser: test/e2e/widget-browser.test.ts.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the chat widget bundle', () => {
  it('is one classic script of at most 20 KB minified and gzipped', async () => {
    // Act
    const code = await buildWidget();

    // Assess
    const gzipped = gzipSync(code).length;
    expect(gzipped).toBeLessThanOrEqual(WIDGET_MAX_GZIP_BYTES);
    expect(code).toMatch(/^("use strict";)?\(\(\)=>\{/);
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
  });

  it('type-checks against the DOM', () => {
    // Act
    const result = spawnSync('npx', ['tsc', '-p', 'widget'], { cwd: root, encoding: 'utf8' });

    // Assess
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });
});
