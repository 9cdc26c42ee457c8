import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
// The testkit is a workspace sibling that depends on @ttv/core; import its source directly.
import { createScriptedBackend, type ScriptedConfig, type ScriptStep } from '../../../testkit/src/index.js';
import { rejection } from '../spec/errors.fixture.js';
import { sha256File } from '../util/fs.js';
import { chainingStoryboard, eventLog, freshRunDir, keyframeStoryboard, makeConfig, noRegistry, recordingSleep, useAssets } from './harness.fixture.js';
import { manifestPath, readManifest } from './manifest.js';
import { retryDelay, runPipeline } from './pipeline.js';

const assets = useAssets();

const scripted = (config: ScriptedConfig, script: ScriptStep[] = []) => createScriptedBackend({ clip: assets.clip, ...config }, script);
/** One run of `core` with these backends in a fresh run folder. */
const runIn = async (backends: readonly object[], core: Record<string, unknown>) =>
  runPipeline({ config: makeConfig({ assets, backends, core }), registry: noRegistry, runDir: await freshRunDir(assets) });
const fail = (code: ScriptStep extends infer S ? (S extends { code: infer C } ? C : never) : never, extra: Record<string, unknown> = {}): ScriptStep =>
  ({ ok: false, code, ...extra }) as ScriptStep;

/** Runs an n-segment chaining film (1 s segments) on one backend in `runDir`. */
const runChaining = (backend: object, n: number, runDir: string, extra: Partial<Parameters<typeof runPipeline>[0]> = {}) =>
  runPipeline({ config: makeConfig({ assets, backends: [backend], core: chainingStoryboard(n, 1, assets) }), registry: noRegistry, runDir, ...extra });

