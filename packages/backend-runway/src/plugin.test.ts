/** The plugin, its config section, the model table, error mapping and image preparation: offline. */
import { join } from 'node:path';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@runwayml/sdk';
import { describeBackend, isRemoteBackend, TtvError } from '@ttv/core';
import { registerSecret } from '@ttv/core/backend';
import { capabilityProblems, negotiate } from '@ttv/core/engine';
import { probeImage } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection, tempDir } from './helpers.fixture.js';
import { MAX_DATA_URI_BYTES, prepareImage } from './images.js';
import backendDefault, { backend } from './index.js';
import { createRunwayBackend, RunwayBackend } from './runway-backend.js';
import { configSchema, defaultConfig } from './runway-config.js';
import { mapSdkError, mapTaskFailure, retryAfterMs } from './runway-errors.js';
import { creditsFor, MODELS } from './runway-models.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => cleanup?.());

const apiError = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  APIError.generate(status, body as object, undefined, new Headers(headers));

describe('plugin', () => {
  it('exports the plugin as default and as `backend`, marks apiKey secret, describes offline', () => {
    expect(backendDefault).toBe(backend);
    expect(backend).toMatchObject({ specificationVersion: 2, name: 'runway', kind: 'remote', secretFields: ['apiKey'] });
    const info = backend.describe(defaultConfig);
    expect(info.defaultModel).toBe('gen4_turbo');
    expect(info.models.map((m) => m.id)).toEqual([
      'gen4_turbo',
      'gen4.5',
      'veo3.1_fast',
      'seedance2_mini',
      'veo3.1',
      'seedance2_5',
      'seedance2_fast',
      'seedance2',
    ]);
    for (const m of info.models) expect(capabilityProblems(m)).toEqual([]);
  });

  it('create reads RUNWAYML_API_SECRET from the context env; without one it still creates (AUTH comes at submit)', async () => {
    const withKey = await backend.create(defaultConfig, { configDir: dir, env: { RUNWAYML_API_SECRET: 'key_from_env_123' } });
    expect(withKey).toBeInstanceOf(RunwayBackend);
    expect(await withKey.doctor!().then((c) => c[0])).toMatchObject({ ok: true, detail: expect.stringContaining('RUNWAYML_API_SECRET') });
    const without = await backend.create(defaultConfig, { configDir: dir, env: {} });
    expect((await without.doctor!())[0]).toMatchObject({ ok: false });
  });
});

describe('config section', () => {
  it('is strict, has defaults, and documents every field', () => {
    expect(defaultConfig).toMatchObject({ model: 'gen4_turbo', fit: 'cover', imageUpload: 'auto', audio: false, concurrency: 1 });
    expect(defaultConfig.polling).toMatchObject({ intervalMs: 5000 });
    expect(configSchema.safeParse({ modle: 'gen4_turbo' }).success).toBe(false);
    const shape = configSchema as unknown as {
      def: { in?: { shape: Record<string, { description?: string }> } };
      shape?: Record<string, { description?: string }>;
    };
    const fields = shape.shape ?? shape.def.in?.shape ?? {};
    expect(Object.keys(fields).length).toBeGreaterThan(10);
    for (const [k, v] of Object.entries(fields)) expect(v.description, k).toBeTruthy();
  });

  it('polling and timeouts become the job policy core drives the tasks with; the backend speaks the job protocol', () => {
    const b = createRunwayBackend(
      configSchema.parse({
        polling: { intervalMs: 1000, maxIntervalMs: 9000, backoff: 2, jitter: 0.1, maxErrors: 3 },
        timeouts: { requestMs: 7000, taskMs: 600_000, downloadMs: 120_000 },
      }),
      { env: {} },
    );
    expect(b.jobPolicy).toEqual({
      intervalMs: 1000,
      maxIntervalMs: 9000,
      backoff: 2,
      jitter: 0.1,
      maxErrors: 3,
      timeoutMs: 600_000,
      requestTimeoutMs: 7000,
      downloadTimeoutMs: 120_000,
    });
    expect(createRunwayBackend(defaultConfig, { env: {} }).jobPolicy).toMatchObject({ intervalMs: 5000, maxIntervalMs: 20_000, timeoutMs: 1_800_000 });
    expect(isRemoteBackend(b)).toBe(true);
    expect(typeof b.cancel).toBe('function');
    expect('generate' in b).toBe(false);
  });

  it('refuses removed models, and a ratio or duration the configured model does not make', () => {
    expect(configSchema.safeParse({ model: 'gen3a_turbo' }).success).toBe(false);
    expect(configSchema.safeParse({ model: 'veo3' }).success).toBe(false);
    const r = configSchema.safeParse({ model: 'veo3.1', ratio: '960:960' });
    expect(r.success).toBe(false);
    expect(configSchema.safeParse({ model: 'veo3.1', duration: 5 }).success).toBe(false);
    expect(configSchema.safeParse({ model: 'veo3.1', duration: 6, ratio: '1080:1920' }).success).toBe(true);
    expect(configSchema.safeParse({ seed: -1 }).success).toBe(false);
    expect(configSchema.safeParse({ baseUrl: 'not a url' }).success).toBe(false);
  });

  it('ratio and duration narrow what the models advertise, so the engine negotiates to them', () => {
    const info = describeBackend(backend, configSchema.parse({ ratio: '720:1280', duration: 4 }));
    const gen4 = info.models.find((m) => m.id === 'gen4_turbo')!;
    expect(gen4.resolutions).toEqual([{ width: 720, height: 1280 }]);
    expect(gen4.durations).toEqual({ kind: 'discrete', values: [4] });
    const deal = negotiate({ name: 'runway', info }, { input: 'first-frame', prompt: 'p', durationSec: 5, width: 1920, height: 1080 });
    expect(deal).toMatchObject({ ok: true, durationSec: 4, width: 720, height: 1280 });
  });
});

