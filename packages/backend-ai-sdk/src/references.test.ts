// Reference pictures, sound per request and models declared in the config, through the real @ai-sdk/fal and
// @ai-sdk/replicate packages against the emulators: the bodies they record are what the providers document, and the
// emulators refuse a wrong one in each provider's own error format.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GenerateRequest, JobHandle, ReferenceImage } from '@ttv/core/backend';
import { makeTestImage } from '@ttv/core/testing';
import { type FalEmulator, type ReplicateEmulator, startFalEmulator, startReplicateEmulator } from '@ttv/testkit/emulators';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAiSdkBackend } from './ai-sdk-backend.js';
import { type AiSdkConfigInput, configSchema } from './ai-sdk-config.js';
import { describeAiSdk } from './ai-sdk-models.js';

let fal: FalEmulator;
let replicate: ReplicateEmulator;
let dir: string;
let refs: ReferenceImage[];

beforeAll(async () => {
  fal = await startFalEmulator({ jobMs: 50, outputScale: 8 });
  replicate = await startReplicateEmulator({ jobMs: 50, outputScale: 8 });
  dir = await mkdtemp(join(tmpdir(), 'ttv-ai-sdk-refs-'));
  const picture = async (name: string, pattern: 'testsrc2' | 'mandelbrot' | 'gradient') => {
    await makeTestImage(join(dir, `${name}.png`), { width: 240, height: 320, pattern });
    return join(dir, `${name}.png`);
  };
  refs = [
    { path: await picture('mira', 'testsrc2'), role: 'character', name: 'Mira' },
    { path: await picture('harbor', 'mandelbrot'), role: 'place', name: 'Harbor' },
    { path: await picture('ink', 'gradient'), role: 'style', name: 'Ink' },
  ];
});
afterAll(async () => {
  await fal?.close();
  await replicate?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  fal.reset();
  replicate.reset();
});

const ctx = () => ({ signal: new AbortController().signal, log: () => {}, workDir: dir, idempotencyKey: `k-${Math.random()}` });
const fast = { polling: { intervalMs: 20, maxIntervalMs: 60 } };
const falBackend = (extra: Partial<AiSdkConfigInput> = {}) =>
  createAiSdkBackend(configSchema.parse({ provider: 'fal', baseURL: fal.url, apiKey: fal.apiKey, ...fast, ...extra }), { env: {} });
const replicateBackend = (extra: Partial<AiSdkConfigInput> = {}) =>
  createAiSdkBackend(configSchema.parse({ provider: 'replicate', baseURL: `${replicate.url}/v1`, apiKey: replicate.apiToken, ...fast, ...extra }), {
    env: {},
  });
const request = (r: Partial<GenerateRequest> & Pick<GenerateRequest, 'model' | 'durationSec' | 'width' | 'height'>): GenerateRequest => ({
  prompt: 'Mira walks along the Harbor',
  outputPath: join(dir, 'o.mp4'),
  ...r,
});