describe('fallback chain', () => {
  test('keyframe mode skips a backend without first+last-frame and one whose prompt limit is too small, and records why', async () => {
    const a = scripted({ name: 'a', inputs: ['first-frame'] });
    const b = scripted({ name: 'b', maxPromptLength: 1 });
    const c = scripted({ name: 'c' });
    const log = eventLog();
    const runDir = await freshRunDir(assets);
    const result = await runPipeline({
      config: makeConfig({ assets, backends: [a, b, c], core: keyframeStoryboard(2, assets) }),
      registry: noRegistry,
      runDir,
      onEvent: log.onEvent,
    });
    expect(a.calls).toHaveLength(0);
    expect(b.calls).toHaveLength(0);
    expect(a.validations + b.validations).toBe(0);
    expect(c.calls).toHaveLength(2);
    expect(c.calls.every((call) => call.request.firstFrame && call.request.lastFrame)).toBe(true);
    for (const seg of result.manifest.segments) {
      expect(seg.backend).toBe('c');
      expect(seg.skipped.map((s) => s.backend)).toEqual(['a', 'b']);
      expect(seg.skipped[0]!.reason).toMatch(/no model of a takes a first and a last frame/);
      expect(seg.skipped[1]!.reason).toMatch(/prompt is 2 characters; b\/b-model accepts at most 1/);
    }
    expect(log.of('skipped')).toHaveLength(4);
    // the manifest on disk says the same
    const onDisk = await readManifest(runDir);
    expect(onDisk?.segments[1]?.skipped.map((s) => s.backend)).toEqual(['a', 'b']);
    expect(onDisk?.status).toBe('done');
  });

  test('retryable errors retry the same backend with exponential backoff + jitter, honouring Retry-After, then fall back', async () => {
    const a = scripted({ name: 'a' }, [fail('UNAVAILABLE'), fail('RATE_LIMITED', { retryAfterMs: 7000 }), fail('TIMEOUT'), fail('UNAVAILABLE')]);
    const b = scripted({ name: 'b' });
    const { delays, sleep } = recordingSleep();
    const randoms = [0.25, 0.9, 0.5];
    const log = eventLog();
    const core = { ...chainingStoryboard(1, 1, assets), retries: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 } };
    const result = await runPipeline({
      config: makeConfig({ assets, backends: [a, b], core }),
      registry: noRegistry,
      runDir: await freshRunDir(assets),
      sleep,
      random: () => randoms.shift()!,
      onEvent: log.onEvent,
    });
    expect(a.calls).toHaveLength(3); // maxAttempts, then no more on a
    expect(b.calls).toHaveLength(1);
    // attempt 1 → backoff window 1000 ms, equal jitter: 500 + 500·0.25; attempt 2 → Retry-After wins exactly.
    expect(delays).toEqual([625, 7000]);
    expect(log.of('retry').map((e) => [e.attempt, e.error.code, e.delayMs])).toEqual([
      [1, 'UNAVAILABLE', 625],
      [2, 'RATE_LIMITED', 7000],
    ]);
    expect(log.of('fallback').map((e) => [e.from, e.to, e.error.code])).toEqual([['a', 'b', 'TIMEOUT']]);
    const seg = result.manifest.segments[0]!;
    expect(seg.backend).toBe('b');
    expect(seg.attempts.map((x) => [x.backend, x.attempt, x.outcome, x.errorCode])).toEqual([
      ['a', 1, 'error', 'UNAVAILABLE'],
      ['a', 2, 'error', 'RATE_LIMITED'],
      ['a', 3, 'error', 'TIMEOUT'],
      ['b', 1, 'ok', undefined],
    ]);
    // each retry got a fresh idempotency key; the same logical attempt would get the same one
    const keys = a.calls.map((c) => c.idempotencyKey);
    expect(new Set(keys).size).toBe(3);
  });

  test('retryDelay: doubles per attempt, caps at maxDelayMs, jitter in the upper half, Retry-After as is', () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 5000 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(policy, n, {}, () => 1))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect([1, 2, 3].map((n) => retryDelay(policy, n, {}, () => 0))).toEqual([500, 1000, 2000]);
    expect(retryDelay(policy, 1, { retryAfterMs: 30_000 }, () => 0)).toBe(30_000);
  });

  test.each(['QUOTA', 'AUTH', 'GENERATION_FAILED'] as const)('%s moves to the next backend at once (no retry)', async (code) => {
    const a = scripted({ name: 'a' }, [fail(code)]);
    const b = scripted({ name: 'b' });
    const { delays, sleep } = recordingSleep();
    const result = await runPipeline({
      config: makeConfig({ assets, backends: [a, b], core: chainingStoryboard(1, 1, assets) }),
      registry: noRegistry,
      runDir: await freshRunDir(assets),
      sleep,
    });
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(1);
    expect(delays).toEqual([]);
    expect(result.manifest.segments[0]!.backend).toBe('b');
  });

  test('INPUT_INVALID stops the segment with its message; the next backend is not tried', async () => {
    const a = scripted({ name: 'a' }, [fail('INPUT_INVALID', { message: 'firstFrame is 9000 px wide, limit 4096' })]);
    const b = scripted({ name: 'b' });
    const runDir = await freshRunDir(assets);
    const error = await rejection(
      runPipeline({ config: makeConfig({ assets, backends: [a, b], core: chainingStoryboard(2, 1, assets) }), registry: noRegistry, runDir }),
    );
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.message).toContain('firstFrame is 9000 px wide, limit 4096');
    expect(b.calls).toHaveLength(0);
    expect(a.calls).toHaveLength(1);
    const m = await readManifest(runDir);
    expect(m?.status).toBe('failed');
    expect(m?.segments[0]?.status).toBe('failed');
    expect(m?.segments[0]?.error?.message).toContain('9000 px');
    expect(m?.segments[1]?.status).toBe('pending');
  });

  test.each(['QUOTA', 'INPUT_INVALID', 'MODERATION'] as const)('every backend failed, the last with %s: the segment error keeps that code', async (code) => {
    const a = scripted({ name: 'a' }, [fail('GENERATION_FAILED')]);
    const b = scripted({ name: 'b' }, [fail(code)]);
    const runDir = await freshRunDir(assets);
    const error = await rejection(
      runPipeline({ config: makeConfig({ assets, backends: [a, b], core: chainingStoryboard(1, 1, assets) }), registry: noRegistry, runDir }),
    );
    expect(error.code).toBe(code);
  });

  test('every backend failed, the last with a plain failure: GENERATION_FAILED', async () => {
    const a = scripted({ name: 'a' }, [fail('AUTH')]);
    const b = scripted({ name: 'b' }, [fail('GENERATION_FAILED')]);
    const runDir = await freshRunDir(assets);
    const error = await rejection(
      runPipeline({ config: makeConfig({ assets, backends: [a, b], core: chainingStoryboard(1, 1, assets) }), registry: noRegistry, runDir }),
    );
    expect(error.code).toBe('GENERATION_FAILED');
  });

  test('every backend skipped (none takes a first and a last frame): CONFIG_INVALID, exit 2, no call', async () => {
    const a = scripted({ name: 'a', inputs: ['first-frame'] });
    const runDir = await freshRunDir(assets);
    const error = await rejection(
      runPipeline({ config: makeConfig({ assets, backends: [a], core: keyframeStoryboard(1, assets) }), registry: noRegistry, runDir }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.exitCode).toBe(2);
    expect(a.calls).toHaveLength(0);
  });

  test('every backend failed: the error lists each attempt and skip with its cause', async () => {
    const a = scripted({ name: 'a' }, [fail('QUOTA', { message: 'credits exhausted' })]);
    const b = scripted({ name: 'b', inputs: ['text'] });
    const c = scripted({ name: 'c' }, [fail('AUTH', { message: 'key revoked' })]);
    const runDir = await freshRunDir(assets);
    const error = await rejection(
      runPipeline({ config: makeConfig({ assets, backends: [a, b, c], core: chainingStoryboard(1, 1, assets) }), registry: noRegistry, runDir }),
    );
    // The last error was AUTH: the run keeps its code (exit 4), so the user fixes the key rather than a "failed generation".
    expect(error.code).toBe('AUTH');
    expect(error.message).toContain('segment 0 failed on every backend');
    expect(error.details?.attempts).toEqual([
      'a attempt 1: [QUOTA] credits exhausted',
      expect.stringMatching(/^b: skipped: no model of b takes image-to-video/),
      'c attempt 1: [AUTH] key revoked',
    ]);
  });
});

