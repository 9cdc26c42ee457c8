/**
 * Veo 3.1's video extension and reference images through the backend, against the emulator with the real genai
 * and storage clients, driven as the engine drives it (`callBackend`). An extension comes back as the input
 * followed by 7 s: the backend keeps only the continuation, frame-exact; references reach Veo as ASSET images.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { callBackend, type ReferenceImage } from '@ttv/core/backend';
import { extractFirstFrame, extractLastFrame, imagePsnr, probeVideo } from '@ttv/core/media';
import { startVeoEmulator, type VeoEmulator } from '@ttv/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY, clearGoogleEnv, context, type Fixture, makeBackend, makeFixture, rejection, request, TOKEN } from './test-helpers.fixture.js';

let fx: Fixture;
let emu: VeoEmulator;
/** A 4 s clip Veo made (the emulator, at 1/16 size), to extend. */
let clip: string;

const SUBMIT = /:predictLongRunning$/;
type Body = { instances: Array<Record<string, unknown>>; parameters: Record<string, unknown> };
const submitBody = (i: number): Body => emu.requestsTo('POST', SUBMIT)[i]!.json as Body;
const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

beforeAll(async () => {
  clearGoogleEnv();
  fx = await makeFixture();
  emu = await startVeoEmulator({ operationDurationMs: 0, outputScale: 16, accessToken: TOKEN, apiKey: API_KEY });
  const first = await request(fx);
  await callBackend(makeBackend(emu), first, (await context(fx)).ctx);
  clip = first.outputPath;
});
beforeEach(() => emu.reset());
afterAll(async () => {
  await emu?.close();
  await fx?.cleanup();
});

describe('extension', () => {
  it('sends the clip inline, bills 7 s, and keeps only the continuation: frame-exact, right after the last frame', async () => {
    const req = await request(fx, { firstFrame: undefined, inputVideo: clip, durationSec: 6, prompt: 'the camera keeps rising' });
    const rec = await context(fx);
    const result = await callBackend(makeBackend(emu), req, rec.ctx);

    expect(emu.stats()).toMatchObject({ submits: 1, extensions: 1 });
    expect(emu.operations()[0]!.extension).toEqual({ inputSha256: await sha256(clip), inputFrames: 96 });
    const body = submitBody(0);
    expect(body.instances[0]).toEqual({ prompt: req.prompt, video: { bytesBase64Encoded: expect.any(String), mimeType: 'video/mp4' } });
    expect(body.parameters).toMatchObject({ aspectRatio: '16:9', resolution: '720p' });
    expect(body.parameters['durationSeconds']).toBeUndefined();
    expect(rec.jobs[0]!.data).toMatchObject({ durationSec: 7, extension: { inputFrames: 96, frames: 144 } });

    // Veo returned 96 + 168 frames; the clip is the 144 that follow the input.
    expect(await probeVideo(req.outputPath, { countFrames: true })).toMatchObject({ frames: 144, fps: 24, width: 80, height: 46 });
    expect(result).toMatchObject({ frames: 144, costUsd: 0.7 });
    await extractLastFrame(clip, join(fx.dir, 'in-last.png'));
    await extractFirstFrame(req.outputPath, join(fx.dir, 'cont-first.png'));
    const seam = await imagePsnr(join(fx.dir, 'in-last.png'), join(fx.dir, 'cont-first.png'));
    expect(seam).toBeGreaterThan(25); // continues the input…
    expect(seam).toBeLessThan(60); // …and does not repeat its last frame (the input part was cut off exactly)
  });

  it('a large clip is staged to GCS (gcsUri) and deleted after', async () => {
    const backend = makeBackend(emu, { inlineVideoMaxBytes: 1000, stagingGcsUri: 'gs://ttv-stage/in/' });
    const req = await request(fx, { firstFrame: undefined, inputVideo: clip, durationSec: 4 });
    const result = await callBackend(backend, req, (await context(fx)).ctx);
    expect(result.frames).toBe(96);
    expect(submitBody(0).instances[0]!['video']).toEqual({
      gcsUri: expect.stringMatching(/^gs:\/\/ttv-stage\/in\/ttv-.+-clip-to-extend\.mp4$/),
      mimeType: 'video/mp4',
    });
    expect(emu.stats()).toMatchObject({ uploads: 1, deletes: 1, extensions: 1 });
    expect(emu.buckets.list('ttv-stage', '')).toEqual([]);
  });

  it('refused before any request: a continuation over 7 s, 1080p, a model that does not extend, a big clip with nowhere to stage it', async () => {
    const cases: Array<[ReturnType<typeof makeBackend>, Parameters<typeof request>[1], string, RegExp]> = [
      [makeBackend(emu), { durationSec: 8 }, 'durationSec', /makes clips of 1–7 in steps of 1 s, not 8 s/],
      [makeBackend(emu), { width: 1920, height: 1080 }, 'resolution', /does not make 1920x1080/],
      [makeBackend(emu, { model: 'veo-3.0-generate-001' }), { model: 'veo-3.0-generate-001' }, 'inputVideo', /cannot extend a clip/],
      [makeBackend(emu), { firstFrame: fx.first }, 'firstFrame', /from the video alone/],
      [makeBackend(emu), { inputVideo: fx.first }, 'inputVideo', /not a readable video/],
      [makeBackend(emu, { inlineVideoMaxBytes: 1000 }), {}, 'inputVideo', /over inlineVideoMaxBytes/],
    ];
    for (const [backend, overrides, field, message] of cases) {
      const req = await request(fx, { firstFrame: undefined, inputVideo: clip, durationSec: 4, ...overrides });
      const e = await rejection(backend.validate(req));
      expect([e.code, e.field, e.message], JSON.stringify(overrides)).toEqual(['INPUT_INVALID', field, expect.stringMatching(message)]);
    }
    expect(emu.requests).toHaveLength(0);
  });
});

