// The Runway image generator against the emulator, through the real @runwayml/sdk: what is sent (models, ratios,
// tags, references), what is paid (emulator credits, request counts), the exact size with crop or pad, and the
// faults (moderation, 429 with retry headers, 5xx, abort).
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageRequest } from '@ttv/core/backend';
import { decodeFrame, probeImage } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { type RunwayEmulator, startRunwayEmulator } from '@ttv/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { rejection, tempDir } from '../helpers.fixture.js';
import { imagesConfigSchema, type RunwayImagesConfigInput } from './config.js';
import type { RunwayImageGenerator } from './generator.js';
import images from './index.js';

let emu: RunwayEmulator;
let dir: string;
let cleanup: () => Promise<void>;
let mara: string;
let harbour: string;
let previous: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('ttv-runway-images-'));
  [mara, harbour, previous] = ['mara.png', 'harbour.png', 'previous.png'].map((f) => join(dir, f)) as [string, string, string];
  await makeTestImage(mara, { width: 96, height: 128 });
  await makeTestImage(harbour, { width: 160, height: 90 });
  await makeTestImage(previous, { width: 320, height: 180 });
  emu = await startRunwayEmulator({ outputScale: 4, taskDurationMs: 150 });
});
afterAll(async () => {
  await emu?.close();
  await cleanup?.();
});
beforeEach(() => emu.reset());

async function generator(config: RunwayImagesConfigInput = {}, env: Record<string, string> = {}): Promise<RunwayImageGenerator> {
  const parsed = imagesConfigSchema.parse({ baseUrl: emu.url, polling: { intervalMs: 20, maxIntervalMs: 60, jitter: 0 }, ...config });
  return (await images.create(parsed, { configDir: dir, env: { RUNWAYML_API_SECRET: emu.apiKey, ...env } })) as RunwayImageGenerator;
}

let n = 0;
const request = (overrides: Partial<ImageRequest> = {}): ImageRequest => ({
  prompt: 'Mara walks along the Old Harbour at dawn',
  width: 320,
  height: 180,
  seed: 3,
  outputPath: join(dir, `out-${++n}.png`),
  ...overrides,
});
const ctx = (signal = new AbortController().signal, logs: string[] = []) => ({ signal, log: (l: string) => logs.push(l), workDir: join(dir, 'work') });
const createBodies = () => emu.requestsTo('POST', '/v1/text_to_image').map((r) => r.json as Record<string, unknown>);