describe('inputs', () => {
  test('a text-only storyboard with no backend that takes text starts from a first frame made from text', async () => {
    const a = scripted({ name: 'a', inputs: ['first-frame'], submitsJobs: false });
    const r = await runIn([a], chainingStoryboard(1));
    expect(r.manifest.images!.first!.generator).toBe('card');
    expect(a.calls[0]!.request.firstFrame).toBe(r.manifest.images!.first!.path);
  });
});

describe('moderation', () => {
  const core = (policy: string) => ({ ...chainingStoryboard(1, 1, assets), onModeration: policy });

  test('fail: stops at the first refusal', async () => {
    const a = scripted({ name: 'a' }, [fail('MODERATION')]);
    const b = scripted({ name: 'b' });
    const error = await rejection(runIn([a, b], core('fail')));
    expect(error.code).toBe('MODERATION');
    expect([a.calls.length, b.calls.length]).toEqual([1, 0]);
  });

  test('next: tries the next backend', async () => {
    const a = scripted({ name: 'a' }, [fail('MODERATION')]);
    const b = scripted({ name: 'b' });
    const r = await runIn([a, b], core('next'));
    expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
    expect(r.manifest.segments[0]!.backend).toBe('b');
  });

  test('reword with a hook: the backend is called again with the reworded prompt', async () => {
    const a = scripted({ name: 'a' }, [fail('MODERATION', { message: 'violent content' })]);
    const seen: string[] = [];
    a.rewordPrompt = async (prompt, error) => {
      seen.push(`${prompt}|${error.code}`);
      return `a gentle ${prompt}`;
    };
    const b = scripted({ name: 'b' });
    const r = await runIn([a, b], core('reword'));
    expect(seen).toEqual(['p0|MODERATION']);
    expect(a.calls.map((c) => c.request.prompt)).toEqual(['p0', 'a gentle p0']);
    expect(b.calls).toHaveLength(0);
    expect(r.manifest.segments[0]!.backend).toBe('a');
  });

  test('reword without a backend hook: the planner rewrites the refused prompt; the manifest keeps both prompts and the refusal', async () => {
    const a = scripted({ name: 'a' }, [fail('MODERATION', { message: "the prompt contains 'p0'" })]);
    const b = scripted({ name: 'b' });
    const r = await runIn([a, b], core('reword'));
    const reworded = 'A restrained, non-graphic, family-friendly depiction:';
    expect(a.calls.map((c) => c.request.prompt)).toEqual(['p0', reworded]);
    expect(b.calls).toHaveLength(0);
    expect(r.manifest.segments[0]!.rewords).toEqual([
      {
        backend: 'a',
        attempt: 1,
        refused: 'prompt',
        refusal: expect.stringContaining("the prompt contains 'p0'"),
        from: 'p0',
        to: reworded,
        by: 'planner:deterministic',
        costUsd: 0,
      },
    ]);
  });
});