describe('references', () => {
  const cast = (): ReferenceImage[] => [
    { path: fx.square, role: 'character', name: 'Mara' },
    { path: fx.last, role: 'place', name: 'Harbour' },
  ];

  it('a prompt-only 8 s 16:9 clip gets them as ASSET reference images, fitted whole', async () => {
    const req = await request(fx, { model: 'veo-3.1-generate-001', firstFrame: undefined, durationSec: 8, references: cast() });
    const result = await callBackend(makeBackend(emu, { model: 'veo-3.1-generate-001' }), req, (await context(fx)).ctx);
    expect(result.warnings).toEqual([]);
    expect(emu.stats().referenceImages).toBe(2);
    expect(emu.operations()[0]!.referenceTypes).toEqual(['ASSET', 'ASSET']);
    const refs = submitBody(0).instances[0]!['referenceImages'] as Array<{ image: { bytesBase64Encoded: string; mimeType: string }; referenceType: string }>;
    expect(refs.map((r) => [r.image.mimeType, r.referenceType])).toEqual([
      ['image/png', 'ASSET'],
      ['image/png', 'ASSET'],
    ]);
    expect(submitBody(0).instances[0]!['image']).toBeUndefined();
    expect(submitBody(0).parameters).toMatchObject({ durationSeconds: 8, aspectRatio: '16:9' });
  });

  it('with a first frame: refused before any request (the engine never sends them so: references.inputs is text)', async () => {
    const e = await rejection(makeBackend(emu).validate(await request(fx, { references: cast() })));
    expect([e.code, e.field, e.message]).toEqual(['INPUT_INVALID', 'references', expect.stringMatching(/only with text input, not with first-frame/)]);
    expect(emu.requests).toHaveLength(0);
  });

  it('not 8 s: the clip is made without them, and a warning says why', async () => {
    for (const overrides of [{ firstFrame: undefined, durationSec: 4 }]) {
      emu.reset();
      const req = await request(fx, { references: cast(), ...overrides });
      const result = await callBackend(makeBackend(emu), req, (await context(fx)).ctx);
      expect(result.warnings).toEqual([{ type: 'unsupported', field: 'references', message: expect.stringMatching(/Mara, Harbour are left out/) }]);
      expect(submitBody(0).instances[0]!['referenceImages']).toBeUndefined();
      expect(emu.stats().referenceImages).toBe(0);
    }
  });

  it('refused before any request: more than 3, a style picture, a model without references, a missing file', async () => {
    const mara = cast()[0]!;
    const cases: Array<[string, ReferenceImage[], RegExp]> = [
      ['veo-3.1-fast-generate-001', [mara, mara, mara, mara], /takes 3 reference picture\(s\), not 4/],
      ['veo-3.1-fast-generate-001', [{ ...mara, role: 'style' }], /takes no style reference/],
      ['veo-3.1-lite-generate-001', [mara], /takes 0 reference picture/],
      ['veo-3.1-fast-generate-001', [{ ...mara, path: join(fx.dir, 'nobody.png') }], /nobody\.png/],
    ];
    for (const [model, references, message] of cases) {
      const req = await request(fx, { model, firstFrame: undefined, durationSec: 8, references });
      const e = await rejection(makeBackend(emu, { model: model as 'veo-3.1-fast-generate-001' }).validate(req));
      expect([e.code, e.field, e.message], model).toEqual(['INPUT_INVALID', 'references', expect.stringMatching(message)]);
    }
    expect(emu.requests).toHaveLength(0);
  });
});