describe('runway-images: what is sent and what is paid', () => {
  it('one create, polls on the task endpoint, credits by tier (5 at 720p, 8 at 1080p), cost = estimate', async () => {
    const g = await generator();
    const small = request();
    expect(g.estimateCost(small).usd).toBe(0.05);
    const a = await g.generate(small, ctx());
    expect(a).toMatchObject({ file: small.outputPath, width: 320, height: 180, fit: 'exact', costUsd: 0.05, warnings: [] });
    expect(emu.stats()).toMatchObject({ created: 1, createAttempts: 1, cancels: 0, downloads: 1 });
    expect(emu.stats().polls).toBeGreaterThanOrEqual(1);
    expect(createBodies()[0]).toEqual({ model: 'gen4_image', promptText: 'Mara walks along the Old Harbour at dawn', ratio: '1280:720', seed: 3 });

    const big = request({ width: 1920, height: 1080 });
    expect(g.estimateCost(big).usd).toBe(0.08);
    expect((await g.generate(big, ctx())).costUsd).toBe(0.08);
    expect(createBodies()[1]).toMatchObject({ ratio: '1920:1080' });
    expect(emu.creditBalance()).toBe(100_000 - 5 - 8);
    expect(emu.stats().created).toBe(2);
    // The scratch folder of each call is gone.
    expect(await readdir(join(dir, 'work'))).toEqual([]);
  });

  it('cast references become tagged referenceImages named @tag in the prompt; the previous keyframe is @previous', async () => {
    const g = await generator({ model: 'gen4_image_turbo' });
    const req = request({
      prompt: 'Mara Oyelaran walks along the harbour; mara waves',
      initImage: previous,
      references: [
        { path: mara, role: 'character', name: 'Mara Oyelaran' },
        { path: harbour, role: 'place', name: 'Île 7 — Quay' },
      ],
    });
    expect(g.estimateCost(req).usd).toBe(0.02);
    const result = await g.generate(req, ctx());
    expect(result.costUsd).toBe(0.02);
    const body = createBodies()[0]!;
    expect(body['model']).toBe('gen4_image_turbo');
    expect(body['promptText']).toBe('@Mara_Oyelaran walks along the harbour; mara waves (place @Ile_7_Quay) Continue from @previous.');
    const refs = body['referenceImages'] as Array<{ uri: string; tag: string }>;
    expect(refs.map((r) => r.tag)).toEqual(['previous', 'Mara_Oyelaran', 'Ile_7_Quay']);
    for (const r of refs) expect(r.uri).toMatch(/^data:image\/png;base64,/);
    // Each reference keeps its own size and aspect ratio.
    const sizes = await Promise.all(
      refs.map(async (r, i) => {
        const file = join(dir, `sent-${i}.png`);
        await writeFile(file, Buffer.from(r.uri.split(',')[1]!, 'base64'));
        const p = await probeImage(file);
        return `${p.width}x${p.height}`;
      }),
    );
    expect(sizes).toEqual(['320x180', '96x128', '160x90']);
    expect(emu.creditBalance()).toBe(100_000 - 2);
  });

  it('gen4_image_turbo with no reference falls back to gen4_image (priced and reported as such)', async () => {
    const g = await generator({ model: 'gen4_image_turbo' });
    const req = request();
    expect(g.estimateCost(req).usd).toBe(0.05);
    const result = await g.generate(req, ctx());
    expect(createBodies()[0]).toMatchObject({ model: 'gen4_image' });
    expect(result.warnings).toEqual([expect.stringMatching(/gen4_image_turbo needs a reference image.*made with gen4_image/)]);
    expect(result.costUsd).toBe(0.05);
  });

  it('describe() is truthful: three reference slots, one of them taken by the previous keyframe when chaining', async () => {
    expect(images.describe(imagesConfigSchema.parse({}))).toEqual({ initImage: true, maxReferences: 2 });
    expect(images.describe(imagesConfigSchema.parse({ chain: false }))).toEqual({ initImage: false, maxReferences: 3 });
    const g = await generator();
    const refs = [mara, harbour, mara].map((path, i) => ({ path, role: 'character' as const, name: `Person ${i}` }));
    const error = await rejection(g.generate(request({ initImage: previous, references: refs }), ctx()));
    expect(error).toMatchObject({ code: 'INPUT_INVALID', field: 'references' });
    expect(emu.requests).toHaveLength(0);
  });
});

describe('runway-images: exact size with crop or pad', () => {
  it('a 2:1 request is made at 16:9 and cropped; with fit: pad it is padded with black bars left and right', async () => {
    const cropped = await (await generator()).generate(request({ width: 400, height: 200 }), ctx());
    expect(cropped.fit).toBe('crop');
    expect(createBodies()[0]).toMatchObject({ ratio: '1280:720' });
    expect(await probeImage(cropped.file)).toMatchObject({ format: 'png', width: 400, height: 200 });

    const padded = await (await generator({ fit: 'pad' })).generate(request({ width: 400, height: 200 }), ctx());
    expect(padded.fit).toBe('pad');
    expect(await probeImage(padded.file)).toMatchObject({ width: 400, height: 200 });
    const frame = await decodeFrame(padded.file, 'first', { width: 400, height: 200 }, { width: 400 });
    const px = (x: number, y: number) => Array.from(frame.data.slice((y * frame.width + x) * 4, (y * frame.width + x) * 4 + 3));
    expect(px(2, 100)).toEqual([0, 0, 0]);
    expect(px(397, 100)).toEqual([0, 0, 0]);
    expect(px(200, 100)).not.toEqual([0, 0, 0]);
  });

  it('a portrait request gets a portrait ratio; a forced ratio wins', async () => {
    await (await generator()).generate(request({ width: 180, height: 320 }), ctx());
    await (await generator({ ratio: '1080:1080' })).generate(request({ width: 180, height: 320 }), ctx());
    expect(createBodies().map((b) => b['ratio'])).toEqual(['720:1280', '1080:1080']);
  });
});