describe('cost', () => {
  test('maxUsd stops before the call that would cross it; warnUsd warns once', async () => {
    const a = scripted({ name: 'a', usdPerSecond: 1 });
    const log = eventLog();
    const runDir = await freshRunDir(assets);
    const core = { ...chainingStoryboard(4, 1, assets), budget: { maxUsd: 2.5, warnUsd: 0.5 } };
    const error = await rejection(runPipeline({ config: makeConfig({ assets, backends: [a], core }), registry: noRegistry, runDir, onEvent: log.onEvent }));
    expect(error.code).toBe('BUDGET_EXCEEDED');
    expect(error.message).toMatch(/segment 2 .* would cost about \$1\.00; spent \$2\.00 of budget\.maxUsd \$2\.50/);
    expect(a.calls).toHaveLength(2); // the third call was never made
    const m = (await readManifest(runDir))!;
    expect(m.totalCostUsd).toBe(2);
    expect(m.segments[2]!.attempts).toHaveLength(0);
    expect(m.segments[2]!.status).toBe('failed');
    expect(m.segments[2]!.error?.code).toBe('BUDGET_EXCEEDED');
    const warnings = log.of('warning').filter((w) => w.message.startsWith('budget.warnUsd'));
    expect(warnings).toHaveLength(1);
    expect(m.warnings.filter((w) => w.startsWith('budget.warnUsd'))).toHaveLength(1);
  });

  test('keyframe mode: calls in flight count against maxUsd, so concurrent segments never cross it together', async () => {
    const a = scripted({ name: 'a', usdPerSecond: 1, latencyMs: 100 });
    const core = { ...keyframeStoryboard(4, assets), concurrency: 4, budget: { maxUsd: 2.5 } };
    const error = await rejection(
      runPipeline({ config: makeConfig({ assets, backends: [a], core }), registry: noRegistry, runDir: await freshRunDir(assets) }),
    );
    expect(error.code).toBe('BUDGET_EXCEEDED');
    expect(a.calls).toHaveLength(2);
    expect(error.message).toContain('in flight');
  });

  test('keyframe mode: after a segment fails, queued segments are not started', async () => {
    const a = scripted({ name: 'a', latencyMs: 50 }, [fail('INPUT_INVALID')]);
    const runDir = await freshRunDir(assets);
    const error = await rejection(
      runPipeline({ config: makeConfig({ assets, backends: [a], core: { ...keyframeStoryboard(6, assets), concurrency: 2 } }), registry: noRegistry, runDir }),
    );
    expect(error.code).toBe('INPUT_INVALID');
    expect(a.calls.length).toBeLessThanOrEqual(2); // the failed one and the one already running beside it
    const m = (await readManifest(runDir))!;
    expect(m.segments.filter((s) => s.status === 'cancelled').length).toBeGreaterThanOrEqual(4);
  });

  test('the budget counts failed-but-charged attempts, and the ledger lists them', async () => {
    const a = scripted({ name: 'a', usdPerSecond: 0.5 }, [fail('UNAVAILABLE', { chargedUsd: 0.25 }), { ok: true }]);
    const { sleep } = recordingSleep();
    const runDir = await freshRunDir(assets);
    const r = await runPipeline({ config: makeConfig({ assets, backends: [a], core: chainingStoryboard(1, 1, assets) }), registry: noRegistry, runDir, sleep });
    expect(r.manifest.ledger.map((l) => [l.segment, l.attempt, l.outcome, l.estimatedUsd, l.actualUsd])).toEqual([
      [0, 1, 'error', 0.5, 0.25],
      [0, 2, 'ok', 0.5, 0.5],
    ]);
    expect(r.totalCostUsd).toBe(0.75);
    expect((await readManifest(runDir))!.ledger).toHaveLength(2);
    // the next segment of a bigger film would now cross a 1.0 budget: 0.75 + 0.5 > 1
    const b = scripted({ name: 'a', usdPerSecond: 0.5 });
    const error = await rejection(
      runPipeline({
        config: makeConfig({ assets, backends: [b], core: { ...chainingStoryboard(2, 1, assets), budget: { maxUsd: 1 } } }),
        registry: noRegistry,
        runDir,
        sleep,
      }),
    );
    expect(error.code).toBe('BUDGET_EXCEEDED');
    expect(b.calls).toHaveLength(0); // segment 0 reused, segment 1 refused before the call
  });

  test('negotiation warnings are recorded in the manifest', async () => {
    const a = scripted({ name: 'a', durations: [1, 2], resolutions: [{ width: 320, height: 180 }] });
    const runDir = await freshRunDir(assets);
    const core = { ...chainingStoryboard(1, 1.6, assets), output: { width: 640, height: 360, fps: 8 } };
    await runPipeline({ config: makeConfig({ assets, backends: [a], core }), registry: noRegistry, runDir });
    expect(a.calls[0]!.request).toMatchObject({ durationSec: 2, width: 320, height: 180 });
    const seg = (await readManifest(runDir))!.segments[0]!;
    expect(seg.warnings.map((w) => [w.type, w.field])).toEqual([
      ['negotiated', 'duration'],
      ['negotiated', 'resolution'],
    ]);
    expect(seg.warnings[0]!.message).toContain('cannot make 1.6 s (allowed: 1, 2); using 2 s');
  });
});

