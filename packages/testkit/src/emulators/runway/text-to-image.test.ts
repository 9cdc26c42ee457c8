import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import RunwayML, { type APIError } from '@runwayml/sdk';
import { probeImage } from '@ttv/core/media';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RATE_LIMIT_MESSAGE } from './control.js';
import { client, dataUri, makePng, pollUntilDone, tempDir } from './fixtures.js';
import { type RunwayEmulator, startRunwayEmulator } from './index.js';

let emu: RunwayEmulator;
let dir: string;
let cleanup: () => Promise<void>;
let red: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  red = dataUri(await makePng(join(dir, 'red.png'), 'color=c=red:size=64x64'));
  emu = await startRunwayEmulator({ outputScale: 4, taskDurationMs: 150 });
});
afterAll(async () => {
  await emu?.close();
  await cleanup?.();
});
beforeEach(() => emu.reset());

type Body = Record<string, unknown>;
const gen4Image = (extra: Body = {}): Body => ({ model: 'gen4_image', promptText: 'a lighthouse at dusk', ratio: '1280:720', ...extra });

/** Sends a raw body through the SDK's textToImage.create (bypassing its types); resolves with the task id or the API error. */
async function create(body: Body, c = client(emu)): Promise<{ id?: string; error?: APIError }> {
  return (c.textToImage.create as (b: unknown) => Promise<{ id: string }>)(body).then(
    ({ id }) => ({ id }),
    (error: APIError) => ({ error }),
  );
}

async function rejected(body: Body): Promise<string> {
  const { error } = await create(body);
  expect(error).toBeInstanceOf(RunwayML.BadRequestError);
  return (error!.error as { error: string }).error;
}