describe('model table', () => {
  it('matches the reference: ratios as pixel sizes, durations, last-frame support, prices', () => {
    const info = describeBackend(backend, defaultConfig);
    const by = Object.fromEntries(info.models.map((m) => [m.id, m]));
    expect(by['gen4_turbo']!.inputs).toEqual(['first-frame']);
    expect(by['gen4.5']!.inputs).toEqual(['first-frame']);
    expect(by['veo3.1']!.inputs).toEqual(['first-frame', 'first-last-frame']);
    expect(by['veo3.1_fast']!.durations).toEqual({ kind: 'discrete', values: [4, 6, 8] });
    expect(by['gen4_turbo']!.resolutions).toContainEqual({ width: 1584, height: 672 });
    expect(by['veo3.1']!.resolutions).toContainEqual({ width: 1920, height: 1080 });
    expect(by['veo3.1']!.resolutions).not.toContainEqual({ width: 960, height: 960 });
    expect(info.models.filter((m) => m.maxPromptLength === 1000).map((m) => m.id)).toEqual(['gen4_turbo', 'gen4.5', 'veo3.1_fast', 'veo3.1']);
    expect(info.models.every((m) => m.fps === 24)).toBe(true);
    expect(by['gen4_turbo']!.usdPerSecond).toBeCloseTo(0.05);
    expect(by['gen4.5']!.usdPerSecond).toBeCloseTo(0.12);
    expect(by['veo3.1']!.usdPerSecond).toBeCloseTo(0.2);
    expect(by['veo3.1_fast']!.usdPerSecond).toBeCloseTo(0.1);
    expect(describeBackend(backend, configSchema.parse({ audio: true })).models.find((m) => m.id === 'veo3.1')!.usdPerSecond).toBeCloseTo(0.4);
  });

  it('Seedance rows: text, first and first+last frame; references (any role) and reference audio only from text; sound at no extra price', () => {
    const info = describeBackend(backend, defaultConfig);
    const by = Object.fromEntries(info.models.map((m) => [m.id, m]));
    for (const id of ['seedance2', 'seedance2_fast', 'seedance2_mini', 'seedance2_5']) {
      expect(by[id], id).toMatchObject({
        inputs: ['text', 'first-frame', 'first-last-frame'],
        audio: true,
        referenceAudio: { inputs: ['text'], withReferences: true },
      });
      expect(by[id]!.references, id).toEqual({ max: id === 'seedance2_5' ? 30 : 9, inputs: ['text'] });
      expect(by[id]!.resolutions, id).not.toContainEqual({ width: 864, height: 496 }); // delivered as 854x480
    }
    expect(by['seedance2']!.durations).toEqual({ kind: 'range', min: 5, max: 15, step: 1 });
    expect(by['seedance2_5']!.durations).toEqual({ kind: 'range', min: 4, max: 30, step: 1 });
    expect(by['seedance2']!.resolutions).toContainEqual({ width: 1920, height: 1080 });
    expect(by['seedance2_fast']!.resolutions).not.toContainEqual({ width: 1920, height: 1080 });
    expect([by['seedance2']!.maxPromptLength, by['seedance2_5']!.maxPromptLength]).toEqual([3500, 15_000]);
    for (const id of ['gen4_turbo', 'gen4.5', 'veo3.1']) expect([by[id]!.references, by[id]!.referenceAudio], id).toEqual([undefined, undefined]);
    // Shown at the dearest size offered; sound does not change a Seedance price.
    expect(by['seedance2']!.usdPerSecond).toBeCloseTo(0.4);
    expect(describeBackend(backend, configSchema.parse({ audio: true })).models.find((m) => m.id === 'seedance2_mini')!.usdPerSecond).toBeCloseTo(0.16);
    // Every row says when it was checked and against what.
    for (const m of Object.values(MODELS)) expect([m.checked, m.source.length > 10], m.id).toEqual([expect.stringMatching(/^2026-\d\d-\d\d$/), true]);
  });

  it('estimateCost prices Seedance by size tier, with the minimum charge of seedance2_5, and Veo sound per request', () => {
    const b = createRunwayBackend(defaultConfig, { env: {} });
    const req = { model: 'seedance2', prompt: 'p', durationSec: 5, width: 1280, height: 720, outputPath: '/x.mp4' };
    expect(b.estimateCost(req)).toEqual({ usd: 1.8, basis: 'seedance2: 36 credits/s × 5 s × $0.01' });
    expect(b.estimateCost({ ...req, width: 1920, height: 1080 }).usd).toBeCloseTo(2.0);
    expect(b.estimateCost({ ...req, generateAudio: true }).usd).toBeCloseTo(1.8);
    expect(b.estimateCost({ ...req, model: 'seedance2_mini', width: 640, height: 640 }).usd).toBeCloseTo(0.8);
    expect(b.estimateCost({ ...req, model: 'seedance2_fast' }).usd).toBeCloseTo(1.45);
    expect(b.estimateCost({ ...req, model: 'seedance2_5', durationSec: 10 }).usd).toBeCloseTo(3.0);
    expect(b.estimateCost({ ...req, model: 'seedance2_5', durationSec: 4, width: 992, height: 432 }).usd).toBeCloseTo(0.8);
    // The documented minimum of 80 credits (not reached at 4 s and up, but kept should the shortest clip shrink).
    expect(creditsFor(MODELS['seedance2_5'], 3, false, '992:432')).toBe(80);
    expect(b.estimateCost({ ...req, model: 'veo3.1', durationSec: 8, generateAudio: true }).usd).toBeCloseTo(3.2);
    expect(b.estimateCost({ ...req, model: 'veo3.1', durationSec: 8, generateAudio: false }).usd).toBeCloseTo(1.6);
  });

  it('references: negotiation sends them to Seedance from text, and leaves them out (said) for gen4_turbo and with a first frame', () => {
    const info = describeBackend(backend, configSchema.parse({ model: 'seedance2_fast' }));
    const refs = [
      { name: 'Mara', role: 'character' as const, required: false },
      { name: 'Harbour', role: 'place' as const, required: false },
    ];
    const needs = { prompt: 'p', durationSec: 5, width: 1280, height: 720, references: refs };
    expect(negotiate({ name: 'runway', info }, { ...needs, input: 'text' })).toMatchObject({ ok: true, references: [0, 1], warnings: [] });
    const chained = negotiate({ name: 'runway', info }, { ...needs, input: 'first-frame' });
    expect(chained).toMatchObject({ ok: true, references: [] });
    expect(chained.ok && chained.warnings[0]!.message).toMatch(/only with text input, not first-frame/);
    const gen4 = negotiate({ name: 'runway', info: describeBackend(backend, defaultConfig) }, { ...needs, input: 'first-frame' });
    expect(gen4.ok && [gen4.model.id, gen4.references, gen4.warnings[0]!.message]).toEqual(['gen4_turbo', [], expect.stringMatching(/takes 0 reference/)]);
  });

  it('keyframe mode picks the cheapest model with a last frame when the configured one has none', () => {
    const deal = negotiate(
      { name: 'runway', info: describeBackend(backend, defaultConfig) },
      { input: 'first-last-frame', prompt: 'p', durationSec: 5, width: 1280, height: 720 },
    );
    expect(deal).toMatchObject({ ok: true, durationSec: 6 });
    expect(deal.ok && deal.model.id).toBe('veo3.1_fast');
  });

  it('estimateCost: credits/s × seconds × $0.01, deterministic and offline', () => {
    const b = createRunwayBackend(defaultConfig, { env: {} });
    const req = { model: 'gen4.5', prompt: 'p', durationSec: 5, width: 1280, height: 720, outputPath: '/x.mp4' };
    expect(b.estimateCost(req)).toEqual({ usd: 0.6, basis: 'gen4.5: 12 credits/s × 5 s × $0.01' });
    expect(b.estimateCost({ ...req, model: 'veo3.1', durationSec: 8 }).usd).toBeCloseTo(1.6);
    const withAudio = createRunwayBackend(configSchema.parse({ audio: true }), { env: {} });
    expect(withAudio.estimateCost({ ...req, model: 'veo3.1_fast', durationSec: 8 }).usd).toBeCloseTo(1.2);
    expect(withAudio.estimateCost({ ...req, model: 'gen4_turbo', durationSec: 10 }).usd).toBeCloseTo(0.5);
    expect(MODELS['gen4_turbo'].creditsPerSecond).toBe(5);
  });
});