describe('run.log', () => {
  test("keyframe mode with concurrency below what a local backend's GPUs can run: a warning event and a run.log line saying to raise it", async () => {
    const a = scripted({ name: 'a', submitsJobs: false, gpus: [0, 1, 2, 3], gpusPerJob: 1, concurrency: 4 });
    const log = eventLog();
    const runDir = await freshRunDir(assets);
    const core = { ...keyframeStoryboard(2, assets), concurrency: 2 };
    await runPipeline({ config: makeConfig({ assets, backends: [a], core }), registry: noRegistry, runDir, onEvent: log.onEvent });
    const warnings = log.of('warning').map((e) => e.message);
    expect(warnings.some((m) => /a can run 4 jobs at once.*raise concurrency to 4/.test(m))).toBe(true);
    expect(await readFile(join(runDir, 'run.log'), 'utf8')).toContain('raise concurrency to 4');
  });

  test('exists from the start of every run, first line the run starting (mode, segments, backends), even when no backend logs', async () => {
    const a = scripted({ name: 'a' });
    const runDir = await freshRunDir(assets);
    await runPipeline({ config: makeConfig({ assets, backends: [a], core: chainingStoryboard(2, 1, assets) }), registry: noRegistry, runDir });
    const lines = (await readFile(join(runDir, 'run.log'), 'utf8')).split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/run starting: mode chaining, 2 segment\(s\), backends a$/);
  });
});

