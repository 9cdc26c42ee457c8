/** Video extension and reference images in the Veo emulator: the documented shapes pass, wrong ones get Google's 400s. */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VideoGenerationReferenceType } from '@google/genai';
import { extractFrame, imagePsnr, probeVideo, runFfmpeg } from '@ttv/core/media';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Fixtures, useVeoEmulator, vertexClient, waitForOperation } from './clients.fixture.js';
import { outputSize, type VeoEmulator } from './index.js';
import { renderVeoVideo } from './render.js';

let fx: Fixtures;
let emu: VeoEmulator;
/** A 4 s clip as the emulator makes them (16:9 720p at outputScale 16), and odd ones. */
let clip: Buffer;
let short: Buffer;
let fps30: Buffer;

useVeoEmulator((fixtures, emulator) => {
  fx = fixtures;
  emu = emulator;
});

beforeAll(async () => {
  const size = outputSize('16:9', '720p', 16);
  clip = await renderVeoVideo({ ...size, durationSeconds: 4, image: { data: fx.png, kind: 'png' } });
  short = await renderVeoVideo({ ...size, durationSeconds: 0.5 });
  const at24 = join(fx.dir, 'at24.mp4');
  await writeFile(at24, clip);
  await runFfmpeg(['-y', '-i', at24, '-r', '30', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(fx.dir, 'at30.mp4')]);
  fps30 = await readFile(join(fx.dir, 'at30.mp4'));
});

const modelPath = (model: string): string => `/v1/projects/test-project/locations/us-central1/publishers/google/models/${model}`;

async function submit(
  model: string,
  instance: Record<string, unknown>,
  parameters: Record<string, unknown> = {},
): Promise<{ status: number; message: string }> {
  const res = await fetch(`${emu.url}${modelPath(model)}:predictLongRunning`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer fake' },
    body: JSON.stringify({ instances: [instance], parameters }),
  });
  const body = (await res.json()) as { error?: { code: number; status: string; message: string } };
  if (res.status !== 200) expect(body.error).toMatchObject({ code: res.status, status: expect.any(String) });
  return { status: res.status, message: body.error?.message ?? '' };
}

const video = (data: Buffer, mimeType = 'video/mp4') => ({ bytesBase64Encoded: data.toString('base64'), mimeType });
const png = () => ({ bytesBase64Encoded: fx.png.toString('base64'), mimeType: 'image/png' });
const ref = (referenceType: unknown) => ({ image: png(), referenceType });

describe('video extension', () => {
  it('through genai: the output is the input followed by 7 s that continue right after its last frame', async () => {
    const ai = vertexClient(emu);
    const op = await ai.models.generateVideos({
      model: 'veo-3.1-fast-generate-001',
      source: { prompt: 'the camera keeps moving', video: { videoBytes: clip.toString('base64'), mimeType: 'video/mp4' } },
      config: { resolution: '720p', aspectRatio: '16:9' },
    });
    const done = await waitForOperation(ai, op);
    const out = join(fx.dir, 'extended.mp4');
    await writeFile(out, Buffer.from(done.response!.generatedVideos![0]!.video!.videoBytes!, 'base64'));
    const probe = await probeVideo(out, { countFrames: true });
    expect(probe).toMatchObject({ frames: 96 + 168, fps: 24, ...outputSize('16:9', '720p', 16) });
    await writeFile(join(fx.dir, 'clip.mp4'), clip);
    await extractFrame(join(fx.dir, 'clip.mp4'), 95, join(fx.dir, 'in-last.png'));
    await extractFrame(out, 95, join(fx.dir, 'out-95.png'));
    await extractFrame(out, 96, join(fx.dir, 'out-96.png'));
    expect(await imagePsnr(join(fx.dir, 'in-last.png'), join(fx.dir, 'out-95.png'))).toBeGreaterThan(35);
    const seam = await imagePsnr(join(fx.dir, 'in-last.png'), join(fx.dir, 'out-96.png'));
    expect(seam).toBeGreaterThan(25); // continues the input…
    expect(seam).toBeLessThan(80); // …without repeating its last frame
    expect(emu.stats().extensions).toBe(1);
    expect(emu.operations()[0]!.extension).toEqual({ inputSha256: createHash('sha256').update(clip).digest('hex'), inputFrames: 96 });
  });

  it('a gs:// input from its buckets is taken; a missing object is 404', async () => {
    emu.buckets.putUri('gs://in/clip.mp4', clip, { contentType: 'video/mp4' });
    expect((await submit('veo-3.1-generate-001', { prompt: 'x', video: { gcsUri: 'gs://in/clip.mp4', mimeType: 'video/mp4' } })).status).toBe(200);
    expect((await submit('veo-3.1-generate-001', { prompt: 'x', video: { gcsUri: 'gs://in/none.mp4', mimeType: 'video/mp4' } })).status).toBe(404);
  });

  it('refused with 400: models that do not extend, wrong duration or resolution, MIME, bytes, length, rate, size, image with video', async () => {
    const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, RegExp]> = [
      ['veo-3.0-generate-001', { video: video(clip) }, {}, /not supported/],
      ['veo-2.0-generate-001', { video: video(clip) }, {}, /not supported/],
      ['veo-3.1-generate-001', { video: video(clip) }, { durationSeconds: 8 }, /supported durations are \[7\] for feature video_extension/],
      ['veo-3.1-generate-001', { video: video(clip) }, { resolution: '1080p' }, /resolution 1080p/],
      ['veo-3.1-generate-001', { video: video(clip, 'video/quicktime') }, {}, /video\/mp4/],
      ['veo-3.1-generate-001', { video: video(fx.png) }, {}, /not an MP4/],
      ['veo-3.1-generate-001', { video: video(short) }, {}, /1 to 30 seconds/],
      ['veo-3.1-generate-001', { video: video(fps30) }, {}, /24 fps/],
      ['veo-3.1-generate-001', { video: { mimeType: 'video/mp4' } }, {}, /bytesBase64Encoded or gcsUri/],
      ['veo-3.1-generate-001', { prompt: 'x', image: png(), video: video(clip) }, {}, /image and video/],
    ];
    for (const [model, instance, parameters, message] of cases) {
      const r = await submit(model, instance, parameters);
      expect([r.status, r.message], `${model} ${JSON.stringify(parameters)}`).toEqual([400, expect.stringMatching(message)]);
    }
    expect(emu.stats().extensions).toBe(0);
    expect(emu.operations()).toHaveLength(0);
  });
});