describe('error mapping', () => {
  it('maps the SDK error classes', () => {
    expect(mapSdkError(apiError(401, { error: 'bad key' }), 'create').code).toBe('AUTH');
    expect(mapSdkError(apiError(403, { error: 'nope' }), 'create').code).toBe('AUTH');
    const quota = mapSdkError(apiError(429, { error: 'Your daily task limit has been reached.' }, { 'retry-after': '60' }), 'create');
    expect(quota).toMatchObject({ code: 'QUOTA', retryable: false, retryAfterMs: 60_000 });
    expect(mapSdkError(apiError(429, { error: 'Too many' }, { 'retry-after-ms': '250' }), 'create')).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 250 });
    expect(mapSdkError(apiError(400, { error: "Invalid parameter 'ratio'" }), 'create')).toMatchObject({ code: 'INPUT_INVALID', field: 'ratio' });
    expect(mapSdkError(apiError(400, { error: 'promptImage: Unsupported Content-Type response header' }), 'create')).toMatchObject({ field: 'promptImage' });
    expect(mapSdkError(apiError(422, { error: 'x' }), 'create').code).toBe('INPUT_INVALID');
    expect(mapSdkError(apiError(500, { error: 'x' }), 'poll')).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(mapSdkError(apiError(503, { error: 'x' }), 'poll').code).toBe('UNAVAILABLE');
    expect(mapSdkError(apiError(409, { error: 'x' }), 'poll').code).toBe('UNAVAILABLE');
    expect(mapSdkError(new APIConnectionTimeoutError({}), 'poll').code).toBe('TIMEOUT');
    expect(mapSdkError(new APIConnectionError({ message: 'ECONNRESET' }), 'poll').code).toBe('UNAVAILABLE');
    expect(mapSdkError(new APIUserAbortError(), 'poll').code).toBe('CANCELLED');
    const aborted = new AbortController();
    aborted.abort();
    expect(mapSdkError(apiError(500, {}), 'poll', aborted.signal).code).toBe('CANCELLED');
  });

  it('Retry-After: milliseconds, seconds or an HTTP date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '10', 'retry-after': '5' }))).toBe(10);
    expect(retryAfterMs(new Headers({ 'retry-after': '2.5' }))).toBe(2500);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(100_000 + 7000).toUTCString() }), 100_000)).toBe(7000);
    expect(retryAfterMs(new Headers({}))).toBeUndefined();
  });

  it('maps failure codes by prefix; unknown codes are not retried', () => {
    const f = (failureCode: string | undefined) => mapTaskFailure({ id: 't', failure: 'why', ...(failureCode ? { failureCode } : {}) }, 0);
    expect(f('SAFETY.INPUT.TEXT')).toMatchObject({ code: 'MODERATION', retryable: false });
    expect(f('INPUT_PREPROCESSING.SAFETY.TEXT').code).toBe('MODERATION');
    expect(f('INPUT_PREPROCESSING.INTERNAL')).toMatchObject({ code: 'GENERATION_FAILED', retryable: true });
    expect(f('INTERNAL.BAD_OUTPUT.CODE01')).toMatchObject({ code: 'GENERATION_FAILED', retryable: true });
    expect(f('INTERNAL')).toMatchObject({ code: 'GENERATION_FAILED', retryable: true });
    expect(f('ASSET.INVALID').code).toBe('INPUT_INVALID');
    expect(f('SOMETHING.NEW')).toMatchObject({ code: 'GENERATION_FAILED', retryable: false });
    expect(f(undefined)).toMatchObject({ code: 'GENERATION_FAILED', retryable: false });
    expect(mapTaskFailure({ id: 't', failureCode: 'INTERNAL' }, 0.25).chargedUsd).toBe(0.25);
  });

  it('redacts registered secrets from API messages', () => {
    registerSecret('key_supersecret_value');
    const e = mapSdkError(apiError(400, { error: 'bad header Bearer key_supersecret_value' }), 'create');
    expect(e.message).not.toContain('key_supersecret_value');
    expect(TtvError.is(e)).toBe(true);
  });
});