describe('resume', () => {
  test('a second run makes zero backend calls; a changed prompt invalidates that segment and every later one (chaining)', async () => {
    const runDir = await freshRunDir(assets);
    const first = scripted({ name: 'a' });
    const r1 = await runPipeline({ config: makeConfig({ assets, backends: [first], core: chainingStoryboard(4, 1, assets) }), registry: noRegistry, runDir });
    expect(first.calls).toHaveLength(4);
    const finalHash = await sha256File(r1.video);

    const second = scripted({ name: 'a' });
    const log = eventLog();
    const r2 = await runChaining(second, 4, runDir, { onEvent: log.onEvent });
    expect(second.calls).toHaveLength(0);
    expect(second.validations).toBe(0);
    expect(log.of('done').every((e) => e.cached)).toBe(true);
    expect(log.of('join-start')).toHaveLength(0); // nothing changed: not even re-joined
    expect(await sha256File(r2.video)).toBe(finalHash);
    expect(r2.totalCostUsd).toBe(r1.totalCostUsd);

    const core = chainingStoryboard(4, 1, assets);
    (core.storyboard as { segments: { prompt: string }[] }).segments[1]!.prompt = 'p1 but different';
    const third = scripted({ name: 'a' });
    await runPipeline({ config: makeConfig({ assets, backends: [third], core }), registry: noRegistry, runDir });
    expect(third.calls.map((c) => c.request.segmentIndex)).toEqual([1, 2, 3]);
  });

  test('a job whose output was lost (jobReusable) is re-attached on the retry, not paid for again', async () => {
    const runDir = await freshRunDir(assets);
    // The first call submits a job that is billed, then fails to deliver its output; the retry must re-attach.
    const a = scripted({ name: 'a', usdPerSecond: 0.5 }, [fail('UNAVAILABLE', { chargedUsd: 0.5, jobReusable: true, retryAfterMs: 1 })]);
    const sleeper = recordingSleep();
    const result = await runChaining(a, 1, runDir, { sleep: sleeper.sleep });
    expect(a.calls).toHaveLength(2);
    expect(a.calls[0]!.jobId).toBe('a-job-1');
    expect(a.calls[1]!.resumedJob).toBe('a-job-1');
    expect(a.calls.filter((c) => c.jobId !== undefined)).toHaveLength(1); // one paid submission
    // Booked once: by the failed attempt; the re-attached success adds nothing.
    expect(result.totalCostUsd).toBeCloseTo(0.5, 6);
    expect(result.manifest.ledger.map((l) => [l.outcome, l.actualUsd])).toEqual([
      ['error', 0.5],
      ['ok', 0],
    ]);
  });

  test('without jobReusable a failed job is never re-attached', async () => {
    const runDir = await freshRunDir(assets);
    const a = scripted({ name: 'a' }, [fail('UNAVAILABLE', { retryAfterMs: 1 })]);
    await runChaining(a, 1, runDir, { sleep: recordingSleep().sleep });
    expect(a.calls.map((c) => c.resumedJob)).toEqual([undefined, undefined]);
  });

  test('keyframe mode: a changed prompt invalidates only that segment', async () => {
    const runDir = await freshRunDir(assets);
    await runPipeline({
      config: makeConfig({ assets, backends: [scripted({ name: 'a' })], core: keyframeStoryboard(3, assets) }),
      registry: noRegistry,
      runDir,
    });
    const core = keyframeStoryboard(3, assets);
    (core.storyboard as { segments: { prompt: string }[] }).segments[1]!.prompt = 'changed';
    const again = scripted({ name: 'a' });
    await runPipeline({ config: makeConfig({ assets, backends: [again], core }), registry: noRegistry, runDir });
    expect(again.calls.map((c) => c.request.segmentIndex)).toEqual([1]);
  });

  test('a segment file that no longer verifies (truncated) is regenerated, never reused', async () => {
    const runDir = await freshRunDir(assets);
    const r1 = await runPipeline({
      config: makeConfig({ assets, backends: [scripted({ name: 'a' })], core: chainingStoryboard(2, 1, assets) }),
      registry: noRegistry,
      runDir,
    });
    const file = r1.manifest.segments[1]!.file!;
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length >> 1));
    const again = scripted({ name: 'a' });
    await runPipeline({ config: makeConfig({ assets, backends: [again], core: chainingStoryboard(2, 1, assets) }), registry: noRegistry, runDir });
    expect(again.calls.map((c) => c.request.segmentIndex)).toEqual([1]);
  });

  test('adding a fallback backend does not invalidate finished segments; changing the producing backend does', async () => {
    const runDir = await freshRunDir(assets);
    await runPipeline({
      config: makeConfig({ assets, backends: [scripted({ name: 'a' })], core: chainingStoryboard(2, 1, assets) }),
      registry: noRegistry,
      runDir,
    });
    const a2 = scripted({ name: 'a' });
    const z = scripted({ name: 'z' });
    await runPipeline({ config: makeConfig({ assets, backends: [a2, z], core: chainingStoryboard(2, 1, assets) }), registry: noRegistry, runDir });
    expect(a2.calls.length + z.calls.length).toBe(0);
    const only = scripted({ name: 'z' });
    await runPipeline({ config: makeConfig({ assets, backends: [only], core: chainingStoryboard(2, 1, assets) }), registry: noRegistry, runDir });
    expect(only.calls).toHaveLength(2);
  });

  test('a persisted job is re-attached on its own backend, not resubmitted (simulated crash)', async () => {
    const runDir = await freshRunDir(assets);
    // a: out of credit → falls back to b, whose job for segment 1 "hangs"; the process "dies" once it is persisted.
    const a = scripted({ name: 'a' }, [{ ok: true }, fail('QUOTA')]);
    const b = scripted({ name: 'b' }, [{ ok: true, latencyMs: 60_000 }]);
    const controller = new AbortController();
    const snapshot = join(runDir, 'crash-snapshot.json');
    let jobId: string | undefined;
    const run = runPipeline({
      config: makeConfig({ assets, backends: [a, b], core: chainingStoryboard(3, 1, assets) }),
      registry: noRegistry,
      runDir,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'job' && e.segment === 1 && e.backend === 'b') {
          jobId = e.jobId;
          // the event comes once the handle is on disk: copy the manifest as a SIGKILL would leave it, then stop
          void copyFile(manifestPath(runDir), snapshot).then(() => controller.abort());
        }
      },
    });
    expect((await rejection(run)).code).toBe('CANCELLED');
    expect(jobId).toBe('b-job-1');
    const crashed = JSON.parse(await readFile(snapshot, 'utf8'));
    expect(crashed.segments[1].job.handle.id).toBe('b-job-1');
    expect(crashed.segments[1].status).toBe('submitted');
    await copyFile(snapshot, manifestPath(runDir)); // what a SIGKILL would have left behind

    const a2 = scripted({ name: 'a' });
    const b2 = scripted({ name: 'b' });
    const r = await runPipeline({ config: makeConfig({ assets, backends: [a2, b2], core: chainingStoryboard(3, 1, assets) }), registry: noRegistry, runDir });
    expect(b2.calls.map((c) => [c.request.segmentIndex, c.resumedJob, c.jobId])).toEqual([[1, 'b-job-1', undefined]]);
    expect(a2.calls.map((c) => c.request.segmentIndex)).toEqual([2]); // segment 1 never went back to a
    const seg1 = r.manifest.segments[1]!;
    expect(seg1.backend).toBe('b');
    expect(seg1.job).toBeUndefined();
    expect(seg1.attempts.filter((x) => x.outcome === 'interrupted').map((x) => x.jobId)).toEqual(['b-job-1']);
    expect(seg1.attempts.at(-1)).toMatchObject({ resumed: true, jobId: 'b-job-1', outcome: 'ok' });
  });
});