describe('reference images', () => {
  it('through genai: ASSET references with a prompt, 8 s 16:9, are taken and counted', async () => {
    const ai = vertexClient(emu);
    const image = { imageBytes: fx.png.toString('base64'), mimeType: 'image/png' };
    const op = await ai.models.generateVideos({
      model: 'veo-3.1-generate-001',
      source: { prompt: 'Mara walks to the harbour' },
      config: {
        durationSeconds: 8,
        aspectRatio: '16:9',
        referenceImages: [
          { image, referenceType: VideoGenerationReferenceType.ASSET },
          { image, referenceType: VideoGenerationReferenceType.ASSET },
        ],
      },
    });
    const done = await waitForOperation(ai, op);
    expect(done.response?.generatedVideos).toHaveLength(1);
    expect(emu.stats().referenceImages).toBe(2);
    expect(emu.operations()[0]!.referenceTypes).toEqual(['ASSET', 'ASSET']);
    const body = emu.requestsTo('POST', /:predictLongRunning$/)[0]!.json as { instances: Array<{ referenceImages: unknown[] }> };
    expect(body.instances[0]!.referenceImages[0]).toEqual({
      image: { bytesBase64Encoded: fx.png.toString('base64'), mimeType: 'image/png' },
      referenceType: 'ASSET',
    });
  });

  it('refused with 400: too many, unknown type, style on 3.1, mixed with frames or video, no prompt, not 8 s 16:9, models without them', async () => {
    const asset = ref('ASSET');
    const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, RegExp]> = [
      ['veo-3.1-generate-001', { prompt: 'x', referenceImages: [asset, asset, asset, asset] }, {}, /at most 3 asset/],
      ['veo-3.1-generate-001', { prompt: 'x', referenceImages: [ref('CHARACTER')] }, {}, /expected ASSET or STYLE/],
      ['veo-3.1-generate-001', { prompt: 'x', referenceImages: [{ image: png() }] }, {}, /expected ASSET or STYLE/],
      ['veo-3.1-generate-001', { prompt: 'x', referenceImages: [ref('STYLE')] }, {}, /Style reference images are not supported/],
      ['veo-3.1-generate-001', { prompt: 'x', referenceImages: [] }, {}, /non-empty/],
      ['veo-3.1-generate-001', { prompt: 'x', image: png(), referenceImages: [asset] }, {}, /cannot be combined with image/],
      ['veo-3.1-generate-001', { prompt: 'x', video: video(clip), referenceImages: [asset] }, {}, /cannot be combined with video/],
      ['veo-3.1-generate-001', { referenceImages: [asset] }, {}, /prompt/],
      ['veo-3.1-generate-001', { prompt: 'x', referenceImages: [asset] }, { durationSeconds: 4 }, /\[8\] for feature reference_to_video/],
      ['veo-3.1-generate-001', { prompt: 'x', referenceImages: [asset] }, { aspectRatio: '9:16' }, /aspect ratio 9:16/],
      [
        'veo-3.1-generate-001',
        { prompt: 'x', referenceImages: [{ image: { bytesBase64Encoded: 'AAAA', mimeType: 'image/png' }, referenceType: 'ASSET' }] },
        {},
        /not a PNG/,
      ],
      ['veo-3.1-lite-generate-001', { prompt: 'x', referenceImages: [asset] }, {}, /not supported by veo-3.1-lite/],
      ['veo-3.0-generate-001', { prompt: 'x', referenceImages: [asset] }, {}, /not supported by veo-3.0/],
    ];
    for (const [model, instance, parameters, message] of cases) {
      const r = await submit(model, instance, parameters);
      expect([r.status, r.message], `${model} ${JSON.stringify(instance).slice(0, 80)}`).toEqual([400, expect.stringMatching(message)]);
    }
    expect(emu.stats().referenceImages).toBe(0);
    // The lower-case form of the REST samples is taken too.
    expect((await submit('veo-3.1-fast-generate-001', { prompt: 'x', referenceImages: [ref('asset')] })).status).toBe(200);
  });
});