describe('image preparation', () => {
  it('fits to the exact ratio size (cover and contain) as PNG inline', async () => {
    const src = join(dir, 'src.png');
    await makeTestImage(src, { width: 400, height: 300 });
    for (const fit of ['cover', 'contain'] as const) {
      const img = await prepareImage(src, { width: 1280, height: 720, fit, mode: 'auto', workDir: dir, name: `f-${fit}`, upload: async () => 'unused' });
      expect(img).toMatchObject({ via: 'inline', mimeType: 'image/png', width: 1280, height: 720 });
      expect(img.uri.startsWith('data:image/png;base64,')).toBe(true);
      expect(await probeImage(img.file)).toMatchObject({ width: 1280, height: 720, format: 'png' });
    }
  });

  it('re-encodes as a smaller JPEG (right MIME type) when the PNG data URI would pass the limit', async () => {
    const src = join(dir, 'noisy.png');
    await makeTestImage(src, { width: 640, height: 360, pattern: 'mandelbrot' });
    const limit = 60_000;
    const img = await prepareImage(src, {
      width: 1280,
      height: 720,
      fit: 'cover',
      mode: 'inline',
      workDir: dir,
      name: 'big',
      upload: async () => 'unused',
      maxDataUriBytes: limit,
    });
    expect(img.mimeType).toBe('image/jpeg');
    expect(img.uri.startsWith('data:image/jpeg;base64,')).toBe(true);
    expect(img.uri.length).toBeLessThanOrEqual(limit);
    expect(MAX_DATA_URI_BYTES).toBe(5 * 1024 * 1024);
  });

  it('uploads instead (auto) when even a tiny JPEG cannot fit; inline mode refuses', async () => {
    const src = join(dir, 'noisy2.png');
    await makeTestImage(src, { width: 320, height: 180, pattern: 'mandelbrot' });
    const uploads: string[] = [];
    const opts = {
      width: 1280,
      height: 720,
      fit: 'cover' as const,
      workDir: dir,
      maxDataUriBytes: 200,
      upload: async (_file: string, name: string, type: string) => {
        uploads.push(`${name}:${type}`);
        return 'runway://ephemeral/x';
      },
    };
    const img = await prepareImage(src, { ...opts, mode: 'auto', name: 'tiny' });
    expect(img).toMatchObject({ via: 'ephemeral', uri: 'runway://ephemeral/x', mimeType: 'image/png' });
    expect(uploads).toEqual(['tiny.png:image/png']);
    expect((await rejection(prepareImage(src, { ...opts, mode: 'inline', name: 'tiny2' }))).code).toBe('INPUT_INVALID');
  });
});