describe('scheduling', () => {
  test('keyframe mode runs up to `concurrency` segments at once', async () => {
    const a = scripted({ name: 'a', latencyMs: 150, concurrency: 8 });
    await runIn([a], { ...keyframeStoryboard(7, assets), concurrency: 3 });
    expect(a.calls).toHaveLength(7);
    expect(a.maxActive).toBe(3);
  });

  test("a backend's model concurrency caps it below the global concurrency", async () => {
    const a = scripted({ name: 'a', latencyMs: 150, concurrency: 2 });
    await runIn([a], { ...keyframeStoryboard(6, assets), concurrency: 5 });
    expect(a.maxActive).toBe(2);
  });

  test('chaining mode is strictly sequential', async () => {
    const a = scripted({ name: 'a', latencyMs: 30, concurrency: 8 });
    await runIn([a], { ...chainingStoryboard(3, 1, assets), concurrency: 4 });
    expect(a.maxActive).toBe(1);
    expect(a.calls[1]!.request.firstFrame).toMatch(/seg-000-last\.png$/);
  });

  test('GPU leases never overlap', async () => {
    const a = scripted({ name: 'a', kind: 'local', latencyMs: 120, concurrency: 8, gpus: [0, 1, 2, 3, 4], gpusPerJob: 2 });
    await runIn([a], { ...keyframeStoryboard(8, assets), concurrency: 4 });
    expect(a.calls).toHaveLength(8);
    expect(a.maxActive).toBe(2); // 5 GPUs, 2 per job
    for (const c of a.calls) expect(c.lease?.gpus).toHaveLength(2);
    for (let i = 0; i < a.calls.length; i++) {
      for (let j = i + 1; j < a.calls.length; j++) {
        const x = a.calls[i]!;
        const y = a.calls[j]!;
        const overlap = x.startedAt < y.finishedAt! && y.startedAt < x.finishedAt!;
        if (overlap) expect(x.lease!.gpus.filter((g) => y.lease!.gpus.includes(g))).toEqual([]);
      }
    }
  });
});
