import { join } from 'node:path';
import { TtvError } from '@ttv/core/backend';
import { probeImage } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { describe, expect, it } from 'vitest';
import { imagesConfigSchema } from './config.js';
import { context, useEmulators } from './helpers.fixture.js';
import plugin from './images.js';

const emus = useEmulators();

async function generator(overrides: Record<string, unknown> = {}, useGemini = false) {
  const emu = useGemini ? emus.gemini : emus.openai;
  const config = imagesConfigSchema.parse({
    model: useGemini ? 'google:gemini-2.5-flash-image' : 'openai:gpt-image-1',
    baseURL: emu.baseURL,
    apiKey: emu.apiKey,
    ...overrides,
  });
  return plugin.create(config, { configDir: emus.dir, env: {} });
}

const request = (name: string, width = 1280, height = 720) => ({
  prompt: 'A lighthouse on a cliff at dusk, still frame',
  width,
  height,
  seed: 3,
  outputPath: join(emus.dir, name),
});

async function failure(promise: Promise<unknown>): Promise<TtvError> {
  const error = await promise.catch((e: unknown) => e);
  if (!TtvError.is(error)) throw new Error(`expected a TtvError, got ${String(error)}`);
  return error;
}

describe('ai-images against the OpenAI emulator (@ai-sdk/openai)', () => {
  it('text to image: the nearest gpt-image-1 size (1536x1024) is asked for, the PNG is cropped to exactly 1280x720', async () => {
    const images = await generator();
    const r = request('wide.png');
    const result = await images.generate(r, context());
    expect(result).toMatchObject({ file: r.outputPath, width: 1280, height: 720, fit: 'crop' });
    expect(await probeImage(r.outputPath)).toMatchObject({ width: 1280, height: 720 });
    expect(result.costUsd).toBe(0.063); // medium, not square
    expect(result.costUsd).toBeLessThanOrEqual(images.estimateCost(r).usd);
    expect(emus.openai.stats()).toMatchObject({ images: 1, requests: { '/v1/images/generations': 1 } });
    const body = emus.openai.requests[0]!.json as Record<string, unknown>;
    expect(body).toMatchObject({ model: 'gpt-image-1', size: '1536x1024', quality: 'medium' });
    expect(result.warnings[0]).toMatch(/made 192x128: cropped to 1280x720/);
  });

  it('a square request is exact; pad mode pads', async () => {
    const square = await (await generator()).generate(request('square.png', 512, 512), context());
    expect(square.fit).toBe('exact');
    const padded = await (await generator({ fit: 'pad' })).generate(request('pad.png', 640, 360), context());
    expect(padded.fit).toBe('pad');
    expect(await probeImage(padded.file)).toMatchObject({ width: 640, height: 360 });
  });

  it('an init image and references go to images/edits as multipart (no generation); their cost is in the estimate', async () => {
    const init = join(emus.dir, 'init.png');
    const ref = join(emus.dir, 'mara.png');
    await makeTestImage(init, { width: 320, height: 180 });
    await makeTestImage(ref, { width: 256, height: 256, pattern: 'testsrc2' });
    const images = await generator();
    const r = { ...request('edit.png'), initImage: init, references: [{ path: ref, role: 'character' as const, name: 'Mara' }] };
    const result = await images.generate(r, context());
    expect(result.costUsd).toBeCloseTo(0.063 + 2 * 0.01, 9);
    expect(emus.openai.stats().requests).toEqual({ '/v1/images/edits': 1 });
    const edit = emus.openai.requests[0]!;
    expect(String(edit.headers['content-type'])).toMatch(/^multipart\/form-data/);
    expect(edit.body.toString('latin1')).toContain('name="image[]"');
    expect(edit.body.toString('latin1')).toMatch(/Picture 2 shows Mara \(character\)/);
  });

  it('dall-e-3 takes no input pictures: describe says so and edits are never sent', async () => {
    expect(plugin.describe(imagesConfigSchema.parse({ model: 'openai:dall-e-3' }))).toEqual({ initImage: false, maxReferences: 0 });
    expect(plugin.describe(imagesConfigSchema.parse({ model: 'openai:gpt-image-1' }))).toEqual({ initImage: true, maxReferences: 4 });
  });

  it('a refusal is MODERATION; 429 with maxRetries 0 is RATE_LIMITED with the wait; no file is left', async () => {
    emus.openai.inject({ kind: 'refusal' });
    const r = request('refused.png');
    expect((await failure((await generator()).generate(r, context()))).code).toBe('MODERATION');
    emus.openai.inject({ kind: 'status', status: 429, headers: { 'retry-after': '3' } });
    expect(await failure((await generator({ maxRetries: 0 })).generate(r, context()))).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 3000 });
    await expect(probeImage(r.outputPath)).rejects.toThrow();
  });

  it('a missing init image is INPUT_INVALID before any request', async () => {
    const e = await failure((await generator()).generate({ ...request('x.png'), initImage: join(emus.dir, 'nope.png') }, context()));
    expect(e).toMatchObject({ code: 'INPUT_INVALID', field: 'initImage' });
    expect(emus.openai.requests).toHaveLength(0);
  });
});

describe('ai-images against the Gemini emulator (@ai-sdk/google)', () => {
  it('16:9 is asked for and cropped to exactly 1280x720; the init image is sent inline; seed passed', async () => {
    const init = join(emus.dir, 'g-init.png');
    await makeTestImage(init, { width: 320, height: 180 });
    const images = await generator({}, true);
    const result = await images.generate({ ...request('g.png'), initImage: init }, context());
    expect(result).toMatchObject({ width: 1280, height: 720 });
    expect(await probeImage(result.file)).toMatchObject({ width: 1280, height: 720 });
    expect(result.costUsd).toBeCloseTo(0.039 + 0.01, 9);
    const body = emus.gemini.requests[0]!.json as { generationConfig: Record<string, unknown>; contents: Array<{ parts: unknown[] }> };
    expect(body.generationConfig).toMatchObject({ responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '16:9' }, seed: 3 });
    expect(JSON.stringify(body.contents)).toContain('inlineData');
  });

  it('an IMAGE_SAFETY refusal is MODERATION', async () => {
    emus.gemini.inject({ kind: 'refusal' });
    expect((await failure((await generator({}, true)).generate(request('gr.png'), context()))).code).toBe('MODERATION');
  });
});
