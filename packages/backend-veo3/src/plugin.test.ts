/** Offline tests: plugin shape, config section, model table, cost, auth resolution, error mapping, doctor. */
import { join } from 'node:path';
import { isRemoteBackend } from '@ttv/core';
import { redact, registerSecret } from '@ttv/core/backend';
import { capabilityProblems } from '@ttv/core/engine';
import { startVeoEmulator } from '@ttv/testkit';
import { describe, expect, it } from 'vitest';
import { resolveAuth, vertexBaseUrl } from './auth.js';
import backendDefault, { backend } from './index.js';
import { clearGoogleEnv, TOKEN } from './test-helpers.fixture.js';
import { modelOfOperation, VeoBackend } from './veo3-backend.js';
import { configSchema, defaultConfig } from './veo3-config.js';
import { fromHttp, fromOperationError, parseGoogleError } from './veo3-errors.js';
import { MODELS, pixelSize, veoFormatOf } from './veo3-models.js';

clearGoogleEnv();

const req = { model: 'veo-3.1-fast-generate-001', prompt: 'p', durationSec: 8, width: 1280, height: 720, outputPath: '/tmp/x.mp4' };
const scope = { action: 'submitting', model: 'veo-3.1-generate-001', project: 'p1', location: 'us-central1', secrets: ['sekret-value'] };

describe('plugin and config', () => {
  it('exports the plugin (default and named) with secret fields and a static description', () => {
    expect(backendDefault).toBe(backend);
    expect(backend).toMatchObject({ specificationVersion: 2, name: 'veo3', kind: 'remote', secretFields: ['apiKey', 'accessToken'] });
    const info = backend.describe(defaultConfig);
    expect(info.defaultModel).toBe('veo-3.1-fast-generate-001');
    expect(info.models).toHaveLength(1);
    expect(capabilityProblems(info.models[0]!)).toEqual([]);
    expect(info.models[0]).toMatchObject({
      inputs: ['text', 'first-frame', 'first-last-frame', 'extend'],
      references: { max: 3, roles: ['character', 'place'] },
      audio: true,
      durations: { kind: 'discrete', values: [4, 6, 8] },
      fps: 24,
      usdPerSecond: 0.1,
      resolutions: [
        { width: 1280, height: 720 },
        { width: 1920, height: 1080 },
        { width: 720, height: 1280 },
        { width: 1080, height: 1920 },
      ],
    });
  });

  it('describes each model from the table; config narrows ratio, resolution, duration and prices', () => {
    const d30 = backend.describe(configSchema.parse({ model: 'veo-3.0-generate-001' })).models[0]!;
    expect(d30.inputs).toEqual(['text', 'first-frame']);
    expect(d30.references).toBeUndefined();
    const lite = backend.describe(configSchema.parse({ model: 'veo-3.1-lite-generate-001' })).models[0]!;
    expect([lite.inputs, lite.references]).toEqual([['text', 'first-frame', 'first-last-frame', 'extend'], undefined]);
    // Every row of the model table says when it was checked.
    for (const m of Object.values(MODELS)) expect(m.checked).toMatch(/^20\d\d-\d\d-\d\d$/);
    const fast30 = backend.describe(configSchema.parse({ model: 'veo-3.0-fast-generate-001' })).models[0]!;
    expect(fast30.durations).toEqual({ kind: 'discrete', values: [8] });
    const v2 = backend.describe(configSchema.parse({ model: 'veo-2.0-generate-001' })).models[0]!;
    expect(v2).toMatchObject({ durations: { values: [5, 6, 7, 8] }, audio: false });
    expect(v2.resolutions).toEqual([
      { width: 1280, height: 720 },
      { width: 720, height: 1280 },
    ]);
    const narrowed = backend.describe(configSchema.parse({ aspectRatio: '9:16', resolution: '1080p', durationSeconds: 6, generateAudio: true })).models[0]!;
    expect(narrowed).toMatchObject({ resolutions: [{ width: 1080, height: 1920 }], durations: { values: [6] }, audio: true, usdPerSecond: 0.15 });
    expect(backend.describe(configSchema.parse({ price: { usdPerSecond: 0.07 } })).models[0]!.usdPerSecond).toBe(0.07);
  });

  it('config is strict, with refinements per model', () => {
    expect(configSchema.safeParse({ modle: 'x' }).success).toBe(false);
    expect(configSchema.safeParse({ model: 'veo-3.1-generate-preview' }).success).toBe(false);
    const issues = (input: unknown) => configSchema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues({ model: 'veo-3.0-fast-generate-001', durationSeconds: 4 })).toEqual(['durationSeconds: veo-3.0-fast-generate-001 makes 8 s clips, not 4 s']);
    expect(issues({ model: 'veo-3.1-lite-generate-001', resolution: '1080p' })[0]).toMatch(/^resolution: .*makes 720p/);
    expect(issues({ model: 'veo-2.0-generate-001', generateAudio: true })[0]).toMatch(/^generateAudio: .*no audio/);
    expect(issues({ auth: 'service-account' })[0]).toMatch(/^keyFile:/);
    expect(issues({ auth: 'access-token' })[0]).toMatch(/^accessToken:/);
    expect(issues({ outputGcsUri: 'https://bucket/x' })[0]).toMatch(/^outputGcsUri: must be a gs:\/\//);
    expect(configSchema.parse({ outputGcsUri: 'gs://my-bucket/ttv/' }).outputGcsUri).toBe('gs://my-bucket/ttv/');
    // Every field is documented (ttv config docs are generated from .describe()).
    const shape = (
      configSchema as unknown as {
        _zod: { def: { in?: { shape: Record<string, { description?: string }> }; shape?: Record<string, { description?: string }> } };
      }
    )._zod.def;
    const fields = shape.shape ?? shape.in?.shape ?? {};
    for (const [k, v] of Object.entries(fields)) expect(v.description, k).toBeTruthy();
  });

  it('pixel sizes and formats', () => {
    expect(pixelSize('16:9', '720p')).toEqual({ width: 1280, height: 720 });
    expect(pixelSize('9:16', '1080p')).toEqual({ width: 1080, height: 1920 });
    expect(veoFormatOf(720, 1280)).toEqual({ aspectRatio: '9:16', resolution: '720p' });
    expect(veoFormatOf(1024, 1024)).toBeUndefined();
  });
});

