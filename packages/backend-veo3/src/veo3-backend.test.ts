/**
 * The backend against the Veo + GCS emulator, through the real @google/genai and @google-cloud/storage clients,
 * driven the way the engine drives it: `callBackend` of @ttv/core (submit → onJob → status polls → output →
 * probe → rename → release). Every mapping test counts the requests the emulator saw.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { callBackend } from '@ttv/core/backend';
import { probeVideo } from '@ttv/core/media';
import { FRAME_INTERPOLATION_NOT_ALLOWLISTED, googleErrorBody, startVeoEmulator, type VeoEmulator, veoFaults } from '@ttv/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY, clearGoogleEnv, context, type Fixture, makeBackend, makeFixture, rejection, request, TOKEN } from './test-helpers.fixture.js';
import { VeoBackend } from './veo3-backend.js';
import { configSchema } from './veo3-config.js';

let fx: Fixture;
let emu: VeoEmulator;

const SUBMIT = /:predictLongRunning$/;

beforeAll(async () => {
  clearGoogleEnv();
  fx = await makeFixture();
  emu = await startVeoEmulator({ operationDurationMs: 0, outputScale: 16, accessToken: TOKEN, apiKey: API_KEY });
});
beforeEach(() => emu.reset());
afterAll(async () => {
  await emu?.close();
  await fx?.cleanup();
});

function submitBody(i = 0): {
  instances: Array<Record<string, { mimeType?: string; gcsUri?: string; bytesBase64Encoded?: string } | string>>;
  parameters: Record<string, unknown>;
} {
  return emu.requestsTo('POST', SUBMIT)[i]!.json as never;
}

async function noOutput(path: string): Promise<void> {
  expect(existsSync(path)).toBe(false);
  expect(await readdir(dirname(path))).toEqual([]);
}

describe('callBackend (happy paths)', () => {
  it('image → video inline: submits once, exposes the operation before waiting, probes the clip, costs duration × rate', async () => {
    const backend = makeBackend(emu);
    const req = await request(fx);
    let pollsAtJob = -1;
    const rec = await context(fx, { onJobHook: () => (pollsAtJob = emu.stats().polls) });
    const result = await callBackend(backend, req, rec.ctx);

    expect(rec.jobs).toHaveLength(1);
    expect(rec.jobs[0]!.id).toMatch(/^projects\/test-project\/locations\/us-central1\/publishers\/google\/models\/veo-3\.1-fast-generate-001\/operations\//);
    expect(rec.jobs[0]!.data).toMatchObject({ model: 'veo-3.1-fast-generate-001', staged: [] });
    expect(pollsAtJob).toBe(0);
    expect(result.jobId).toBe(rec.jobs[0]!.id);
    expect(result.file).toBe(req.outputPath);
    const probe = await probeVideo(req.outputPath, { countFrames: true });
    expect(probe).toMatchObject({ width: 80, height: 46, fps: 24, frames: 96 });
    expect(result).toMatchObject({ width: 80, height: 46, frames: 96, fps: 24, costUsd: 0.4 });
    // The emulator renders at 1/16 scale: the result reports the probed size, not the requested one.
    expect([result.width, result.height]).not.toEqual([req.width, req.height]);
    expect(rec.progress.at(-1)).toMatchObject({ fraction: 1 });
    expect(await readdir(dirname(req.outputPath))).toEqual(['clip.mp4']);

    expect(emu.stats()).toMatchObject({ submits: 1, uploads: 0, downloads: 0 });
    const submit = emu.requestsTo('POST', SUBMIT)[0]!;
    expect(submit.path).toBe('/v1/projects/test-project/locations/us-central1/publishers/google/models/veo-3.1-fast-generate-001:predictLongRunning');
    expect(submit.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const body = submitBody();
    expect(body.instances[0]).toMatchObject({ prompt: req.prompt, image: { mimeType: 'image/png' } });
    expect(body.instances[0]!['lastFrame']).toBeUndefined();
    expect(body.parameters).toMatchObject({ sampleCount: 1, durationSeconds: 4, aspectRatio: '16:9', resolution: '720p', seed: 7, generateAudio: false });
    expect(body.parameters['storageUri']).toBeUndefined();
    // Every poll went to :fetchPredictOperation with the full operation name.
    const polls = emu.requestsTo('POST', /:fetchPredictOperation$/);
    expect(polls.length).toBeGreaterThan(0);
    expect(polls[0]!.json).toEqual({ operationName: rec.jobs[0]!.id });
  });

  it('JPEG input: the MIME type sent matches the bytes (image/jpeg), fitted "contain" to 9:16 1080p', async () => {
    const backend = makeBackend(emu, { imageFormat: 'jpeg', fit: 'contain' });
    const req = await request(fx, { width: 1080, height: 1920, firstFrame: fx.square, durationSec: 6 });
    await callBackend(backend, req, (await context(fx)).ctx);
    const image = submitBody().instances[0]!['image'] as { mimeType: string; bytesBase64Encoded: string };
    expect(image.mimeType).toBe('image/jpeg');
    expect(Buffer.from(image.bytesBase64Encoded, 'base64').subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(submitBody().parameters).toMatchObject({ aspectRatio: '9:16', resolution: '1080p', durationSeconds: 6 });
  });

  it('text only (first segment without an image): no image in the request', async () => {
    const backend = makeBackend(emu);
    const req = await request(fx, { firstFrame: undefined });
    const result = await callBackend(backend, req, (await context(fx)).ctx);
    expect(result.frames).toBe(96);
    expect(submitBody().instances[0]).toEqual({ prompt: req.prompt });
  });

  it('keyframe (veo-3.1 first + last frame): both images as PNG, audio and negative prompt sent', async () => {
    const backend = makeBackend(emu, { model: 'veo-3.1-generate-001', generateAudio: true, negativePrompt: 'blur' });
    const req = await request(fx, { model: 'veo-3.1-generate-001', lastFrame: fx.last, durationSec: 8 });
    const result = await callBackend(backend, req, (await context(fx)).ctx);
    expect(result.frames).toBe(192);
    expect(result.costUsd).toBeCloseTo(8 * 0.4, 6);
    expect(submitBody().instances[0]).toMatchObject({ image: { mimeType: 'image/png' }, lastFrame: { mimeType: 'image/png' } });
    expect(submitBody().parameters).toMatchObject({ generateAudio: true, negativePrompt: 'blur', durationSeconds: 8 });
  });

  it('gs:// output: downloaded with storage, optionally deleted afterwards', async () => {
    const backend = makeBackend(emu, { outputGcsUri: 'gs://ttv-out/runs/', deleteOutputAfterDownload: true });
    const req = await request(fx);
    const result = await callBackend(backend, req, (await context(fx)).ctx);
    expect(result.frames).toBe(96);
    expect(submitBody().parameters['storageUri']).toBe('gs://ttv-out/runs/');
    expect(emu.stats()).toMatchObject({ submits: 1, downloads: 1, deletes: 1 });
    expect(emu.buckets.list('ttv-out', '')).toEqual([]);
  });

  it('large inputs are staged to GCS (gcsUri) and removed after the clip', async () => {
    const backend = makeBackend(emu, { inlineImageMaxBytes: 1000, stagingGcsUri: 'gs://ttv-stage/in' });
    const req = await request(fx, { model: 'veo-3.1-fast-generate-001', lastFrame: fx.last });
    await callBackend(backend, req, (await context(fx)).ctx);
    const inst = submitBody().instances[0]! as Record<string, { gcsUri?: string; mimeType?: string; bytesBase64Encoded?: string }>;
    expect(inst['image']).toMatchObject({ gcsUri: expect.stringMatching(/^gs:\/\/ttv-stage\/in\/ttv-.+-first-frame\.png$/), mimeType: 'image/png' });
    expect(inst['lastFrame']).toMatchObject({ gcsUri: expect.stringMatching(/-last-frame\.png$/), mimeType: 'image/png' });
    expect(inst['image']!.bytesBase64Encoded).toBeUndefined();
    expect(emu.stats()).toMatchObject({ uploads: 2, deletes: 2 });
    expect(emu.buckets.list('ttv-stage', '')).toEqual([]);
  });

  it('large inputs without a staging bucket are re-encoded as a JPEG that fits (labelled image/jpeg)', async () => {
    const backend = makeBackend(emu, { inlineImageMaxBytes: 60_000 });
    const req = await request(fx, { firstFrame: fx.last });
    await callBackend(backend, req, (await context(fx)).ctx);
    const image = submitBody().instances[0]!['image'] as { mimeType: string; bytesBase64Encoded: string };
    const bytes = Buffer.from(image.bytesBase64Encoded, 'base64');
    expect(image.mimeType).toBe('image/jpeg');
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(bytes.length).toBeLessThanOrEqual(60_000);
    expect(emu.stats().uploads).toBe(0);
  });

  it('express mode: API key header on the express routes, no Authorization', async () => {
    const backend = new VeoBackend(configSchema.parse({ auth: 'express', apiKey: API_KEY, baseUrl: emu.url, polling: { intervalMs: 5, jitter: 0 } }), {
      env: {},
    });
    const req = await request(fx);
    const rec = await context(fx);
    await callBackend(backend, req, rec.ctx);
    expect(rec.jobs[0]!.id).toMatch(/^publishers\/google\/models\/veo-3\.1-fast-generate-001\/operations\//);
    const submit = emu.requestsTo('POST', SUBMIT)[0]!;
    expect(submit.path).toBe('/v1/publishers/google/models/veo-3.1-fast-generate-001:predictLongRunning');
    expect(submit.headers['x-goog-api-key']).toBe(API_KEY);
    expect(submit.headers.authorization).toBeUndefined();
    expect(JSON.stringify(rec.jobs)).not.toContain(API_KEY);
  });
});

describe('error mapping', () => {
  it('RAI filtering → MODERATION with the reasons and support codes, not retried (1 submit), no file', async () => {
    emu.script.nextOperation({ raiFiltered: { count: 1, reasons: ["The video couldn't be generated. Support codes: 29310472"] } });
    const req = await request(fx);
    const e = await rejection(callBackend(makeBackend(emu), req, (await context(fx)).ctx));
    expect(e.code).toBe('MODERATION');
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('Support codes: 29310472');
    expect(e.details).toMatchObject({ supportCodes: ['29310472'], reasons: [expect.stringContaining('29310472')] });
    expect(e.fix).toMatch(/celebrity/);
    expect(emu.stats().submits).toBe(1);
    await noOutput(req.outputPath);
  });

  it('operation errors map by gRPC code', async () => {
    const cases: Array<[number, string, string, boolean]> = [
      [3, 'Unsupported input image.', 'INPUT_INVALID', false],
      [13, 'Video generation failed.', 'UNAVAILABLE', true],
      [14, 'Backend unavailable.', 'UNAVAILABLE', true],
      [8, 'Resource exhausted.', 'RATE_LIMITED', true],
      [4, 'Deadline exceeded.', 'TIMEOUT', true],
      [3, "The prompt violates Vertex AI's usage guidelines. Support codes: 58061214", 'MODERATION', false],
      [9, FRAME_INTERPOLATION_NOT_ALLOWLISTED, 'AUTH', false],
    ];
    const backend = makeBackend(emu);
    for (const [code, message, want, retryable] of cases) {
      emu.reset();
      emu.script.nextOperation({ error: { code, message } });
      const req = await request(fx);
      const e = await rejection(callBackend(backend, req, (await context(fx)).ctx));
      expect([code, e.code, e.retryable]).toEqual([code, want, retryable]);
      expect(e.message).toContain(message.slice(0, 20));
      expect(emu.stats().submits).toBe(1);
      await noOutput(req.outputPath);
      if (want === 'AUTH') expect(e.message).toMatch(/not allowlisted for frame interpolation \(lastFrame\) on veo-3\.1-fast-generate-001/);
      if (want === 'RATE_LIMITED') expect(e.retryAfterMs).toBeGreaterThan(0);
    }
  });

  it('429 RESOURCE_EXHAUSTED on submit → RATE_LIMITED with retryAfterMs, one request, no job', async () => {
    emu.faults.inject(veoFaults.quotaExceeded(1, 'veo-3.1-fast-generate'));
    const rec = await context(fx);
    const e = await rejection(callBackend(makeBackend(emu), await request(fx), rec.ctx));
    expect(e.code).toBe('RATE_LIMITED');
    expect(e.retryable).toBe(true);
    expect(e.retryAfterMs).toBeGreaterThan(0);
    expect(e.message).toMatch(/HTTP 429 RESOURCE_EXHAUSTED: Quota exceeded/);
    expect(emu.requestsTo('POST', SUBMIT)).toHaveLength(1);
    expect(rec.jobs).toHaveLength(0);
  });

  it('Retry-After of a 429 is honoured', async () => {
    emu.faults.inject({
      kind: 'status',
      status: 429,
      match: { method: 'POST', path: SUBMIT },
      headers: { 'retry-after': '12' },
      body: googleErrorBody(429, 'slow down'),
    });
    const e = await rejection(callBackend(makeBackend(emu), await request(fx), (await context(fx)).ctx));
    expect([e.code, e.retryAfterMs]).toEqual(['RATE_LIMITED', 12_000]);
  });

  it('403 PERMISSION_DENIED → AUTH saying which permission is missing; no secret in the error', async () => {
    emu.faults.inject(veoFaults.permissionDenied());
    const e = await rejection(callBackend(makeBackend(emu), await request(fx), (await context(fx)).ctx));
    expect(e.code).toBe('AUTH');
    expect(e.message).toMatch(/lack IAM permission aiplatform\.endpoints\.predict on project test-project in us-central1/);
    expect(e.fix).toMatch(/roles\/aiplatform\.user/);
    expect(JSON.stringify(e.toJSON()) + e.format()).not.toContain(TOKEN);
  });

  it('400 FAILED_PRECONDITION (not allowlisted) on submit → AUTH naming the missing access', async () => {
    emu.faults.inject({
      kind: 'status',
      status: 400,
      match: { method: 'POST', path: SUBMIT },
      body: googleErrorBody(400, FRAME_INTERPOLATION_NOT_ALLOWLISTED, 'FAILED_PRECONDITION'),
    });
    const e = await rejection(callBackend(makeBackend(emu), await request(fx, { lastFrame: fx.last }), (await context(fx)).ctx));
    expect(e.code).toBe('AUTH');
    expect(e.message).toMatch(/not allowlisted for frame interpolation/);
    expect(e.fix).toMatch(/veo-3\.1/);
  });

  it('a wrong express API key → AUTH, and the key never appears in the error', async () => {
    const wrong = 'AQ.wrong-express-key-9876543210';
    const backend = new VeoBackend(configSchema.parse({ apiKey: wrong, baseUrl: emu.url }), { env: {} });
    const e = await rejection(callBackend(backend, await request(fx), (await context(fx)).ctx));
    expect(e.code).toBe('AUTH');
    expect(e.message).toMatch(/API key is not valid/);
    expect(JSON.stringify(e.toJSON()) + e.format() + String(e.stack)).not.toContain(wrong);
  });

  it('an expired/invalid token (401) → AUTH', async () => {
    const backend = makeBackend(emu, { accessToken: 'ya29.expired-token-000000' });
    const e = await rejection(callBackend(backend, await request(fx), (await context(fx)).ctx));
    expect(e.code).toBe('AUTH');
    expect(e.fix).toMatch(/gcloud auth application-default login/);
  });

  it('5xx and connection resets on submit → UNAVAILABLE (retryable)', async () => {
    emu.faults.inject(veoFaults.serverError('submit', 503));
    let e = await rejection(callBackend(makeBackend(emu), await request(fx), (await context(fx)).ctx));
    expect([e.code, e.retryable]).toEqual(['UNAVAILABLE', true]);
    emu.faults.inject(veoFaults.connectionReset('submit'));
    e = await rejection(callBackend(makeBackend(emu), await request(fx), (await context(fx)).ctx));
    expect([e.code, e.retryable]).toEqual(['UNAVAILABLE', true]);
    expect(emu.operations()).toHaveLength(0);
  });

  it('transient poll failures are tolerated (the operation is not resubmitted)', async () => {
    emu.script.nextOperation({ pollsUntilDone: 2 });
    emu.faults.inject(veoFaults.serverError('poll', 503, 2), veoFaults.connectionReset('poll'));
    const result = await callBackend(makeBackend(emu), await request(fx), (await context(fx)).ctx);
    expect(result.frames).toBe(96);
    expect(emu.stats().submits).toBe(1);
    expect(emu.requestsTo('POST', /:fetchPredictOperation$/).length).toBe(5);
  });

  it('too many consecutive poll failures → UNAVAILABLE', async () => {
    emu.faults.inject(veoFaults.serverError('poll', 500, Infinity));
    const e = await rejection(callBackend(makeBackend(emu, { polling: { maxErrors: 3 } }), await request(fx), (await context(fx)).ctx));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.details).toMatchObject({ operation: expect.stringContaining('/operations/') });
    expect(emu.requestsTo('POST', /:fetchPredictOperation$/)).toHaveLength(3);
    expect(emu.stats().submits).toBe(1);
  });

  it('overall timeout → TIMEOUT, after polling with backoff, one submit', async () => {
    emu.script.nextOperation({ pollsUntilDone: 1_000_000 });
    const waits: number[] = [];
    const backend = makeBackend(emu, { polling: { intervalMs: 10, maxIntervalMs: 40, backoff: 2 }, timeouts: { operationMs: 300 } });
    const req = await request(fx);
    // A clock that moves only with the waits: the backoff sequence does not depend on how slow the machine is.
    let clock = 0;
    const sleep = async (ms: number, signal?: AbortSignal) => {
      waits.push(ms);
      clock += ms;
      await new Promise((r) => setTimeout(r, 1));
      signal?.throwIfAborted();
    };
    const rec = await context(fx, { sleep, now: () => clock });
    const e = await rejection(callBackend(backend, req, rec.ctx));
    expect(e.code).toBe('TIMEOUT');
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/did not finish within 0 s|did not finish within/);
    expect(waits.slice(0, 4)).toEqual([10, 20, 40, 40]);
    expect(waits.reduce((a, b) => a + b, 0)).toBe(300);
    expect(emu.stats().submits).toBe(1);
    await noOutput(req.outputPath);
    // No cancel at Veo: the operation is kept (re-attached by the next attempt) and booked at its estimate.
    expect([e.jobReusable, e.chargedUsd]).toEqual([true, 0.4]);
    expect(rec.jobs).toHaveLength(1);
  });

  it('truncated gs:// download is detected and retried; persistent truncation fails without a file', async () => {
    const backend = makeBackend(emu, { outputGcsUri: 'gs://ttv-out/t/' });
    emu.faults.inject(veoFaults.truncatedDownload(500));
    const ok = await callBackend(backend, await request(fx), (await context(fx)).ctx);
    expect(ok.frames).toBe(96);
    expect(emu.stats().downloads).toBe(2);

    emu.reset();
    emu.faults.inject(veoFaults.truncatedDownload(500, Infinity));
    const req = await request(fx);
    const e = await rejection(callBackend(backend, req, (await context(fx)).ctx));
    expect(e.code).toBe('UNAVAILABLE');
    expect(emu.stats()).toMatchObject({ submits: 1, downloads: 3 });
    // The operation succeeded and is paid: kept, so the next attempt downloads it again without a new submission.
    expect([e.jobReusable, e.chargedUsd]).toEqual([true, 0.4]);
    await noOutput(req.outputPath);
  });

  it('missing gs:// output object → GENERATION_FAILED naming the URI, no retry of the download', async () => {
    emu.script.nextOperation({ missingOutputObject: true });
    const req = await request(fx);
    const e = await rejection(callBackend(makeBackend(emu, { outputGcsUri: 'gs://ttv-out/m/' }), req, (await context(fx)).ctx));
    expect(e.code).toBe('GENERATION_FAILED');
    expect(e.message).toMatch(/gs:\/\/ttv-out\/m\/.+\/sample_0\.mp4 does not exist/);
    expect(emu.stats()).toMatchObject({ submits: 1, downloads: 0 });
    // Veo made (and billed) the video: booked, but the job is not kept, since its output can never be fetched.
    expect([e.chargedUsd, e.jobReusable]).toEqual([0.4, undefined]);
    await noOutput(req.outputPath);
  });

  it('missing credentials → AUTH before any request', async () => {
    const backend = new VeoBackend(configSchema.parse({ baseUrl: emu.url }), { env: {} });
    const e = await rejection(callBackend(backend, await request(fx), (await context(fx)).ctx));
    expect(e.code).toBe('AUTH');
    expect(e.fix).toMatch(/GOOGLE_CLOUD_PROJECT/);
    expect(emu.requests).toHaveLength(0);
  });
});

describe('abort and resume', () => {
  it('abort while polling → CANCELLED promptly, no file (Veo has no cancel: the operation runs on)', async () => {
    emu.script.nextOperation({ pollsUntilDone: 1_000_000 });
    const backend = makeBackend(emu, { polling: { intervalMs: 50, maxIntervalMs: 50 } });
    const req = await request(fx);
    const rec = await context(fx);
    const running = callBackend(backend, req, rec.ctx);
    while (emu.stats().polls < 2) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    rec.controller.abort();
    const e = await rejection(running);
    expect(e.code).toBe('CANCELLED');
    expect(Date.now() - t0).toBeLessThan(5000); // the operation never finishes: anything prompt passes, also on a loaded machine
    await noOutput(req.outputPath);
    expect(emu.operations()[0]!.done).toBe(false);
    // It runs on and bills: kept for the next run, booked at its estimate.
    expect([e.jobReusable, e.chargedUsd]).toEqual([true, 0.4]);
  });

  it('resume re-attaches by operation name and never submits a second operation', async () => {
    emu.script.nextOperation({ pollsUntilDone: 4 });
    const req = await request(fx);
    const first = await context(fx, { onJobHook: () => first.controller.abort() });
    expect((await rejection(callBackend(makeBackend(emu), req, first.ctx))).code).toBe('CANCELLED');
    expect(first.jobs).toHaveLength(1);
    const job = JSON.parse(JSON.stringify(first.jobs[0]));

    const second = await context(fx, { resumeJob: job });
    const result = await callBackend(makeBackend(emu), req, second.ctx);
    expect(result.jobId).toBe(job.id);
    expect(result.frames).toBe(96);
    expect(second.jobs).toHaveLength(0);
    expect(emu.stats().submits).toBe(1);
    expect(emu.requestsTo('POST', SUBMIT)).toHaveLength(1);
  });

  it('resume of an operation that no longer exists → retryable GENERATION_FAILED, still no submit', async () => {
    const name = 'projects/test-project/locations/us-central1/publishers/google/models/veo-3.1-fast-generate-001/operations/gone';
    const rec = await context(fx, { resumeJob: { id: name, data: { model: 'veo-3.1-fast-generate-001', staged: [], submittedAt: 0 } } });
    const e = await rejection(callBackend(makeBackend(emu), await request(fx), rec.ctx));
    expect([e.code, e.retryable]).toEqual(['GENERATION_FAILED', true]);
    expect(emu.stats().submits).toBe(0);
  });
});

describe('validate: refused before any request', () => {
  it('duration, last frame on 3.0, ratio, resolution, audio, prompt and images', async () => {
    const b31 = makeBackend(emu);
    const lite = makeBackend(emu, { model: 'veo-3.1-lite-generate-001' });
    const b30 = makeBackend(emu, { model: 'veo-3.0-generate-001' });
    const cases: Array<[VeoBackend, Parameters<typeof request>[1], string, RegExp]> = [
      [b31, { durationSec: 5 }, 'durationSec', /makes 4, 6, 8 s clips, not 5 s/],
      [b31, { durationSec: 10 }, 'durationSec', /not 10 s/],
      [b30, { model: 'veo-3.0-generate-001', lastFrame: fx.last }, 'lastFrame', /cannot end on a given last frame/],
      [b31, { width: 1024, height: 1024 }, 'resolution', /16:9 or 9:16 at 720p or 1080p/],
      [lite, { model: 'veo-3.1-lite-generate-001', width: 1920, height: 1080 }, 'resolution', /resolution 1080p is not available/],
      [makeBackend(emu, { aspectRatio: '9:16' }), {}, 'resolution', /aspect ratio 16:9 is not available/],
      [makeBackend(emu, { durationSeconds: 8 }), { durationSec: 4 }, 'durationSec', /makes 8 s clips/],
      [
        makeBackend(emu, { model: 'veo-3.1-generate-001', generateAudio: true }),
        { model: 'veo-2.0-generate-001', durationSec: 5 },
        'generateAudio',
        /no audio/,
      ],
      [b31, { model: 'veo-9' }, 'model', /no model "veo-9"/],
      [b31, { prompt: 'x'.repeat(4001) }, 'prompt', /over 4000/],
      [b31, { prompt: ' ', firstFrame: undefined }, 'prompt', /prompt or a first frame/],
      [b31, { firstFrame: `${fx.dir}/nope.png` }, 'firstFrame', /nope\.png/],
      [b31, { lastFrame: fx.last, firstFrame: undefined }, 'firstFrame', /last frame needs a first frame/],
      [b31, { seed: -1 }, 'seed', /seed/],
    ];
    for (const [backend, overrides, field, message] of cases) {
      const e = await rejection(backend.validate(await request(fx, overrides)));
      expect([e.code, e.field], JSON.stringify(overrides)).toEqual(['INPUT_INVALID', field]);
      expect(e.message).toMatch(message);
      expect(e.fix).toBeTruthy();
      // submit refuses the same way, before any request.
      const g = await rejection(callBackend(backend, await request(fx, overrides), (await context(fx)).ctx));
      expect(g.code).toBe('INPUT_INVALID');
    }
    expect(emu.requests).toHaveLength(0);
    await expect(b31.validate(await request(fx, { firstFrame: undefined }))).resolves.toBeUndefined();
    await expect(b30.validate(await request(fx, { model: 'veo-3.0-generate-001', width: 1920, height: 1080, durationSec: 6 }))).resolves.toBeUndefined();
  });
});
