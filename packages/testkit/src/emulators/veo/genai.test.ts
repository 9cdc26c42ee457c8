import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extractFirstFrame, extractLastFrame, fitImage, imagePsnr, probeVideo } from '@ttv/core/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearGoogleEnv, expressClient, type Fixtures, makeFixtures, storageClient, vertexClient, waitForOperation } from './clients.fixture.js';
import { startVeoEmulator, type VeoEmulator } from './index.js';

let fx: Fixtures;
let emu: VeoEmulator;

beforeAll(async () => {
  clearGoogleEnv();
  fx = await makeFixtures();
  emu = await startVeoEmulator({ operationDurationMs: 300, outputScale: 8, apiKey: 'express-key' });
});
afterAll(async () => {
  await emu?.close();
  await fx?.cleanup();
});

describe('Veo emulator through @google/genai (Vertex, project mode)', () => {
  it('renders image → lastFrame as a real MP4: size, fps, exact duration, first and last frame', async () => {
    const ai = vertexClient(emu);
    let op = await ai.models.generateVideos({
      model: 'veo-3.1-generate-001',
      source: { prompt: 'a slow pan over a gradient', image: { imageBytes: fx.png.toString('base64'), mimeType: 'image/png' } },
      config: {
        durationSeconds: 4,
        aspectRatio: '16:9',
        resolution: '720p',
        lastFrame: { imageBytes: fx.last.toString('base64'), mimeType: 'image/png' },
      },
    });
    expect(op.name).toMatch(/^projects\/test-project\/locations\/us-central1\/publishers\/google\/models\/veo-3\.1-generate-001\/operations\/[\w-]+$/);
    expect(op.done).toBeFalsy();
    op = await waitForOperation(ai, op);
    expect(op.error).toBeUndefined();
    expect(op.response?.raiMediaFilteredCount ?? 0).toBe(0);
    const video = op.response?.generatedVideos?.[0]?.video;
    expect(video?.mimeType).toBe('video/mp4');
    expect(video?.videoBytes).toBeTruthy();

    const mp4 = join(fx.dir, 'inline.mp4');
    await writeFile(mp4, Buffer.from(video!.videoBytes!, 'base64'));
    const probe = await probeVideo(mp4, { countFrames: true });
    expect(probe).toMatchObject({ width: 160, height: 90, fps: 24, codec: 'h264', pixFmt: 'yuv420p', frames: 96, hasAudio: false });
    expect(probe.durationSec).toBeCloseTo(4, 2);

    // First frame = the first image fitted "cover"; last frame = the lastFrame image fitted "cover".
    const first = join(fx.dir, 'f0.png');
    const last = join(fx.dir, 'fN.png');
    const wantFirst = join(fx.dir, 'want-first.png');
    const wantLast = join(fx.dir, 'want-last.png');
    await Promise.all([
      extractFirstFrame(mp4, first),
      extractLastFrame(mp4, last),
      fitImage(fx.pngPath, wantFirst, { width: 160, height: 90, fit: 'cover', format: 'png' }),
      fitImage(fx.lastPath, wantLast, { width: 160, height: 90, fit: 'cover', format: 'png' }),
    ]);
    expect(await imagePsnr(first, wantFirst)).toBeGreaterThan(28);
    expect(await imagePsnr(last, wantLast)).toBeGreaterThan(20);
    expect(await imagePsnr(last, wantFirst)).toBeLessThan(18);

    expect(emu.stats().submits).toBe(1);
    const submit = emu.requestsTo('POST', /:predictLongRunning$/)[0]!;
    expect(submit.headers.authorization).toBe('Bearer fake');
    expect(submit.json).toMatchObject({
      instances: [{ image: { mimeType: 'image/png' }, lastFrame: { mimeType: 'image/png' } }],
      parameters: { durationSeconds: 4 },
    });
  });

  it('writes to outputGcsUri, returning gcsUri that @google-cloud/storage downloads (9:16, JPEG input, audio)', async () => {
    const ai = vertexClient(emu);
    let op = await ai.models.generateVideos({
      model: 'veo-3.0-fast-generate-001',
      source: { prompt: 'portrait', image: { imageBytes: fx.jpeg.toString('base64'), mimeType: 'image/jpeg' } },
      config: { durationSeconds: 8, aspectRatio: '9:16', resolution: '1080p', generateAudio: true, outputGcsUri: 'gs://ttv-out/run-1/' },
    });
    op = await waitForOperation(ai, op);
    const uri = op.response?.generatedVideos?.[0]?.video?.uri;
    expect(uri).toMatch(/^gs:\/\/ttv-out\/run-1\/.+\/sample_0\.mp4$/);
    expect(op.response?.generatedVideos?.[0]?.video?.videoBytes).toBeUndefined();

    const [, bucket, name] = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri!)!;
    const [bytes] = await storageClient(emu).bucket(bucket!).file(name!).download();
    const mp4 = join(fx.dir, 'gcs.mp4');
    await writeFile(mp4, bytes);
    const probe = await probeVideo(mp4);
    expect(probe).toMatchObject({ width: 136, height: 240, fps: 24, hasAudio: true });
    expect(probe.durationSec).toBeGreaterThanOrEqual(7.99);
    expect(probe.durationSec).toBeLessThan(8.1);
  });

  it('renders a pattern for text-only prompts, with sampleCount videos', async () => {
    const ai = vertexClient(emu);
    let op = await ai.models.generateVideos({
      model: 'veo-2.0-generate-001',
      source: { prompt: 'a lighthouse at dusk' },
      config: { durationSeconds: 5, numberOfVideos: 2 },
    });
    op = await waitForOperation(ai, op);
    expect(op.response?.generatedVideos).toHaveLength(2);
    const mp4 = join(fx.dir, 'text.mp4');
    await writeFile(mp4, Buffer.from(op.response!.generatedVideos![1]!.video!.videoBytes!, 'base64'));
    const probe = await probeVideo(mp4, { countFrames: true });
    expect(probe).toMatchObject({ width: 160, height: 90, frames: 120 });
  });
});

describe('Veo emulator through @google/genai (Vertex express mode)', () => {
  it('accepts the configured API key on /v1/publishers/google/models/…', async () => {
    const ai = expressClient(emu, 'express-key');
    let op = await ai.models.generateVideos({
      model: 'veo-3.1-fast-generate-001',
      source: { prompt: 'express', image: { imageBytes: fx.png.toString('base64'), mimeType: 'image/png' } },
      config: { durationSeconds: 4 },
    });
    expect(op.name).toMatch(/^publishers\/google\/models\/veo-3\.1-fast-generate-001\/operations\//);
    // Before operationDurationMs (300 ms) has passed, a poll reports done:false.
    expect((await ai.operations.getVideosOperation({ operation: op })).done).toBeFalsy();
    op = await waitForOperation(ai, op);
    expect(op.response?.generatedVideos?.[0]?.video?.videoBytes).toBeTruthy();
    const polls = emu.requestsTo('POST', '/v1/publishers/google/models/veo-3.1-fast-generate-001:fetchPredictOperation');
    expect(polls.length).toBeGreaterThan(0);
    expect(polls[0]!.headers['x-goog-api-key']).toBe('express-key');
  });

  it('rejects a wrong API key with 403 PERMISSION_DENIED', async () => {
    const ai = expressClient(emu, 'wrong');
    await expect(
      ai.models.generateVideos({ model: 'veo-3.1-fast-generate-001', source: { prompt: 'x' }, config: { durationSeconds: 4 } }),
    ).rejects.toMatchObject({ status: 403, message: expect.stringContaining('PERMISSION_DENIED') });
  });
});
