/**
 * The Runway backend against the loopback Runway emulator, through the real @runwayml/sdk, driven by core's
 * `callBackend` (the engine's lifecycle: submit, record, poll, cancel, download). Every test counts the requests
 * the emulator saw: creates (billable), polls, cancels, downloads, uploads.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import RunwayML from '@runwayml/sdk';
import type { TtvError } from '@ttv/core';
import { callBackend, sleep } from '@ttv/core/backend';
import { probeVideo } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { DAILY_LIMIT_MESSAGE, type RunwayEmulator, startRunwayEmulator } from '@ttv/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backendFor, baseRequest, recordingContext, rejection, tempDir } from './helpers.fixture.js';

let emu: RunwayEmulator;
let dir: string;
let cleanup: () => Promise<void>;
let first: string;
let last: string;
let n = 0;
/** A fresh work dir and output path per call. */
const fresh = () => {
  n += 1;
  return { workDir: join(dir, `w${n}`), outputPath: join(dir, `out-${n}.mp4`) };
};

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  first = join(dir, 'first.png');
  last = join(dir, 'last.png');
  await makeTestImage(first, { width: 320, height: 180 });
  await makeTestImage(last, { width: 400, height: 300, pattern: 'testsrc2' });
  emu = await startRunwayEmulator({ outputScale: 8, taskDurationMs: 250 });
});

afterAll(async () => {
  await emu?.close();
  await cleanup?.();
});

beforeEach(() => emu.reset());

async function setup(config: Parameters<typeof backendFor>[1] = {}, req: Parameters<typeof baseRequest>[2] = {}) {
  const f = fresh();
  const { mkdir } = await import('node:fs/promises');
  await mkdir(f.workDir, { recursive: true });
  const backend = backendFor(emu, config);
  const rec = recordingContext(f.workDir);
  const request = baseRequest(dir, first, { outputPath: f.outputPath, ...req });
  return { backend, rec, request };
}

const createBodies = () => emu.requestsTo('POST', '/v1/image_to_video').map((r) => r.json as Record<string, unknown>);

