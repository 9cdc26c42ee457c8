import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPaidJobsBackend,
  createScriptedBackend,
  identityPlugin,
  type JobsEmulator,
  jobsConformanceOptions,
  paidJobsPlugin,
  type ScriptedBackend,
  scriptedPlugin,
  startJobsEmulator,
} from '../index.js';
import {
  acceptsAnyModel,
  acceptsAnySize,
  blockingSubmit,
  describesAnotherModel,
  ignoresAbort,
  ignoresLastFrame,
  lateOnJob,
  leaksKeyInHttpError,
  leaksSecret,
  noopCancel,
  plainErrors,
  plainNetworkErrors,
  signalPassedToSubmit,
  spendsBeforeValidate,
  wrongSize,
  zeroEstimate,
} from './broken.fixture.js';
import { CONFORMANCE_CHECKS, type ConformanceOptions, describeBackendConformance, runConformanceCheck, type TestApi } from './index.js';

// The paid-job emulator: every job is a paid submission; the suite holds jobs and submissions and injects faults.
const API_KEY = 'pk-test-5f3a9c1e7b2d4a60';
let emu: JobsEmulator;
beforeAll(async () => {
  emu = await startJobsEmulator({ jobMs: 50, apiKey: API_KEY });
});
afterAll(async () => {
  await emu?.close();
});
const paidConfig = () => ({ url: emu.url, apiKey: API_KEY, pollMs: 20 });
/** Suite options for a backend against the paid-job emulator. */
const paidOptions = (name: string, create: ConformanceOptions['create']): ConformanceOptions => ({
  name,
  plugin: paidJobsPlugin,
  config: paidConfig,
  create,
  ...jobsConformanceOptions(() => emu),
  secrets: [API_KEY],
  remote: { resume: true },
});

// The identity and scripted test doubles only check what their tests need in validate (the identity backend
// that its images exist, the scripted one the prompt length): the suite says so instead of passing silently.
// Used below to test the skip mechanism itself (identity's validate does check sizes).
const identityWeakValidate = { 'validate-size': 'pretend identity renders any size' };

describeBackendConformance({
  name: 'identity',
  plugin: identityPlugin,
  expectExactEndFrame: true,
});

// The scripted backend behaves like a remote one: job ids, resume, latency. Spend = submissions (not resumes).
const scripted: ScriptedBackend[] = [];
describeBackendConformance({
  name: 'scripted',
  plugin: scriptedPlugin,
  config: { latencyMs: 150, fps: 8, durations: [1, 2] },
  create: (config) => {
    const b = createScriptedBackend(config);
    scripted.push(b);
    return b;
  },
  spend: { count: () => scripted.reduce((n, b) => n + b.calls.filter((c) => !c.resumedJob).length, 0) },
  // Jobs cancelled at the (scripted) service.
  cancels: { count: () => scripted.reduce((n, b) => n + b.calls.filter((c) => c.outcome === 'CANCELLED').length, 0) },
  remote: { resume: true },
  skip: {
    'last-frame-similarity': 'scripted test double: renders a still of its first frame',
    'validate-missing-image': 'scripted test double: validate only checks the prompt length',
    'validate-unreadable-image': 'scripted test double: validate only checks the prompt length',
    'validate-size': 'scripted test double: validate only checks the prompt length',
    'validate-duration': 'scripted test double: validate only checks the prompt length',
    'describe-matches': 'scripted test double: validate only checks the prompt length',
  },
});

// The good paid-job backend passes every check, with a remote cancel and without one (then jobs are kept).
describeBackendConformance({
  ...paidOptions('paid jobs', () => createPaidJobsBackend(paidConfig())),
  skip: {
    'validate-missing-image': 'paid-job test backend: validate only checks the prompt length',
    'validate-unreadable-image': 'paid-job test backend: validate only checks the prompt length',
    'validate-size': 'paid-job test backend: validate only checks the prompt length',
    'validate-duration': 'paid-job test backend: validate only checks the prompt length',
    'describe-matches': 'paid-job test backend: validate only checks the prompt length',
  },
});