describe('runway-images: faults', () => {
  it('a moderation failure (SAFETY.INPUT.TEXT) is MODERATION and leaves no file', async () => {
    emu.script.nextTask({ failureCode: 'SAFETY.INPUT.TEXT' });
    const req = request();
    const error = await rejection((await generator()).generate(req, ctx()));
    expect(error.code).toBe('MODERATION');
    expect(error.details).toMatchObject({ failureCode: 'SAFETY.INPUT.TEXT' });
    expect(existsSync(req.outputPath)).toBe(false);
  });

  it('429 on create is sent again after the retry-after-ms wait; with no retries left it is RATE_LIMITED with retryAfterMs', async () => {
    emu.script.rateLimited({ retryAfterMs: 300 });
    const logs: string[] = [];
    await (await generator()).generate(request(), ctx(undefined, logs));
    const creates = emu.requestsTo('POST', '/v1/text_to_image');
    expect(creates).toHaveLength(2);
    expect(creates[1]!.at - creates[0]!.at).toBeGreaterThanOrEqual(290);
    expect(emu.stats().created).toBe(1);
    expect(logs).toContainEqual(expect.stringMatching(/rate limited \(429\); waiting 300 ms/));

    emu.reset();
    emu.script.rateLimited({ retryAfterSeconds: 2 });
    const error = await rejection((await generator({ rateLimitRetries: 0 })).generate(request(), ctx()));
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 2000 });
    expect(emu.stats()).toMatchObject({ created: 0, createAttempts: 1 });
  });

  it('the daily quota (429) is QUOTA, never retried', async () => {
    emu.script.dailyLimit();
    const error = await rejection((await generator()).generate(request(), ctx()));
    expect(error.code).toBe('QUOTA');
    expect(emu.stats().createAttempts).toBe(1);
  });

  it('a 500 on create is UNAVAILABLE and not replayed (it may have started a task); a 500 on a poll is asked again', async () => {
    emu.script.serverError({ match: { path: '/v1/text_to_image' } });
    const error = await rejection((await generator()).generate(request(), ctx()));
    expect(error.code).toBe('UNAVAILABLE');
    expect(emu.stats().createAttempts).toBe(1);

    emu.reset();
    emu.script.serverError({ times: 2, match: { path: '/v1/tasks/:id' } });
    const result = await (await generator()).generate(request(), ctx());
    expect(result.costUsd).toBe(0.05);
    expect(emu.stats().created).toBe(1);
  });

  it('an abort while the task runs stops polling and cancels the task (DELETE); nothing is charged, no file', async () => {
    emu.script.nextTask({ durationMs: 60_000 });
    const abort = new AbortController();
    const req = request();
    const pending = (await generator()).generate(req, ctx(abort.signal));
    await vi.waitFor(() => expect(emu.stats().polls).toBeGreaterThanOrEqual(2), { timeout: 5000 });
    abort.abort();
    const error = await rejection(pending);
    expect(error.code).toBe('CANCELLED');
    expect(emu.stats().cancels).toBe(1);
    expect([...emu.tasks.values()][0]?.cancelled).toBe(true);
    expect(emu.creditBalance()).toBe(100_000);
    const polls = emu.stats().polls;
    await new Promise((r) => setTimeout(r, 200));
    expect(emu.stats().polls).toBe(polls);
    expect(existsSync(req.outputPath)).toBe(false);
  });

  it('an abort during the create lets it finish, then cancels the task it started (no unknown paid task)', async () => {
    emu.script.slow(300, { match: { method: 'POST', path: '/v1/text_to_image' } });
    const abort = new AbortController();
    const pending = (await generator()).generate(request(), ctx(abort.signal));
    await vi.waitFor(() => expect(emu.requestsTo('POST', '/v1/text_to_image')).toHaveLength(1), { timeout: 5000 });
    abort.abort();
    const error = await rejection(pending);
    expect(error.code).toBe('CANCELLED');
    expect(emu.stats()).toMatchObject({ created: 1, cancels: 1, polls: 0 });
    expect([...emu.tasks.values()][0]?.cancelled).toBe(true);
  });

  it('no key is AUTH before any request, naming runway-images.apiKey', async () => {
    const g = await generator({}, { RUNWAYML_API_SECRET: '' });
    const error = await rejection(g.generate(request(), ctx()));
    expect(error).toMatchObject({ code: 'AUTH', field: 'runway-images.apiKey' });
    expect(emu.requests).toHaveLength(0);
  });

  it('doctor: the key is set and the API accepts it', async () => {
    const checks = await (await generator()).doctor();
    expect(checks.every((c) => c.ok)).toBe(true);
    expect(JSON.stringify(checks)).toMatch(/credits left/);
  });
});