describe('first frame (gen4_turbo)', () => {
  it('creates exactly one task, reports its id before polling, polls to SUCCEEDED, downloads and probes the clip', async () => {
    // Long enough that a poll sees it running even on a loaded machine.
    emu.script.nextTask({ durationMs: 2000 });
    const { backend, rec, request } = await setup();
    let pollsWhenJobReported = -1;
    rec.ctx.onJob = async (job) => {
      rec.jobs.push(job);
      pollsWhenJobReported = emu.stats().polls;
    };
    const result = await callBackend(backend, request, rec.ctx);

    expect(emu.stats()).toMatchObject({ created: 1, createAttempts: 1, cancels: 0, downloads: 1, uploads: 0 });
    expect(rec.jobs).toHaveLength(1);
    expect(rec.jobs[0]!.id).toBe(result.jobId);
    expect(pollsWhenJobReported).toBe(0);
    expect(JSON.stringify(rec.jobs[0])).not.toContain(emu.apiKey);

    const [body] = createBodies();
    expect(body).toMatchObject({ model: 'gen4_turbo', ratio: '1280:720', duration: 2, promptText: request.prompt });
    expect(String(body!['promptImage'])).toMatch(/^data:image\/png;base64,/);
    expect(body).not.toHaveProperty('audio');
    const create = emu.requestsTo('POST', '/v1/image_to_video')[0]!;
    expect(create.headers['x-stainless-retry-count']).toBe('0');
    expect(create.headers['x-stainless-timeout']).toBeDefined();

    // The clip on disk is what the result says (the emulator renders at 1/8 scale).
    const probe = await probeVideo(request.outputPath);
    expect(result).toMatchObject({ file: request.outputPath, width: 160, height: 90, frames: 48, fps: 24 });
    expect(probe).toMatchObject({ width: 160, height: 90, frames: 48 });
    expect(result.durationSec).toBeCloseTo(2, 1);
    expect(result.costUsd).toBeCloseTo(0.1, 6); // 5 credits/s × 2 s
    // Progress: at least one status report and a final 1.
    expect(rec.progress.at(-1)).toMatchObject({ fraction: 1 });
    expect(rec.progress.some((p) => p.message === 'PENDING' || p.message === 'RUNNING')).toBe(true);
    // Nothing but the output in its directory (atomic rename, no temp files left).
    expect((await readdir(dir)).filter((f) => f.startsWith('.out-'))).toEqual([]);
    // The first frame was fitted to the ratio's exact pixel size before sending.
    expect(rec.logs.join('\n')).toContain('first frame 1280x720 image/png');
    // The engine prefixes the backend and the segment: the backend's own lines carry no prefix.
    expect(rec.logs.join('\n')).toContain(`task ${result.jobId} created (gen4_turbo 1280:720 2 s, ~10 credits)`);
    expect(rec.logs.filter((l) => l.startsWith('runway'))).toEqual([]);
  });

  it('never sends promptText when the prompt is empty, sends seed and contentModeration when set', async () => {
    const { backend, rec, request } = await setup({ seed: 7, contentModeration: { publicFigureThreshold: 'low' } }, { prompt: '' });
    await callBackend(backend, request, rec.ctx);
    const [body] = createBodies();
    expect(body).not.toHaveProperty('promptText');
    expect(body).toMatchObject({ seed: 7, contentModeration: { publicFigureThreshold: 'low' } });
  });

  it('replaces the table cost with the cost the task reports', async () => {
    emu.script.nextTask({ cost: 3 });
    const { backend, rec, request } = await setup();
    const result = await callBackend(backend, request, rec.ctx);
    expect(result.costUsd).toBeCloseTo(0.03, 6);
    expect(backend.estimateCost(request).usd).toBeCloseTo(0.1, 6);
  });

  it('waits through THROTTLED (queued) and reports it as progress, polling at polling.maxIntervalMs meanwhile', async () => {
    emu.script.nextTask({ throttledPolls: 3 });
    const { backend, rec, request } = await setup({ polling: { intervalMs: 20, maxIntervalMs: 90, jitter: 0 } });
    const waits: number[] = [];
    const result = await callBackend(backend, request, {
      ...rec.ctx,
      sleep: async (ms, signal) => {
        waits.push(ms);
        await sleep(ms, signal);
      },
    });
    expect(rec.progress.filter((p) => p.message?.startsWith('THROTTLED'))).toHaveLength(3);
    expect(rec.progress.find((p) => p.message?.startsWith('THROTTLED'))!.message).toContain('concurrency limit');
    expect(emu.stats()).toMatchObject({ created: 1, cancels: 0 });
    // The first wait is polling.intervalMs; each wait after a THROTTLED answer is polling.maxIntervalMs.
    expect(waits.slice(0, 4)).toEqual([20, 90, 90, 90]);
    expect(rec.logs).toContain(`task ${result.jobId} THROTTLED`);
  });

  it('refreshes an expired output URL by re-reading the task', async () => {
    emu.script.nextTask({ expiredOutputUrl: true });
    const { backend, rec, request } = await setup();
    const result = await callBackend(backend, request, rec.ctx);
    expect(result.frames).toBe(48);
    const downloads = emu.requestsTo('GET', '/outputs/*');
    expect(downloads.map((d) => d.status)).toEqual([403, 200]);
    expect(downloads[0]!.query['n']).not.toBe(downloads[1]!.query['n']);
    expect(emu.stats().created).toBe(1);
  });

  it('retries a truncated and a crashed download without creating another task', async () => {
    emu.script.truncateDownload({ bytes: 500 });
    emu.script.crashDownload({});
    const { backend, rec, request } = await setup();
    const result = await callBackend(backend, request, rec.ctx);
    expect(result.frames).toBe(48);
    expect(emu.stats()).toMatchObject({ created: 1, downloads: 3 });
  });

  it('a download that keeps failing marks the paid task reusable, and resuming it downloads without a new task', async () => {
    emu.script.crashDownload({ times: 4 });
    const { backend, rec, request } = await setup();
    const error = await callBackend(backend, request, rec.ctx).then(
      () => undefined,
      (e: unknown) => e as TtvError,
    );
    expect(error).toMatchObject({ code: 'UNAVAILABLE', jobReusable: true });
    expect(error!.chargedUsd).toBeGreaterThan(0);
    const taskId = rec.jobs[0]!.id;
    const again = await setup();
    const result = await callBackend(backend, again.request, { ...again.rec.ctx, resumeJob: { id: taskId } });
    expect(result.frames).toBe(48);
    expect(emu.stats().created).toBe(1);
  });

  it('tolerates transient poll failures while the task keeps running', async () => {
    emu.script.serverError({ status: 503, times: 2, match: { method: 'GET', path: '/v1/tasks/:id' } });
    emu.script.connectionReset({ times: 1, match: { method: 'GET', path: '/v1/tasks/:id' } });
    const { backend, rec, request } = await setup();
    await callBackend(backend, request, rec.ctx);
    expect(emu.stats()).toMatchObject({ created: 1, createAttempts: 1, cancels: 0 });
  });

  it('gives up after polling.maxErrors consecutive poll failures', async () => {
    emu.script.serverError({ status: 502, times: Number.POSITIVE_INFINITY, match: { method: 'GET', path: '/v1/tasks/:id' } });
    const { backend, rec, request } = await setup({ polling: { intervalMs: 5, maxIntervalMs: 10, maxErrors: 3 } });
    const error = await rejection(callBackend(backend, request, rec.ctx));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(emu.stats()).toMatchObject({ created: 1, polls: 3 });
    expect(existsSync(request.outputPath)).toBe(false);
  });

  // Core bug (reported): when callBackend gives up on status after maxErrors it throws a retryable error without
  // cancelling the task and without keeping it (jobReusable), so the task runs on and bills while the engine's
  // retry submits a second one. The v1 backend cancelled it exactly once. `fails` flips once core is fixed.
  it('gives up after polling.maxErrors consecutive poll failures and cancels the task once', async () => {
    emu.script.serverError({ status: 502, times: Number.POSITIVE_INFINITY, match: { method: 'GET', path: '/v1/tasks/:id' } });
    const { backend, rec, request } = await setup({ polling: { intervalMs: 5, maxIntervalMs: 10, maxErrors: 3 } });
    const error = await rejection(callBackend(backend, request, rec.ctx));
    expect(error.code).toBe('UNAVAILABLE');
    expect(emu.stats()).toMatchObject({ created: 1, polls: 3, cancels: 1 });
  });

  it('sends the image as an ephemeral upload when imageUpload is ephemeral', async () => {
    const { backend, rec, request } = await setup({ imageUpload: 'ephemeral' });
    await callBackend(backend, request, rec.ctx);
    expect(emu.stats()).toMatchObject({ uploads: 1, created: 1 });
    expect(String(createBodies()[0]!['promptImage'])).toMatch(/^runway:\/\//);
  });
});

describe('first and last frame (veo3.1_fast)', () => {
  it('sends both frames with positions, audio off, the negative prompt, and returns a 4 s clip', async () => {
    const { backend, rec, request } = await setup(
      { model: 'veo3.1_fast' },
      { model: 'veo3.1_fast', durationSec: 4, lastFrame: last, negativePrompt: 'text, watermark' },
    );
    const result = await callBackend(backend, request, rec.ctx);
    const [body] = createBodies();
    expect(body).toMatchObject({ model: 'veo3.1_fast', ratio: '1280:720', duration: 4, audio: false, negativePrompt: 'text, watermark' });
    const images = body!['promptImage'] as { uri: string; position: string }[];
    expect(images.map((i) => i.position)).toEqual(['first', 'last']);
    expect(images.every((i) => i.uri.startsWith('data:image/png;base64,'))).toBe(true);
    expect(body).not.toHaveProperty('contentModeration');
    expect(result).toMatchObject({ frames: 96, width: 160, height: 90 });
    expect(result.costUsd).toBeCloseTo(0.4, 6); // 10 credits/s × 4 s
  });

  it('drops a negative prompt the model does not take, with a warning', async () => {
    const { backend, rec, request } = await setup({}, { negativePrompt: 'blur' });
    const result = await callBackend(backend, request, rec.ctx);
    expect(createBodies()[0]).not.toHaveProperty('negativePrompt');
    expect(result.warnings).toContainEqual(expect.objectContaining({ type: 'unsupported', field: 'negativePrompt' }));
  });
});

describe('task failures map by failure code (never retried by the backend)', () => {
  const cases: [string, string, boolean][] = [
    ['SAFETY.INPUT.TEXT', 'MODERATION', false],
    ['SAFETY.INPUT.IMAGE', 'MODERATION', false],
    ['SAFETY.OUTPUT.VIDEO', 'MODERATION', false],
    ['INPUT_PREPROCESSING.SAFETY.TEXT', 'MODERATION', false],
    ['INPUT_PREPROCESSING.INTERNAL', 'GENERATION_FAILED', true],
    ['INTERNAL.BAD_OUTPUT.CODE01', 'GENERATION_FAILED', true],
    ['INTERNAL', 'GENERATION_FAILED', true],
    ['ASSET.INVALID', 'INPUT_INVALID', false],
  ];
  it.each(cases)('%s → %s (retryable %s), exactly one create, no cancel, no file', async (failureCode, code, retryable) => {
    emu.script.nextTask({ failureCode });
    const { backend, rec, request } = await setup();
    const error = await rejection(callBackend(backend, request, rec.ctx));
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.message).toContain(failureCode);
    expect(error.chargedUsd).toBeUndefined();
    expect(emu.stats()).toMatchObject({ created: 1, createAttempts: 1, cancels: 0, downloads: 0 });
    expect(existsSync(request.outputPath)).toBe(false);
  });

  it('reports what a charged failure cost', async () => {
    emu.script.nextTask({ failureCode: 'INTERNAL', cost: 4 });
    const { backend, rec, request } = await setup();
    const error = await rejection(callBackend(backend, request, rec.ctx));
    expect(error.chargedUsd).toBeCloseTo(0.04, 6);
  });
});