describe('Runway emulator: POST /v1/text_to_image (through @runwayml/sdk)', () => {
  it('a gen4_image task runs PENDING → RUNNING → SUCCEEDED and hands out a real PNG at the ratio size; credits by resolution tier', async () => {
    const c = client(emu);
    const { id } = await c.textToImage.create({ model: 'gen4_image', promptText: 'a lighthouse at dusk', ratio: '1280:720', seed: 7 });
    expect(emu.tasks.get(id)?.request.credits).toBe(5);
    const seen = await pollUntilDone(c, id, 20);
    const statuses = [...new Set(seen.map((t) => t.status))];
    expect(statuses.at(-1)).toBe('SUCCEEDED');
    expect(statuses).toContain('PENDING');
    const done = seen.at(-1) as Extract<(typeof seen)[number], { status: 'SUCCEEDED' }>;
    expect(done.output[0]).toMatch(/\/outputs\/[0-9a-f-]+\.png\?exp=/);
    expect((done as unknown as { cost: { credits: number } }).cost).toEqual({ credits: 5 });

    const res = await fetch(done.output[0]!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const file = join(dir, 'out.png');
    await writeFile(file, Buffer.from(await res.arrayBuffer()));
    const probe = await probeImage(file);
    expect([probe.format, probe.width, probe.height]).toEqual(['png', 320, 180]);

    // A 1080p ratio costs 8 credits; the balance counts both tasks.
    const { id: big } = await c.textToImage.create({ model: 'gen4_image', promptText: 'the same lighthouse', ratio: '1920:1080' });
    await pollUntilDone(c, big, 20);
    expect(emu.creditBalance()).toBe(100_000 - 5 - 8);
    expect(emu.stats()).toMatchObject({ created: 2, createAttempts: 2 });
  });

  it('gen4_image_turbo takes 1–3 tagged references (data URI, https, runway:// upload), costs 2 credits, and records them', async () => {
    const c = client(emu);
    const { uri: upload } = await c.uploads.createEphemeral({ file: new File([Buffer.from(red.split(',')[1]!, 'base64')], 'red.png', { type: 'image/png' }) });
    const referenceImages = [
      { uri: red, tag: 'Mara' },
      { uri: 'https://example.com/harbour.png', tag: 'harbour_1' },
      { uri: upload, tag: 'style' },
    ];
    const { id } = await c.textToImage.create({
      model: 'gen4_image_turbo',
      promptText: '@Mara on the @harbour_1 in @style',
      ratio: '720:720',
      referenceImages,
    });
    const done = (await pollUntilDone(c, id, 20)).at(-1)!;
    expect(done.status).toBe('SUCCEEDED');
    expect(emu.tasks.get(id)?.request.references).toEqual(referenceImages);
    expect(emu.tasks.get(id)?.request.credits).toBe(2);
    expect(emu.requestsTo('POST', '/v1/text_to_image')[0]?.json).toMatchObject({ referenceImages });
  });

  it('validates like the real API: model, ratio enum, promptText, reference count, tags, URIs, keys', async () => {
    expect(await rejected(gen4Image({ model: 'gen4_turbo' }))).toMatch(/^Invalid parameter 'model'/);
    expect(await rejected(gen4Image({ model: 'gpt_image_2' }))).toMatch(/^Invalid parameter 'model'.*not supported by the emulator/);
    expect(await rejected(gen4Image({ ratio: '1584:672' }))).toMatch(/^Invalid parameter 'ratio'/);
    expect(await rejected(gen4Image({ promptText: '' }))).toMatch(/^Invalid parameter 'promptText'/);
    expect(await rejected(gen4Image({ promptText: 'x'.repeat(1001) }))).toMatch(/^Invalid parameter 'promptText': must be at most 1000/);
    expect(await create(gen4Image({ promptText: 'x'.repeat(1000) }))).toEqual({ id: expect.any(String) });
    const ref = (tag: string) => ({ uri: red, tag });
    expect(await rejected(gen4Image({ referenceImages: [ref('aaa'), ref('bbb'), ref('ccc'), ref('ddd')] }))).toMatch(/^Invalid parameter 'referenceImages'/);
    for (const tag of ['ab', 'a'.repeat(17), '1abc', 'my-tag', 'my tag']) {
      expect(await rejected(gen4Image({ referenceImages: [ref(tag)] }))).toMatch(/^Invalid parameter 'referenceImages\[0\]\.tag'/);
    }
    expect(await rejected(gen4Image({ referenceImages: [ref('Mara'), ref('Mara')] }))).toMatch(/^Invalid parameter 'referenceImages\[1\]\.tag': duplicate/);
    expect(await rejected(gen4Image({ referenceImages: [{ uri: 'http://example.com/a.png', tag: 'plain' }] }))).toMatch(/referenceImages\[0\]\.uri/);
    expect(await rejected(gen4Image({ referenceImages: [{ uri: 'data:text/plain;base64,aGk=', tag: 'text' }] }))).toMatch(/unsupported media type/);
    expect(await rejected(gen4Image({ referenceImages: [{ uri: 'runway://ephemeral/nope/a.png' }] }))).toMatch(/unknown or incomplete/);
    expect(await rejected(gen4Image({ referenceImages: [{ uri: red, tag: 'Mara', weight: 1 }] }))).toMatch(/referenceImages\[0\]\.weight/);
    expect(await rejected({ ...gen4Image(), model: 'gen4_image_turbo' })).toMatch(/^Invalid parameter 'referenceImages': required/);
    expect(await rejected({ ...gen4Image(), model: 'gen4_image_turbo', referenceImages: [] })).toMatch(/^Invalid parameter 'referenceImages'/);
    expect(await rejected(gen4Image({ duration: 5 }))).toMatch(/^Invalid parameter 'duration'/);
    expect(await rejected(gen4Image({ seed: -1 }))).toMatch(/^Invalid parameter 'seed'/);
    expect(await rejected(gen4Image({ contentModeration: { publicFigureThreshold: 'none' } }))).toMatch(/publicFigureThreshold/);
    expect(emu.stats().created).toBe(1);
  });

  it('faults: a moderation failure with its failureCode, a rate limit with retry headers, a 500', async () => {
    const c = client(emu);
    emu.script.nextTask({ failureCode: 'SAFETY.INPUT.TEXT' });
    const { id } = await c.textToImage.create(gen4Image() as never);
    const failed = (await pollUntilDone(c, id, 20)).at(-1)!;
    expect(failed).toMatchObject({ status: 'FAILED', failureCode: 'SAFETY.INPUT.TEXT', cost: { credits: 0 } });

    emu.script.rateLimited({ retryAfterMs: 25, retryAfterSeconds: 1 });
    const limited = await create(gen4Image());
    expect(limited.error).toBeInstanceOf(RunwayML.RateLimitError);
    expect(limited.error?.error).toEqual({ error: RATE_LIMIT_MESSAGE });
    expect(limited.error?.headers?.get('retry-after-ms')).toBe('25');
    expect(limited.error?.headers?.get('retry-after')).toBe('1');

    emu.script.serverError({ match: { path: '/v1/text_to_image' } });
    expect((await create(gen4Image())).error).toBeInstanceOf(RunwayML.InternalServerError);
    emu.script.dailyLimit();
    expect((await create(gen4Image())).error?.status).toBe(429);
    expect(emu.stats()).toMatchObject({ created: 1, createAttempts: 4 });
  });

  it('DELETE cancels a running image task (no cost) and deletes a finished one', async () => {
    const c = client(emu);
    emu.script.nextTask({ durationMs: 60_000 });
    const { id } = await c.textToImage.create(gen4Image() as never);
    await c.tasks.delete(id);
    expect(await c.tasks.retrieve(id)).toMatchObject({ status: 'CANCELLED', cost: { credits: 0 } });
    await c.tasks.delete(id);
    await expect(c.tasks.retrieve(id)).rejects.toBeInstanceOf(RunwayML.NotFoundError);
    expect(emu.creditBalance()).toBe(100_000);
  });
});