/** Polls until the job ends. */
async function finish(backend: ReturnType<typeof falBackend>, job: JobHandle) {
  for (let i = 0; i < 200; i++) {
    const status = await backend.status(job, ctx());
    if (status.state !== 'pending') return status;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the job did not end');
}

/** The JSON bodies of the starts an emulator recorded. */
const starts = (emu: FalEmulator | ReplicateEmulator) =>
  emu.requests.filter((q) => q.method === 'POST' && q.json !== undefined).map((q) => q.json as Record<string, unknown>);
const isPng = (v: unknown) => typeof v === 'string' && v.startsWith('data:image/png;base64,');

describe('reference pictures reach the models in the shape each API documents', () => {
  it('fal Kling O1: the character as an element (frontal_image_url), the place and the style as image_urls', async () => {
    const backend = falBackend({ model: 'fal-ai/kling-video/o1/reference-to-video' });
    const job = await backend.submit(
      request({ model: 'fal-ai/kling-video/o1/reference-to-video', durationSec: 5, width: 1920, height: 1080, references: refs }),
      ctx(),
    );
    expect(await finish(backend, job)).toMatchObject({ state: 'succeeded', costUsd: 0.56 });
    const [body] = starts(fal);
    expect(Object.keys(body!).sort()).toEqual(['aspect_ratio', 'duration', 'elements', 'image_urls', 'prompt']);
    const elements = body!['elements'] as Array<Record<string, unknown>>;
    expect(elements).toHaveLength(1);
    expect(Object.keys(elements[0]!)).toEqual(['frontal_image_url']);
    expect(isPng(elements[0]!['frontal_image_url'])).toBe(true);
    expect((body!['image_urls'] as unknown[]).map(isPng)).toEqual([true, true]);
    expect(fal.stats()).toMatchObject({ submissions: 1, succeeded: 1, references: 3 });
  });

  it('Replicate Veo 3.1: reference_images for an 8 s 16:9 clip from the prompt; left out, with a warning, at 4 s', async () => {
    const backend = replicateBackend({ model: 'google/veo-3.1' });
    const two = refs.slice(0, 2);
    const job = await backend.submit(request({ model: 'google/veo-3.1', durationSec: 8, width: 1280, height: 720, references: two }), ctx());
    expect(await finish(backend, job)).toMatchObject({ state: 'succeeded' });
    const input = starts(replicate)[0]!['input'] as Record<string, unknown>;
    expect((input['reference_images'] as unknown[]).map(isPng)).toEqual([true, true]);
    expect(input).toMatchObject({ duration: 8, aspect_ratio: '16:9', resolution: '720p' });
    expect(replicate.stats().references).toBe(2);

    const short = await backend.submit(request({ model: 'google/veo-3.1', durationSec: 4, width: 1280, height: 720, references: two }), ctx());
    const done = await finish(backend, short);
    expect(done.state === 'succeeded' && done.warnings?.map((w) => w.field)).toEqual(['references']);
    expect(starts(replicate)[1]!['input']).not.toHaveProperty('reference_images');
    expect(replicate.stats().references).toBe(2);
  });

  it('core refuses references to a model that takes none before any request', async () => {
    const error = await falBackend()
      .submit(
        request({
          model: 'fal-ai/kling-video/v2.1/pro/image-to-video',
          durationSec: 5,
          width: 1920,
          height: 1080,
          firstFrame: refs[0]!.path,
          references: refs.slice(0, 1),
        }),
        ctx(),
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INPUT_INVALID', field: 'references' });
    expect(fal.requests).toHaveLength(0);
  });

  it('describe declares references per model: count, roles and inputs', () => {
    const fals = describeAiSdk(configSchema.parse({ provider: 'fal' })).models;
    expect(fals.find((m) => m.id === 'fal-ai/kling-video/o1/reference-to-video')?.references).toEqual({ max: 7, roles: ['character', 'place', 'style'] });
    expect(fals.find((m) => m.id === 'fal-ai/kling-video/v2.1/pro/image-to-video')?.references).toBeUndefined();
    const reps = describeAiSdk(configSchema.parse({ provider: 'replicate' })).models;
    expect(reps.find((m) => m.id === 'google/veo-3.1')?.references).toEqual({ max: 3, roles: ['character', 'place'], inputs: ['text'] });
    expect(reps.find((m) => m.id === 'google/veo-3.1-fast')?.references).toBeUndefined();
  });
});

describe('the emulators refuse a wrong reference input in the provider’s own format', () => {
  const post = (body: unknown, model: string) =>
    fetch(`${replicate.url}/v1/models/${model}/predictions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${replicate.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const png = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

  it.each([
    ['a model without references', 'google/veo-3.1-fast', { prompt: 'p', reference_images: [png] }, 'extra_forbidden'],
    ['more than 3', 'google/veo-3.1', { prompt: 'p', reference_images: [png, png, png, png] }, 'too_long'],
    ['not at 8 s', 'google/veo-3.1', { prompt: 'p', duration: 4, reference_images: [png] }, 'value_error'],
    ['with a first frame', 'google/veo-3.1', { prompt: 'p', image: png, reference_images: [png] }, 'value_error'],
    ['not an image', 'google/veo-3.1', { prompt: 'p', reference_images: ['data:text/plain;base64,aGk='] }, 'invalid_image'],
  ])('Replicate: %s is 422 with invalid_fields', async (_what, model, input, type) => {
    const res = await post({ input }, model);
    expect(res.status).toBe(422);
    const body = (await res.json()) as { title: string; invalid_fields: Array<{ type: string; field: string }> };
    expect(body.title).toBe('Input validation failed');
    expect(body.invalid_fields[0]).toMatchObject({ type, field: expect.stringMatching(/^input\.reference_images/) });
    expect(replicate.stats()).toMatchObject({ submissions: 0, references: 0 });
  });

  it.each([
    [
      'image_urls on a model without references',
      'fal-ai/kling-video/v2.1/pro/image-to-video',
      { prompt: 'p', image_url: png, image_urls: [png] },
      ['body', 'image_urls'],
      'extra_forbidden',
    ],
    [
      'an element without its frontal image',
      'fal-ai/kling-video/o1/reference-to-video',
      { prompt: 'p', elements: [{ reference_image_urls: [png] }] },
      ['body', 'elements', 0, 'frontal_image_url'],
      'missing',
    ],
    [
      'more than 7 in all',
      'fal-ai/kling-video/o1/reference-to-video',
      { prompt: 'p', image_urls: [png, png, png, png], elements: [1, 2, 3, 4].map(() => ({ frontal_image_url: png })) },
      ['body', 'image_urls'],
      'value_error',
    ],
  ])('fal: %s is queued and its result is 422 with detail[].loc', async (_what, endpoint, input, loc, type) => {
    const submitted = await fetch(`${fal.url}/${endpoint}`, {
      method: 'POST',
      headers: { authorization: `Key ${fal.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    const { request_id: id } = (await submitted.json()) as { request_id: string };
    await new Promise((r) => setTimeout(r, 80));
    const result = await fetch(`${fal.url}/${endpoint.split('/').slice(0, 2).join('/')}/requests/${id}`, { headers: { authorization: `Key ${fal.apiKey}` } });
    expect(result.status).toBe(422);
    expect(((await result.json()) as { detail: unknown[] }).detail[0]).toMatchObject({ loc, type });
  });
});

describe('sound per request', () => {
  const veoFast = { model: 'google/veo-3.1-fast', durationSec: 4, width: 1280, height: 720 };

  it('generateAudio decides per clip, priced at the sound rate; absent, ai-sdk.audio decides', async () => {
    const quiet = replicateBackend({ audio: false });
    expect(quiet.estimateCost(request({ ...veoFast, generateAudio: true })).usd).toBeCloseTo(0.6, 6);
    expect(quiet.estimateCost(request({ ...veoFast, generateAudio: false })).usd).toBeCloseTo(0.4, 6);
    expect(quiet.estimateCost(request(veoFast)).usd).toBeCloseTo(0.4, 6);
    expect(replicateBackend({ audio: true }).estimateCost(request(veoFast)).usd).toBeCloseTo(0.6, 6);

    const job = await quiet.submit(request({ ...veoFast, generateAudio: true }), ctx());
    expect(await finish(quiet, job)).toMatchObject({ state: 'succeeded', costUsd: 0.6 });
    const off = await quiet.submit(request({ ...veoFast, generateAudio: false }), ctx());
    expect(await finish(quiet, off)).toMatchObject({ state: 'succeeded', costUsd: 0.4 });
    expect(starts(replicate).map((b) => (b['input'] as Record<string, unknown>)['generate_audio'])).toEqual([true, false]);
    expect(replicate.stats().paidUsd).toBeCloseTo(1.0, 6);
  });
});

describe('models declared in the config (ai-sdk.models)', () => {
  const standard = {
    id: 'fal-ai/kling-video/v2.1/standard/image-to-video',
    inputs: ['first-frame'],
    durations: [5, 10],
    duration: { via: 'option', field: 'duration', format: 'string' },
    sizes: [{ width: 1920, height: 1080 }],
    fps: 24,
    fields: { negativePrompt: 'negative_prompt' },
    price: { usdPerSecond: 0.05 },
  };
  const parse = (models: unknown[], extra: Record<string, unknown> = {}) => configSchema.safeParse({ provider: 'fal', models, ...extra });

  it('is described, priced and usable like a table model; ai-sdk.prices overrides its price', async () => {
    const config = parse([standard], { model: standard.id });
    expect(config.success, JSON.stringify(config.error?.issues)).toBe(true);
    const info = describeAiSdk(config.data!);
    expect(info.defaultModel).toBe(standard.id);
    expect(info.models.find((m) => m.id === standard.id)).toMatchObject({ inputs: ['first-frame'], usdPerSecond: 0.05, audio: false });
    const backend = falBackend({ model: standard.id, models: [standard] as AiSdkConfigInput['models'] });
    const job = await backend.submit(request({ model: standard.id, durationSec: 5, width: 1920, height: 1080, firstFrame: refs[1]!.path }), ctx());
    expect(await finish(backend, job)).toMatchObject({ state: 'succeeded', costUsd: 0.25 });
    expect(starts(fal)[0]).toMatchObject({ duration: '5', image_url: expect.stringMatching(/^data:image\/png/) });
    const priced = parse([standard], { prices: { [standard.id]: { usdPerSecond: 0.07 } } });
    expect(describeAiSdk(priced.data!).models.find((m) => m.id === standard.id)?.usdPerSecond).toBe(0.07);
  });

  it.each([
    ['without a price', { ...standard, price: undefined }, ['models', 0, 'price']],
    ['with an unknown key', { ...standard, colour: 'red' }, ['models', 0]],
    ['with odd sizes', { ...standard, sizes: [{ width: 1921, height: 1080 }] }, ['models', 0, 'sizes', 0, 'width']],
    ['taking a last frame without its field', { ...standard, inputs: ['first-last-frame'] }, ['models', 0, 'fields', 'lastFrame']],
    ['making sound without its field', { ...standard, audio: true }, ['models', 0, 'fields', 'audio']],
    ['already in the table', { ...standard, id: 'fal-ai/kling-video/v2.1/pro/image-to-video' }, ['models', 0, 'id']],
    ['with an extend input', { ...standard, inputs: ['extend'] }, ['models', 0, 'inputs', 0]],
    ['with references of no role', { ...standard, references: { max: 2, fields: {} } }, ['models', 0, 'references', 'fields']],
  ])('is refused %s, naming the field', (_what, model, path) => {
    const parsed = parse([model]);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path)).toContainEqual(path);
  });

  it('one that sends references to a field its API does not take is refused by the API: INPUT_INVALID naming it', async () => {
    const wrong = { ...standard, references: { max: 1, fields: { character: { field: 'reference_image_urls' } } } };
    const backend = falBackend({ model: standard.id, models: [wrong] as AiSdkConfigInput['models'] });
    const job = await backend.submit(
      request({ model: standard.id, durationSec: 5, width: 1920, height: 1080, firstFrame: refs[1]!.path, references: refs.slice(0, 1) }),
      ctx(),
    );
    const done = await finish(backend, job);
    expect(done.state === 'failed' && done.error).toMatchObject({ code: 'INPUT_INVALID', field: 'reference_image_urls' });
    expect(fal.stats()).toMatchObject({ succeeded: 0, paidUsd: 0 });
  });
});