describe('cost', () => {
  const make = (input: Parameters<typeof configSchema.parse>[0] = {}) => new VeoBackend(configSchema.parse(input), { env: {} });
  it('duration × rate (audio doubles the standard rate), offline and deterministic', () => {
    expect(make().estimateCost(req)).toEqual({ usd: 0.8, basis: '8 s × $0.1/s (veo-3.1-fast-generate-001, no audio) × 1 video' });
    expect(make({ model: 'veo-3.1-generate-001', generateAudio: true }).estimateCost({ ...req, model: 'veo-3.1-generate-001' }).usd).toBeCloseTo(3.2, 9);
    expect(make({ model: 'veo-3.1-generate-001' }).estimateCost({ ...req, model: 'veo-3.1-generate-001', durationSec: 4 }).usd).toBeCloseTo(0.8, 9);
    expect(make({ model: 'veo-2.0-generate-001' }).estimateCost({ ...req, model: 'veo-2.0-generate-001', durationSec: 5 }).usd).toBeCloseTo(2.5, 9);
  });
  it('the price override applies to the configured model', () => {
    const b = make({ price: { usdPerSecond: 0.12, usdPerSecondWithAudio: 0.3 } });
    expect(b.estimateCost(req).usd).toBeCloseTo(0.96, 9);
    expect(make({ generateAudio: true, price: { usdPerSecondWithAudio: 0.3 } }).estimateCost(req).usd).toBeCloseTo(2.4, 9);
    expect(b.estimateCost({ ...req, model: 'veo-3.0-generate-001' }).usd).toBeCloseTo(1.6, 9);
  });
  it('an extension bills the 7 s Veo adds, whatever it keeps; sound asked by the request is priced with audio; references cost nothing', () => {
    const extension = { ...req, durationSec: 4, inputVideo: '/runs/x/segments/seg-000.mp4' };
    expect(make().estimateCost(extension)).toEqual({ usd: 0.7, basis: '7 s × $0.1/s (veo-3.1-fast-generate-001, no audio, an extension of 7 s) × 1 video' });
    expect(make().estimateCost({ ...extension, generateAudio: true }).usd).toBeCloseTo(7 * 0.15, 9);
    expect(make({ generateAudio: true }).estimateCost({ ...req, generateAudio: false }).usd).toBeCloseTo(0.8, 9);
    const refs = [{ path: '/cast/mara.png', role: 'character' as const, name: 'Mara' }];
    expect(make().estimateCost({ ...req, references: refs }).usd).toBe(make().estimateCost(req).usd);
  });
  it('every model has a price', () => {
    for (const m of Object.values(MODELS)) expect(m.usdPerSecond).toBeGreaterThan(0);
  });
});