describe('HTTP errors map through the SDK classes (create is never replayed)', () => {
  it('401 → AUTH with the fix, and the key appears nowhere', async () => {
    const key = `key_${'ab'.repeat(64)}`;
    const { rec, request } = await setup();
    const { configSchema } = await import('./runway-config.js');
    const { createRunwayBackend } = await import('./runway-backend.js');
    const backend = createRunwayBackend(configSchema.parse({ baseUrl: emu.url, polling: { intervalMs: 10 } }), { env: { RUNWAYML_API_SECRET: key } });
    const error = await rejection(callBackend(backend, request, rec.ctx));
    expect(error.code).toBe('AUTH');
    expect(error.fix).toContain('RUNWAYML_API_SECRET');
    expect(emu.stats().createAttempts).toBe(1);
    const everything = JSON.stringify({ m: error.message, f: error.fix, j: error.toJSON(), logs: rec.logs, d: error.details });
    expect(everything).not.toContain(key);
    expect(emu.requests[0]!.headers['authorization']).toBe(`Bearer ${key}`);
  });

  it('403 → AUTH', async () => {
    emu.faults.inject({ kind: 'status', status: 403, body: { error: 'Model not available for your organization' }, match: { method: 'POST' } });
    const { backend, rec, request } = await setup();
    const error = await rejection(callBackend(backend, request, rec.ctx));
    expect(error.code).toBe('AUTH');
    expect(error.message).toContain('Model not available');
  });

  it('daily task limit (429) → QUOTA, not retryable, one attempt', async () => {
    emu.script.dailyLimit({ retryAfterSeconds: 30 });
    const { backend, rec, request } = await setup();
    const error = await rejection(callBackend(backend, request, rec.ctx));
    expect(error.code).toBe('QUOTA');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(DAILY_LIMIT_MESSAGE);
    expect(emu.stats()).toMatchObject({ created: 0, createAttempts: 1 });
    expect(rec.jobs).toHaveLength(0);
  });

  it('other 429 → RATE_LIMITED with the Retry-After delay (seconds, or retry-after-ms)', async () => {
    emu.faults.inject({ kind: 'status', status: 429, body: { error: 'Too many requests' }, headers: { 'retry-after': '3' }, match: { method: 'POST' } });
    const { backend, rec, request } = await setup();
    const error = await rejection(callBackend(backend, request, rec.ctx));
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterMs: 3000 });

    emu.faults.inject({ kind: 'status', status: 429, body: { error: 'Slow down' }, headers: { 'retry-after-ms': '1250' }, match: { method: 'POST' } });
    const again = await rejection(callBackend(backend, { ...request, outputPath: fresh().outputPath }, rec.ctx));
    expect(again).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 1250 });
    expect(emu.stats()).toMatchObject({ created: 0, createAttempts: 2 });
  });

  it('5xx on create → UNAVAILABLE (retryable by the engine), not replayed by the SDK', async () => {
    emu.script.serverError({ status: 503, retryAfterMs: 1, match: { method: 'POST', path: '/v1/image_to_video' } });
    const { backend, rec, request } = await setup();
    const error = await rejection(callBackend(backend, request, rec.ctx));
    expect(error).toMatchObject({ code: 'UNAVAILABLE', retryable: true, retryAfterMs: 1 });
    expect(emu.stats()).toMatchObject({ created: 0, createAttempts: 1 });
  });

  it('connection reset → UNAVAILABLE; a slow reply past timeouts.requestMs → TIMEOUT; each one attempt', async () => {
    emu.script.connectionReset({ match: { method: 'POST', path: '/v1/image_to_video' } });
    // requestMs also bounds the image preparation before the create (core's submit timeout): leave it room.
    const { backend, rec, request } = await setup({ timeouts: { requestMs: 3000 } });
    expect((await rejection(callBackend(backend, request, rec.ctx))).code).toBe('UNAVAILABLE');
    emu.script.slow(6000, { match: { method: 'POST', path: '/v1/image_to_video' } });
    expect((await rejection(callBackend(backend, { ...request, outputPath: fresh().outputPath }, rec.ctx))).code).toBe('TIMEOUT');
    expect(emu.stats().createAttempts).toBe(2);
    // The slow request is still handled after the client gave up: a timed-out create can start a task we never
    // hear of (the API has no idempotency key). That is why the SDK must not replay creates by itself.
    for (let i = 0; i < 200 && emu.stats().created === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(emu.stats()).toMatchObject({ created: 1, createAttempts: 2 });
  });

  it("400 → INPUT_INVALID with the API's message and field; 'not enough credits' → QUOTA", async () => {
    emu.faults.inject({ kind: 'status', status: 400, body: { error: "Invalid parameter 'promptText'" }, match: { method: 'POST' } });
    const { backend, rec, request } = await setup();
    const error = await rejection(callBackend(backend, request, rec.ctx));
    expect(error).toMatchObject({ code: 'INPUT_INVALID', field: 'promptText' });
    expect(error.message).toContain("Invalid parameter 'promptText'");

    emu.faults.inject({ kind: 'status', status: 400, body: { error: 'You do not have enough credits to run this task.' }, match: { method: 'POST' } });
    expect((await rejection(callBackend(backend, { ...request, outputPath: fresh().outputPath }, rec.ctx))).code).toBe('QUOTA');
  });
});

