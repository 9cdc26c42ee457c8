/**
 * The package entries as a consumer loads them (the built dist, through package.json `exports`):
 * `@ttv/testkit/emulators` and `@ttv/testkit/doubles` never import vitest; the root entry does try to.
 */
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

// Runs in a fresh node: a resolve hook records every attempt to import vitest (and makes it fail, as when
// vitest is not installed), then the entry is imported by its package specifier.
const PROBE = `
import { registerHooks } from 'node:module';
const attempts = [];
registerHooks({
  resolve(specifier, context, next) {
    if (/^(vitest|@vitest\\/)/.test(specifier)) {
      attempts.push(specifier);
      throw Object.assign(new Error('Cannot find package ' + specifier), { code: 'ERR_MODULE_NOT_FOUND' });
    }
    return next(specifier, context);
  },
});
const m = await import(process.argv[1]);
const loaded = process.moduleLoadList.filter((x) => /vitest/.test(x));
console.log(JSON.stringify({ names: Object.keys(m).sort(), attempts, loaded }));
`;

async function probe(specifier: string): Promise<{ names: string[]; attempts: string[]; loaded: string[] }> {
  const r = await execa(process.execPath, ['--input-type=module', '-e', PROBE, specifier], { cwd: PACKAGE_DIR, reject: false });
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { names: string[]; attempts: string[]; loaded: string[] };
}

// The probe needs module.registerHooks (Node >= 22.15).
describe.skipIf(typeof (module as { registerHooks?: unknown }).registerHooks !== 'function')('package entries (built)', () => {
  it('@ttv/testkit/emulators loads without vitest and exports every emulator with its config snippet', async () => {
    const { names, attempts, loaded } = await probe('@ttv/testkit/emulators');
    expect(attempts).toEqual([]);
    expect(loaded).toEqual([]);
    for (const name of ['startRunwayEmulator', 'startVeoEmulator', 'wan21StandIn', 'framepackStandIn', 'startHttpEmulator', 'FaultQueue']) {
      expect(names).toContain(name);
    }
    for (const name of ['runwayConfigSnippet', 'veoConfigSnippet', 'wan21ConfigSnippet']) expect(names).toContain(name);
    expect(names).not.toContain('describeBackendConformance');
  });

  it('@ttv/testkit/doubles loads without vitest and exports the test backends', async () => {
    const { names, attempts } = await probe('@ttv/testkit/doubles');
    expect(attempts).toEqual([]);
    for (const name of [
      'createIdentityBackend',
      'identityPlugin',
      'createScriptedBackend',
      'scriptedPlugin',
      'createPaidJobsBackend',
      'paidJobsPlugin',
      'startJobsEmulator',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('the probe sees vitest imports: the root entry (the conformance suite) tries to load it and still works without it', async () => {
    const { names, attempts } = await probe('@ttv/testkit');
    expect(attempts).toContain('vitest');
    expect(names).toContain('describeBackendConformance');
    expect(names).toContain('startRunwayEmulator');
  });
});