describe('auth resolution (pure)', () => {
  const parse = (input: Parameters<typeof configSchema.parse>[0] = {}) => configSchema.parse(input);
  it('auto: key file → service-account, apiKey → express, project → adc, GOOGLE_API_KEY → express', () => {
    expect(resolveAuth(parse({ keyFile: 'sa.json', project: 'p' }), {}, '/cfg')).toMatchObject({
      mode: 'service-account',
      keyFile: '/cfg/sa.json',
      project: 'p',
    });
    expect(resolveAuth(parse({ apiKey: 'k-12345' }), { GOOGLE_CLOUD_PROJECT: 'envp' }, '/cfg')).toMatchObject({ mode: 'express', apiKey: 'k-12345' });
    expect(resolveAuth(parse(), { GOOGLE_CLOUD_PROJECT: 'envp', GOOGLE_API_KEY: 'envk' }, '/cfg')).toMatchObject({ mode: 'adc', project: 'envp' });
    expect(resolveAuth(parse(), { GOOGLE_API_KEY: 'envk' }, '/cfg')).toMatchObject({ mode: 'express', apiKey: 'envk' });
    expect(resolveAuth(parse(), {}, '/cfg')).toMatchObject({ mode: 'adc', project: undefined });
    expect(resolveAuth(parse({ auth: 'adc', project: 'p', apiKey: 'ignored-key' }), {}, '/cfg')).toMatchObject({ mode: 'adc', project: 'p' });
  });
  it('endpoints: regional for projects, global for express and location global, override wins', () => {
    const c = parse({ location: 'europe-west4' });
    expect(vertexBaseUrl(c, resolveAuth(c, { GOOGLE_CLOUD_PROJECT: 'p' }, '/'))).toBe('https://europe-west4-aiplatform.googleapis.com');
    expect(vertexBaseUrl(c, resolveAuth(c, { GOOGLE_API_KEY: 'k' }, '/'))).toBe('https://aiplatform.googleapis.com');
    const g = parse({ location: 'global', project: 'p' });
    expect(vertexBaseUrl(g, resolveAuth(g, {}, '/'))).toBe('https://aiplatform.googleapis.com');
    const o = parse({ baseUrl: 'http://127.0.0.1:9/', project: 'p' });
    expect(vertexBaseUrl(o, resolveAuth(o, {}, '/'))).toBe('http://127.0.0.1:9');
  });
  it('create() does no I/O and registers secrets with the core redactor', async () => {
    const b = await backend.create(configSchema.parse({ apiKey: 'express-secret-abcdef' }), { configDir: '/nowhere', env: {} });
    expect(b).toBeInstanceOf(VeoBackend);
    expect(redact('key=express-secret-abcdef')).not.toContain('express-secret-abcdef');
    registerSecret(undefined);
  });
  it('create() builds a job-protocol backend: submit/status/release, no cancel, jobPolicy from the config section', async () => {
    const b = await backend.create(
      configSchema.parse({
        project: 'p',
        polling: { intervalMs: 1000, maxIntervalMs: 4000, backoff: 2, jitter: 0.3, maxErrors: 2 },
        timeouts: { requestMs: 5000, operationMs: 60_000, downloadMs: 7000 },
        downloadAttempts: 5,
      }),
      { configDir: '/nowhere', env: {} },
    );
    expect(isRemoteBackend(b)).toBe(true);
    if (!isRemoteBackend(b)) return;
    // Veo operations cannot be cancelled: core keeps an interrupted one and re-attaches to it.
    expect(b.cancel).toBeUndefined();
    expect(typeof b.release).toBe('function');
    expect(b.jobPolicy).toEqual({
      intervalMs: 1000,
      maxIntervalMs: 4000,
      backoff: 2,
      jitter: 0.3,
      maxErrors: 2,
      timeoutMs: 60_000,
      requestTimeoutMs: 5000,
      downloadTimeoutMs: 7000,
      downloadAttempts: 5,
    });
  });
});