describe('cancellation, timeouts and resume', () => {
  it('an abort while the task runs cancels it through the API exactly once, then rejects CANCELLED', async () => {
    emu.script.nextTask({ durationMs: 20_000 });
    const { backend, rec, request } = await setup();
    let abortedAt = 0;
    rec.ctx.onProgress = (p) => {
      rec.progress.push(p);
      // Once the task is being polled (the first report after SUBMITTING).
      if (p.message !== 'SUBMITTING' && abortedAt === 0) {
        abortedAt = -1;
        setTimeout(() => {
          abortedAt = Date.now();
          rec.abort.abort();
        }, 20);
      }
    };
    const error = await rejection(callBackend(backend, request, rec.ctx));
    expect(error.code).toBe('CANCELLED');
    expect(abortedAt).toBeGreaterThan(0);
    expect(Date.now() - abortedAt).toBeLessThan(8000);
    expect(emu.stats()).toMatchObject({ created: 1, cancels: 1, downloads: 0 });
    const task = [...emu.tasks.values()][0]!;
    expect(task.cancelled).toBe(true);
    expect(existsSync(request.outputPath)).toBe(false);
  });

  it('an abort during the submission lets the create finish, then cancels that task exactly once', async () => {
    emu.script.nextTask({ durationMs: 20_000 });
    const { backend, rec, request } = await setup();
    rec.ctx.onProgress = (p) => {
      rec.progress.push(p);
      // Just after the submission started (an abort before it would submit nothing at all).
      if (p.message === 'SUBMITTING') setTimeout(() => rec.abort.abort(), 0);
    };
    const error = await rejection(callBackend(backend, request, rec.ctx));
    expect(error.code).toBe('CANCELLED');
    expect(error.jobReusable).toBeFalsy();
    expect(rec.jobs).toHaveLength(1);
    expect(emu.stats()).toMatchObject({ created: 1, createAttempts: 1, cancels: 1, polls: 0, downloads: 0 });
    expect([...emu.tasks.values()][0]!.cancelled).toBe(true);
  });

  it('an abort before the call sends nothing', async () => {
    const { backend, rec, request } = await setup();
    rec.abort.abort();
    expect((await rejection(callBackend(backend, request, rec.ctx))).code).toBe('CANCELLED');
    expect(emu.requests).toHaveLength(0);
  });

  it('a task over timeouts.taskMs is cancelled once and rejects TIMEOUT', async () => {
    emu.script.nextTask({ durationMs: 20_000 });
    const { backend, rec, request } = await setup({ timeouts: { taskMs: 200 } });
    const error = await rejection(callBackend(backend, request, rec.ctx));
    expect(error).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(emu.stats()).toMatchObject({ created: 1, cancels: 1 });
  });

  it('resumes a task by id without creating another one', async () => {
    const client = new RunwayML({ apiKey: emu.apiKey, baseURL: emu.url, maxRetries: 0 });
    const { dataUri } = await import('./helpers.fixture.js');
    const { id } = await client.imageToVideo.create({ model: 'gen4_turbo', ratio: '1280:720', duration: 2, promptImage: await dataUri(first) });
    const { backend, rec, request } = await setup();
    const result = await callBackend(backend, request, { ...rec.ctx, resumeJob: { id } });
    expect(result.jobId).toBe(id);
    expect(rec.jobs).toHaveLength(0);
    expect(emu.stats()).toMatchObject({ created: 1, createAttempts: 1, cancels: 0, downloads: 1 });
    expect(rec.progress[0]).toMatchObject({ message: 'RESUMING' });

    // Resuming a task that finished meanwhile downloads at once (a fresh URL from the first poll).
    const again = await callBackend(backend, { ...request, outputPath: fresh().outputPath }, { ...rec.ctx, resumeJob: { id } });
    expect(again.frames).toBe(48);
    expect(emu.stats()).toMatchObject({ created: 1, createAttempts: 1 });
  });

  it('a resumed task that no longer exists fails retryably and creates nothing', async () => {
    const { backend, rec, request } = await setup();
    const error = await rejection(callBackend(backend, request, { ...rec.ctx, resumeJob: { id: '00000000-0000-4000-8000-000000000000' } }));
    expect(error).toMatchObject({ code: 'GENERATION_FAILED', retryable: true });
    expect(emu.stats()).toMatchObject({ createAttempts: 0, cancels: 0 });
  });
});

