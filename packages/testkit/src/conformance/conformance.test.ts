import { describe, expect, it } from 'vitest';
import { createIdentityBackend, createScriptedBackend, type ScriptedBackend } from '../index.js';
import { acceptsAnySize, ignoresAbort, leaksSecret, plainErrors, spendsBeforeValidate, wrongSize } from './broken.fixture.js';
import { CONFORMANCE_CHECKS, describeBackendConformance, runConformanceCheck, type TestApi } from './index.js';

// The identity and scripted test doubles only check what their tests need in validate (the identity backend
// that its images exist, the scripted one the prompt length): the suite says so instead of passing silently.
// Used below to test the skip mechanism itself (identity's validate does check sizes).
const identityWeakValidate = { 'validate-size': 'pretend identity renders any size' };

describeBackendConformance({
  name: 'identity',
  create: () => createIdentityBackend(),
  expectExactEndFrame: true,
});

// The scripted backend behaves like a remote one: job ids, resume, latency. Spend = submissions (not resumes).
const scripted: ScriptedBackend[] = [];
describeBackendConformance({
  name: 'scripted',
  create: () => {
    const b = createScriptedBackend({ latencyMs: 150, fps: 8, durations: [1, 2] });
    scripted.push(b);
    return b;
  },
  spend: { count: () => scripted.reduce((n, b) => n + b.calls.filter((c) => !c.resumedJob).length, 0) },
  remote: { resume: true },
  skip: {
    'validate-missing-image': 'scripted test double: validate only checks the prompt length',
    'validate-unreadable-image': 'scripted test double: validate only checks the prompt length',
    'validate-size': 'scripted test double: validate only checks the prompt length',
    'validate-duration': 'scripted test double: validate only checks the prompt length',
  },
});

describe('the conformance suite', () => {
  it('lists each check once, with a description', () => {
    const ids = CONFORMANCE_CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of CONFORMANCE_CHECKS) expect(c.description.length).toBeGreaterThan(20);
  });

  it('registers one test per check, and skips the live tier (printing why) without credentials', async () => {
    const names: string[] = [];
    const skipped: string[] = [];
    const api: TestApi = {
      describe: (name, fn) => {
        names.push(name);
        fn();
      },
      it: (name, fn) => {
        names.push(name);
        void fn({ skip: (note) => void skipped.push(`${name}: ${note}`) });
      },
      beforeAll: () => {},
      afterAll: () => {},
    };
    describeBackendConformance({
      name: 'paid',
      tier: 'live',
      live: { skipUnless: () => false, reason: 'set PAID_API_KEY to run' },
      create: () => createIdentityBackend(),
      api,
    });
    expect(names[0]).toBe('ttv backend conformance: paid (live) [skipped: set PAID_API_KEY to run]');
    expect(names.slice(1)).toEqual(CONFORMANCE_CHECKS.map((c) => `[${c.id}] ${c.title}`));
    await new Promise((r) => setTimeout(r, 0));
    expect(skipped).toHaveLength(CONFORMANCE_CHECKS.length);
    expect(skipped[0]).toMatch(/set PAID_API_KEY to run$/);
    expect(() => describeBackendConformance({ name: 'x', create: () => createIdentityBackend(), skip: ['validate-sise'], api })).toThrow(
      /unknown check "validate-sise"/,
    );
  });

  it('skips checks that do not apply, with the reason', async () => {
    await expect(runConformanceCheck('remote-resume', { name: 'identity', create: () => createIdentityBackend() })).resolves.toEqual({
      status: 'skipped',
      reason: expect.stringMatching(/not a resumable remote backend/),
    });
    await expect(
      runConformanceCheck('validate-size', { name: 'identity', create: () => createIdentityBackend(), skip: identityWeakValidate }),
    ).resolves.toEqual({
      status: 'skipped',
      reason: expect.stringMatching(/renders any size/),
    });
    await expect(runConformanceCheck('nope', { name: 'identity', create: () => createIdentityBackend() })).rejects.toThrow(/unknown conformance check "nope"/);
  });

  it('fails a backend that ignores abort, saying to honour ctx.signal', async () => {
    await expect(runConformanceCheck('abort', { name: 'ignores-abort', create: ignoresAbort })).rejects.toThrow(
      /resolved \d+ ms after ctx\.signal was aborted.*honour ctx\.signal/,
    );
  });

  it('fails a backend that writes the wrong size, saying which size to produce', async () => {
    await expect(runConformanceCheck('generate', { name: 'wrong-size', create: wrongSize })).rejects.toThrow(
      /clip is 320x240 but the request asked for 320x180: produce exactly request\.width x request\.height/,
    );
  });

  it('fails a backend that spends before validating', async () => {
    const counter = { n: 0 };
    const options = { name: 'spender', create: () => spendsBeforeValidate(counter), spend: { count: () => counter.n } };
    await expect(runConformanceCheck('validate-missing-image', options)).rejects.toThrow(
      /validate spent .*\(spend counter \d+ → \d+\): validate must run before any job/,
    );
    await expect(runConformanceCheck('validate-valid', options)).rejects.toThrow(/validate spent/);
  });

  it('fails a backend that throws plain Errors, saying to throw TtvError', async () => {
    await expect(runConformanceCheck('validate-size', { name: 'plain', create: plainErrors })).rejects.toThrow(
      /plain Error "bad size .*" instead of a TtvError: throw new TtvError\('INPUT_INVALID'/,
    );
    await expect(runConformanceCheck('error-codes', { name: 'plain', create: plainErrors })).rejects.toThrow(
      /threw a plain Error .* without a code: throw TtvError/,
    );
    await expect(runConformanceCheck('abort-before-start', { name: 'plain', create: plainErrors })).rejects.toThrow(/reject with TtvError CANCELLED/);
  });

  it('fails a backend that leaks a secret in an error, without printing the secret', async () => {
    const key = 'sk-live-0123456789abcdef';
    const run = runConformanceCheck('secrets', { name: 'leaky', create: () => leaksSecret(key), secrets: [key] });
    await expect(run).rejects.toThrow(/contains the secret sk-…\(24 chars\) in its message: never put credentials/);
    await run.catch((e: Error) => expect(e.message).not.toContain(key));
  });

  it('fails a backend whose validate accepts what the model does not declare', async () => {
    await expect(runConformanceCheck('validate-size', { name: 'accepts-any-size', create: acceptsAnySize })).rejects.toThrow(
      /validate accepted a 322x180 request .*compare request\.width\/height with the declared resolutions/,
    );
  });
});
