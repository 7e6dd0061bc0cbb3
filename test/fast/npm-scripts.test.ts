/**
 * The npm scripts README.md tells a newcomer to run. npm puts node_modules/.bin on a script's
 * PATH, but not the package's own `bin` entries, so a script written `efistub build` failed with
 * "efistub: not found": `npm run build` must reach the CLI (its `--help` is the cheapest call
 * that does).
 */

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('npm scripts', () => {
  it('npm run build reaches efistub build', () => {
    const result = spawnSync('npm', ['run', '--silent', 'build', '--', '--help'], { encoding: 'utf8' });
    expect(result.stderr).not.toContain('not found');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('usage: efistub build');
  });
});