describe('validate and key checks send no request', () => {
  const bad: [string, Parameters<typeof baseRequest>[2], string][] = [
    ['a ratio the model does not make', { width: 1000, height: 1000 }, 'resolution'],
    ['a duration over 10 s on gen4_turbo', { durationSec: 11 }, 'durationSec'],
    ['a 5 s clip on veo3.1_fast (4, 6, 8 only)', { model: 'veo3.1_fast', durationSec: 5 }, 'durationSec'],
    ['a last frame on gen4_turbo', { lastFrame: '/dev/null' }, 'lastFrame'],
    ['a prompt over 1000 characters', { prompt: 'x'.repeat(1001) }, 'prompt'],
    ['an empty prompt on gen4.5', { model: 'gen4.5', prompt: ' ', durationSec: 5 }, 'prompt'],
    ['no first frame', { firstFrame: undefined }, 'firstFrame'],
    ['a missing image file', { firstFrame: '/nonexistent/x.png' }, 'firstFrame'],
    ['an unknown model', { model: 'gen3a_turbo' }, 'model'],
    ['a seed over 2^32-1', { seed: 2 ** 32 }, 'seed'],
  ];
  it.each(bad)('refuses %s (INPUT_INVALID on %s)', async (_what, overrides, field) => {
    const { backend, rec, request } = await setup({}, overrides);
    const error = await rejection(backend.validate(request));
    expect(error).toMatchObject({ code: 'INPUT_INVALID', field });
    expect(error.fix).toBeTruthy();
    expect((await rejection(callBackend(backend, request, rec.ctx))).code).toBe('INPUT_INVALID');
    expect(emu.requests).toHaveLength(0);
  });

  it('accepts valid requests of every model', async () => {
    const { backend, request } = await setup();
    await backend.validate(request);
    await backend.validate({ ...request, model: 'gen4.5', durationSec: 10, width: 1584, height: 672 });
    await backend.validate({ ...request, model: 'veo3.1', durationSec: 8, width: 1080, height: 1920, lastFrame: last });
    expect(emu.requests).toHaveLength(0);
  });

  it('a missing key is AUTH at submit time (not at create), with the fix; estimates need no key', async () => {
    const { configSchema } = await import('./runway-config.js');
    const { createRunwayBackend } = await import('./runway-backend.js');
    const backend = createRunwayBackend(configSchema.parse({ baseUrl: emu.url }), { env: {} });
    const { rec, request } = await setup();
    expect(backend.estimateCost(request).usd).toBeCloseTo(0.1, 6);
    const error = await rejection(callBackend(backend, request, rec.ctx));
    expect(error.code).toBe('AUTH');
    expect(error.fix).toMatch(/RUNWAYML_API_SECRET/);
    expect(emu.requests).toHaveLength(0);
    const checks = await backend.doctor();
    expect(checks[0]).toMatchObject({ name: 'API key', ok: false });
  });

  it('doctor: key present (never printed) and the API reachable', async () => {
    const { backend } = await setup();
    const checks = await backend.doctor();
    expect(checks.map((c) => c.ok)).toEqual([true, true]);
    expect(JSON.stringify(checks)).not.toContain(emu.apiKey);
    expect(checks[1]!.detail).toContain('credits left');
  });
});
