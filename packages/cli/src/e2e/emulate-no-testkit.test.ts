/** `ttv emulate` when @ttv/testkit (an optional peer of the CLI) is not installed: a coded error naming the fix. */

import { writeFileSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI_BIN, scratchDir } from './helpers.js';

// Makes every `@ttv/testkit` import fail as it does when the package is missing (Node >= 22.15 has registerHooks).
const HIDE_TESTKIT = `
import { registerHooks } from 'node:module';
registerHooks({
  resolve(specifier, context, next) {
    if (specifier === '@ttv/testkit' || specifier.startsWith('@ttv/testkit/')) {
      throw Object.assign(new Error("Cannot find package '@ttv/testkit' imported from " + context.parentURL), { code: 'ERR_MODULE_NOT_FOUND' });
    }
    return next(specifier, context);
  },
});
`;

describe.skipIf(typeof (module as { registerHooks?: unknown }).registerHooks !== 'function')('ttv emulate without @ttv/testkit', () => {
  const hook = join(scratchDir('no-testkit'), 'hide-testkit.mjs');
  writeFileSync(hook, HIDE_TESTKIT);
  const run = (args: string[]) =>
    execa(process.execPath, ['--import', pathToFileURL(hook).href, CLI_BIN, 'emulate', ...args], { reject: false, stdin: 'ignore', timeout: 60_000 });

  it('--json: BACKEND_NOT_INSTALLED (exit 3) with the npm install command as the fix', async () => {
    const r = await run(['runway', '--json']);
    expect(r.exitCode, r.stderr).toBe(3);
    const out = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string; fix: string } };
    expect(out.ok).toBe(false);
    expect(out.error.code).toBe('BACKEND_NOT_INSTALLED');
    expect(out.error.message).toMatch(/@ttv\/testkit is not installed/);
    expect(out.error.fix).toMatch(/npm install @ttv\/testkit/);
  });

  it('text: says what to install on stderr, nothing else starts', async () => {
    const r = await run(['wan21']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/BACKEND_NOT_INSTALLED/);
    expect(r.stderr).toMatch(/npm install @ttv\/testkit/);
    expect(r.stdout).not.toMatch(/emulator:/);
  });
});