describe('the money checks', () => {
  const check = (id: string, name: string, create: ConformanceOptions['create']) => runConformanceCheck(id, paidOptions(name, create));

  it('pass the good paid-job backend without a remote cancel (the interrupted job is kept and re-attached)', async () => {
    const create = () => createPaidJobsBackend({ ...paidConfig(), cancel: false });
    for (const id of ['abort-paid-job', 'abort-during-submit', 'job-reported-early'])
      await expect(check(id, 'no-cancel', create)).resolves.toEqual({ status: 'passed' });
  }, 180_000);

  it('fail a backend whose submit waits for the job, saying to return the handle at once', async () => {
    await expect(check('job-reported-early', 'blocking-submit', () => blockingSubmit(paidConfig()))).rejects.toThrow(
      /spend counter \d+ → \d+\) but (onJob was not called within 10 s|the call ended .* without calling onJob) while the job kept running.*return the job handle from submit as soon as the service accepts it/,
    );
  }, 60_000);

  it('fail a legacy backend that reports its job only when it is done', async () => {
    await expect(check('job-reported-early', 'late-onjob', () => lateOnJob(paidConfig()))).rejects.toThrow(
      /but onJob was not called within 10 s while the job kept running/,
    );
  }, 60_000);

  it('fail a backend whose cancel does nothing, saying to cancel at the service or keep the job', async () => {
    await expect(check('abort-paid-job', 'noop-cancel', () => noopCancel(paidConfig()))).rejects.toThrow(
      /neither cancelled at the service \(cancels counter \d+ → \d+\) nor kept.*call the service's cancel endpoint/,
    );
  });

  it('fail a backend that lets the run’s signal cut its submission off, saying never to pass it', async () => {
    await expect(check('abort-during-submit', 'signal-to-submit', () => signalPassedToSubmit(paidConfig()))).rejects.toThrow(
      /accepted 1 paid submission\(s\) during a run cancelled mid-submission, but onJob reported 0.*never pass the run's signal/,
    );
  });

  it('fail a backend that ignores the last image, without suggesting to turn the check off', async () => {
    const run = check('last-frame-similarity', 'ignores-last-frame', () => ignoresLastFrame(paidConfig()));
    await expect(run).rejects.toThrow(/closer to request\.firstFrame .* than to request\.lastFrame .*send request\.lastFrame to the service/);
    await run.catch((e: Error) => expect(e.message).not.toMatch(/expectExactEndFrame/));
  });

  it('fail a backend that echoes its key in an HTTP error, without printing the key', async () => {
    const run = check('network-errors', 'leaky-http', () => leaksKeyInHttpError(paidConfig()));
    await expect(run).rejects.toThrow(/the error from submit \(an HTTP error echoing the credentials\) contains the secret pk-…\(24 chars\)/);
    await run.catch((e: Error) => expect(e.message).not.toContain(API_KEY));
  });

  it('fail a backend that lets failed requests out as plain Errors', async () => {
    await expect(check('network-errors', 'plain-network', () => plainNetworkErrors(paidConfig()))).rejects.toThrow(
      /submit \(an HTTP error echoing the credentials\) threw a plain Error .* map failed requests to a TtvError/,
    );
  });

  it('fail a backend whose estimate is below the bill', async () => {
    await expect(check('estimate-covers-cost', 'zero-estimate', () => zeroEstimate(paidConfig()))).rejects.toThrow(
      /estimateCost said \$0 but the call booked \$0\.\d+: the estimate is the upper bound/,
    );
  });
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
      plugin: identityPlugin,
      api,
    });
    expect(names[0]).toBe('ttv backend conformance: paid (live) [skipped: set PAID_API_KEY to run]');
    expect(names.slice(1)).toEqual(CONFORMANCE_CHECKS.map((c) => `[${c.id}] ${c.title}`));
    await new Promise((r) => setTimeout(r, 0));
    expect(skipped).toHaveLength(CONFORMANCE_CHECKS.length);
    expect(skipped[0]).toMatch(/set PAID_API_KEY to run$/);
    expect(() => describeBackendConformance({ name: 'x', plugin: identityPlugin, skip: ['validate-sise'], api })).toThrow(/unknown check "validate-sise"/);
  });

  it('skips checks that do not apply, with the reason', async () => {
    await expect(runConformanceCheck('remote-resume', { name: 'identity', plugin: identityPlugin })).resolves.toEqual({
      status: 'skipped',
      reason: expect.stringMatching(/not a resumable remote backend/),
    });
    await expect(runConformanceCheck('validate-size', { name: 'identity', plugin: identityPlugin, skip: identityWeakValidate })).resolves.toEqual({
      status: 'skipped',
      reason: expect.stringMatching(/renders any size/),
    });
    await expect(runConformanceCheck('nope', { name: 'identity', plugin: identityPlugin })).rejects.toThrow(/unknown conformance check "nope"/);
  });

  it('fails a backend that ignores abort, saying to honour ctx.signal', async () => {
    await expect(runConformanceCheck('abort', { name: 'ignores-abort', plugin: identityPlugin, create: () => ignoresAbort() })).rejects.toThrow(
      /resolved \d+ ms after ctx\.signal was aborted.*honour ctx\.signal/,
    );
  });

  it('fails a backend that writes the wrong size, saying which size to produce', async () => {
    await expect(runConformanceCheck('generate', { name: 'wrong-size', plugin: identityPlugin, create: () => wrongSize() })).rejects.toThrow(
      /clip is 320x240 but the request asked for 320x180: produce exactly request\.width x request\.height/,
    );
  });

  it('fails a backend that spends before validating', async () => {
    const counter = { n: 0 };
    const options = { name: 'spender', plugin: identityPlugin, create: () => spendsBeforeValidate(counter), spend: { count: () => counter.n } };
    await expect(runConformanceCheck('validate-missing-image', options)).rejects.toThrow(
      /validate spent .*\(spend counter \d+ → \d+\): validate must run before any job/,
    );
    await expect(runConformanceCheck('validate-valid', options)).rejects.toThrow(/validate spent/);
  });

  it('fails a backend that throws plain Errors, saying to throw TtvError', async () => {
    await expect(runConformanceCheck('validate-size', { name: 'plain', plugin: identityPlugin, create: () => plainErrors() })).rejects.toThrow(
      /plain Error "bad size .*" instead of a TtvError: throw new TtvError\('INPUT_INVALID'/,
    );
    await expect(runConformanceCheck('error-codes', { name: 'plain', plugin: identityPlugin, create: () => plainErrors() })).rejects.toThrow(
      /threw a plain Error .* without a code: throw TtvError/,
    );
    await expect(runConformanceCheck('abort-before-start', { name: 'plain', plugin: identityPlugin, create: () => plainErrors() })).rejects.toThrow(
      /reject with TtvError CANCELLED/,
    );
  });

  it('fails a backend that leaks a secret in an error, without printing the secret', async () => {
    const key = 'sk-live-0123456789abcdef';
    const run = runConformanceCheck('secrets', { name: 'leaky', plugin: identityPlugin, create: () => leaksSecret(key), secrets: [key] });
    await expect(run).rejects.toThrow(/contains the secret sk-…\(24 chars\) in its message: never put credentials/);
    await run.catch((e: Error) => expect(e.message).not.toContain(key));
  });

  it('fails a backend whose capabilities do not come from describe(config), saying to validate against describe', async () => {
    await expect(runConformanceCheck('describe-matches', { name: 'identity', plugin: identityPlugin })).resolves.toEqual({ status: 'passed' });
    await expect(runConformanceCheck('describe-matches', { name: 'two-lists', plugin: describesAnotherModel })).rejects.toThrow(
      /validate refused a request for model still-hd .*which describe\(config\) declares.*validate against describe\(config\)/,
    );
    await expect(runConformanceCheck('describe-matches', { name: 'any-model', plugin: identityPlugin, create: () => acceptsAnyModel() })).rejects.toThrow(
      /validate accepted model "still-undeclared", which describe\(config\) does not declare/,
    );
  });

  it('fails a backend whose validate accepts what the model does not declare', async () => {
    await expect(runConformanceCheck('validate-size', { name: 'accepts-any-size', plugin: identityPlugin, create: () => acceptsAnySize() })).rejects.toThrow(
      /validate accepted a 322x180 request .*compare request\.width\/height with the declared resolutions/,
    );
  });
});