describe('error mapping (units)', () => {
  it('parses the JSON genai puts into ApiError messages', () => {
    expect(parseGoogleError('{"error":{"code":429,"message":"m","status":"RESOURCE_EXHAUSTED"}}')).toEqual({
      code: 429,
      message: 'm',
      status: 'RESOURCE_EXHAUSTED',
    });
    expect(parseGoogleError('got status: 500. {"error":{"code":500}}')).toEqual({ code: 500 });
    expect(parseGoogleError('plain')).toBeUndefined();
  });

  it('HTTP statuses', () => {
    const http = (status: number, message: string, grpc?: string) =>
      fromHttp(status, { code: status, message, ...(grpc ? { status: grpc } : {}) }, message, scope);
    expect(http(429, 'Quota exceeded').code).toBe('RATE_LIMITED');
    expect(http(401, 'bad token').code).toBe('AUTH');
    expect(http(403, "Permission 'aiplatform.endpoints.predict' denied on resource").message).toMatch(
      /lack IAM permission aiplatform\.endpoints\.predict on project p1 in us-central1/,
    );
    expect(http(403, 'Vertex AI API has not been used in project 123 before or it is disabled. SERVICE_DISABLED').message).toMatch(
      /aiplatform\.googleapis\.com\) is not enabled/,
    );
    expect(http(403, 'personGeneration allow_all is an allowlisted feature.').fix).toMatch(/allow_adult/);
    expect(http(400, 'Frame interpolation is not allowlisted for project', 'FAILED_PRECONDITION').code).toBe('AUTH');
    expect(http(400, 'Unsupported output video duration 5 seconds', 'INVALID_ARGUMENT').code).toBe('INPUT_INVALID');
    expect(http(404, 'Publisher Model `x` was not found or your project does not have access to it.').message).toMatch(/has no access to model/);
    expect([http(500, 'x').code, http(503, 'x').code, http(504, 'x', 'DEADLINE_EXCEEDED').code]).toEqual(['UNAVAILABLE', 'UNAVAILABLE', 'TIMEOUT']);
    const e = fromHttp(403, { message: 'API key not valid: sekret-value' }, '', { ...scope, express: true });
    expect(e.message).not.toContain('sekret-value');
    expect(e.message).toContain('API key is not valid');
  });

  it('operation errors', () => {
    expect(fromOperationError({ code: 7, message: "Permission 'storage.objects.create' denied on bucket out" }, scope).message).toMatch(
      /Cloud Storage permission storage\.objects\.create/,
    );
    expect(fromOperationError({ code: 16, message: 'unauthenticated' }, scope).code).toBe('AUTH');
    expect(fromOperationError({ code: 2, message: 'unknown' }, scope).code).toBe('GENERATION_FAILED');
    expect(fromOperationError({ code: 9, message: 'precondition' }, scope).code).toBe('GENERATION_FAILED');
    expect(fromOperationError({ code: 11, message: 'out of range' }, scope).code).toBe('INPUT_INVALID');
  });

  it('operation names carry the model', () => {
    expect(modelOfOperation('projects/p/locations/l/publishers/google/models/veo-3.1-generate-001/operations/abc')).toBe('veo-3.1-generate-001');
    expect(modelOfOperation('publishers/google/models/veo-2.0-generate-001/operations/x')).toBe('veo-2.0-generate-001');
  });
});

describe('doctor', () => {
  it('reports project, buckets and ffprobe against the emulator; missing config is explained', async () => {
    const emu = await startVeoEmulator({ accessToken: TOKEN });
    try {
      emu.buckets.putUri('gs://ttv-out/keep', Buffer.from('x'));
      const ok = new VeoBackend(
        configSchema.parse({
          auth: 'access-token',
          accessToken: TOKEN,
          project: 'p',
          baseUrl: emu.url,
          storageEndpoint: emu.url,
          outputGcsUri: 'gs://ttv-out/x/',
          stagingGcsUri: 'gs://nope/x/',
        }),
        { env: {} },
      );
      const checks = await ok.doctor();
      expect(checks.map((c) => [c.name, c.ok])).toEqual([
        ['project', true],
        ['outputGcsUri', true],
        ['stagingGcsUri', false],
        ['ffprobe', true],
      ]);
      expect(checks[2]!.fix).toMatch(/gcloud storage buckets create gs:\/\/nope/);
      expect(JSON.stringify(checks)).not.toContain(TOKEN);
    } finally {
      await emu.close();
    }
    const none = await new VeoBackend(configSchema.parse({}), { env: {} }).doctor();
    expect(none[0]).toMatchObject({ name: 'project', ok: false, fix: expect.stringMatching(/GOOGLE_CLOUD_PROJECT/) });
    const express = await new VeoBackend(configSchema.parse({ auth: 'express' }), { env: {} }).doctor();
    expect(express[0]).toMatchObject({ name: 'auth', ok: false });
    const keyFile = await new VeoBackend(configSchema.parse({ keyFile: join(import.meta.dirname, 'missing.json'), project: 'p' }), { env: {} }).doctor();
    expect(keyFile.find((c) => c.name === 'key file')).toMatchObject({ ok: false, detail: expect.stringMatching(/ENOENT/) });
  });
});
