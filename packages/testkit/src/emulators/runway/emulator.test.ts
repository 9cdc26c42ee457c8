import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import RunwayML, { type APIError, toFile } from '@runwayml/sdk';
import { extractFirstFrame, extractLastFrame, imagePsnr, runFfmpeg, runFfprobe } from '@ttv/core/media';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { client, dataUri, makePng, pollUntilDone, tempDir } from './fixtures.js';
import { type RunwayEmulator, startRunwayEmulator } from './index.js';

let emu: RunwayEmulator;
let dir: string;
let cleanup: () => Promise<void>;
let png: Buffer;
let redPng: Buffer;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  png = await makePng(join(dir, 'prompt.png'));
  redPng = await makePng(join(dir, 'red.png'), 'color=c=red:size=320x240');
  emu = await startRunwayEmulator({ outputScale: 4, taskDurationMs: 600 });
});
afterAll(async () => {
  await emu?.close();
  await cleanup?.();
});
beforeEach(() => emu.reset());

interface Stream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  duration?: string;
}

async function probe(file: string): Promise<Stream[]> {
  const { stdout } = await runFfprobe(['-show_streams', '-of', 'json', file]);
  return (JSON.parse(stdout) as { streams: Stream[] }).streams;
}

async function download(url: string, file: string): Promise<Response> {
  const res = await fetch(url);
  if (res.ok) await writeFile(file, Buffer.from(await res.arrayBuffer()));
  return res;
}

type Succeeded = Extract<Awaited<ReturnType<typeof pollUntilDone>>[number], { status: 'SUCCEEDED' }>;

/** Polls a task to its end, expects SUCCEEDED and downloads its output to `name` in the test folder. */
async function downloadSucceeded(c: RunwayML, id: string, name: string, intervalMs?: number): Promise<{ done: Succeeded; file: string }> {
  const done = (await pollUntilDone(c, id, intervalMs)).at(-1)!;
  expect(done.status).toBe('SUCCEEDED');
  if (done.status !== 'SUCCEEDED') throw new Error(`task ${id} ended ${done.status}`);
  const file = join(dir, name);
  await download(done.output[0]!, file);
  return { done, file };
}

/** Fits `image` to w×h (cover), like the emulator's first frame. */
async function cover(image: string, w: number, h: number, out: string): Promise<void> {
  await runFfmpeg(['-i', image, '-vf', `scale=${w}:${h}:force_original_aspect_ratio=increase,crop=${w}:${h},setsar=1`, '-frames:v', '1', out]);
}

describe('Runway emulator through @runwayml/sdk', () => {
  it('image_to_video: PENDING → RUNNING → SUCCEEDED with a real mp4 of the requested size, fps and duration', async () => {
    const c = client(emu);
    const created = await c.imageToVideo.create({
      model: 'gen4_turbo',
      promptImage: dataUri(png),
      promptText: 'a slow pan over a test pattern',
      ratio: '1280:720',
      duration: 2,
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    const seen = await pollUntilDone(c, created.id, 50);
    const statuses = seen.map((t) => t.status);
    expect(statuses[0]).toBe('PENDING');
    expect(statuses).toContain('RUNNING');
    expect(statuses.at(-1)).toBe('SUCCEEDED');
    const pending = seen[0] as Extract<(typeof seen)[number], { status: 'PENDING' }>;
    expect(pending.estimatedCost.credits).toBe(10); // gen4_turbo: 5 credits/s × 2 s
    const running = seen.filter((t) => t.status === 'RUNNING') as Array<{ progress: number }>;
    for (const r of running) expect(r.progress).toBeGreaterThanOrEqual(0);
    for (const r of running) expect(r.progress).toBeLessThan(1);
    const done = seen.at(-1) as Extract<(typeof seen)[number], { status: 'SUCCEEDED' }>;
    expect(done.cost.credits).toBe(10);
    expect(done.output).toHaveLength(1);
    expect(done.output[0]).toMatch(new RegExp(`^${emu.url}/outputs/${created.id}\\.mp4\\?exp=\\d+&n=\\d+&sig=[0-9a-f]+$`));

    const file = join(dir, 'out.mp4');
    const res = await download(done.output[0]!, file);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    const [v] = await probe(file);
    expect(v).toMatchObject({ codec_type: 'video', codec_name: 'h264', width: 320, height: 180, pix_fmt: 'yuv420p', r_frame_rate: '24/1' });
    expect(Math.abs(Number(v!.duration) - 2)).toBeLessThanOrEqual(1 / 24 + 1e-6);
    expect(Number(v!.nb_frames)).toBe(48);

    // The first frame is the prompt image fitted to the frame.
    await extractFirstFrame(file, join(dir, 'first.png'));
    await cover(join(dir, 'prompt.png'), 320, 180, join(dir, 'expected-first.png'));
    expect(await imagePsnr(join(dir, 'first.png'), join(dir, 'expected-first.png'))).toBeGreaterThan(24);

    expect(emu.stats()).toEqual({
      created: 1,
      createAttempts: 1,
      polls: seen.length,
      cancels: 0,
      downloads: 1,
      uploads: 0,
      referenceImages: 0,
      referenceAudio: 0,
      withAudio: 0,
    });
    expect(emu.creditBalance()).toBe(100_000 - 10);
    const org = await c.organization.retrieve();
    expect(org.creditBalance).toBe(100_000 - 10);
    expect(org.usage.models['gen4_turbo']?.dailyGenerations).toBe(1);
  });

  it('veo3.1_fast with first and last frames ends on the last image; audio adds a track and changes the price', async () => {
    const c = client(emu);
    const created = await c.imageToVideo.create({
      model: 'veo3.1_fast',
      promptImage: [
        { uri: dataUri(png), position: 'first' },
        { uri: dataUri(redPng), position: 'last' },
      ],
      ratio: '720:1280',
      duration: 4,
      audio: true,
    });
    const { done, file } = await downloadSucceeded(c, created.id, 'veo.mp4', 100);
    expect(done.cost.credits).toBe(60); // 15 credits/s with audio × 4 s
    const streams = await probe(file);
    const v = streams.find((s) => s.codec_type === 'video')!;
    expect(v).toMatchObject({ width: 180, height: 320, r_frame_rate: '24/1' });
    expect(Number(v.nb_frames)).toBe(96);
    expect(streams.some((s) => s.codec_type === 'audio')).toBe(true);
    await extractLastFrame(file, join(dir, 'last.png'));
    await cover(join(dir, 'red.png'), 180, 320, join(dir, 'expected-last.png'));
    expect(await imagePsnr(join(dir, 'last.png'), join(dir, 'expected-last.png'))).toBeGreaterThan(30);
  });

  it('text_to_video renders a clip without an image', async () => {
    const c = client(emu);
    const created = await c.textToVideo.create({ model: 'gen4.5', promptText: 'a lighthouse at dusk', ratio: '1280:720', duration: 2 });
    const { done, file } = await downloadSucceeded(c, created.id, 't2v.mp4');
    expect(done.cost.credits).toBe(24);
    const [v] = await probe(file);
    expect(v).toMatchObject({ width: 320, height: 180, r_frame_rate: '24/1', nb_frames: '48' });
  });

  it('ephemeral uploads give runway:// URIs usable as promptImage; unknown ones are rejected', async () => {
    const c = client(emu);
    const { uri } = await c.uploads.createEphemeral({ file: await toFile(png, 'frame.png', { type: 'image/png' }) });
    expect(uri).toMatch(/^runway:\/\//);
    const created = await c.imageToVideo.create({ model: 'gen4_turbo', promptImage: uri, ratio: '960:960', duration: 2 });
    const { file } = await downloadSucceeded(c, created.id, 'upload.mp4');
    const [v] = await probe(file);
    expect(v).toMatchObject({ width: 240, height: 240 });
    expect(emu.stats().uploads).toBe(1);

    const err = await c.imageToVideo
      .create({ model: 'gen4_turbo', promptImage: 'runway://ephemeral/00000000-0000-0000-0000-000000000000/x.png', ratio: '960:960' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunwayML.BadRequestError);
    expect((err as APIError).error).toMatchObject({ error: expect.stringContaining("Invalid parameter 'promptImage'") });
  });

  it('https prompt images are accepted and rendered as a grey frame', async () => {
    const c = client(emu);
    const created = await c.imageToVideo.create({ model: 'gen4_turbo', promptImage: 'https://example.com/frame.png', ratio: '1280:720', duration: 2 });
    const { file } = await downloadSucceeded(c, created.id, 'grey.mp4');
    await extractFirstFrame(file, join(dir, 'grey.png'));
    await runFfmpeg(['-f', 'lavfi', '-i', 'color=c=0x808080:s=320x180', '-frames:v', '1', join(dir, 'grey-ref.png')]);
    expect(await imagePsnr(join(dir, 'grey.png'), join(dir, 'grey-ref.png'))).toBeGreaterThan(30);
  });

  it('an undecodable image fails the task with ASSET.INVALID', async () => {
    const c = client(emu);
    const created = await c.imageToVideo.create({
      model: 'gen4_turbo',
      promptImage: dataUri(Buffer.from('definitely not a png')),
      ratio: '1280:720',
      duration: 2,
    });
    const done = (await pollUntilDone(c, created.id)).at(-1)!;
    expect(done).toMatchObject({ status: 'FAILED', failureCode: 'ASSET.INVALID', cost: { credits: 0 } });
  });

  it('tasks.delete cancels a running task (CANCELLED, refunded) and deletes a finished one (404)', async () => {
    const c = client(emu);
    emu.script.nextTask({ durationMs: 30_000 });
    const slow = await c.imageToVideo.create({ model: 'gen4_turbo', promptImage: dataUri(png), ratio: '1280:720', duration: 2 });
    expect((await c.tasks.retrieve(slow.id)).status).toMatch(/PENDING|RUNNING/);
    await c.tasks.delete(slow.id);
    const cancelled = await c.tasks.retrieve(slow.id);
    expect(cancelled).toMatchObject({ status: 'CANCELLED', cost: { credits: 0 } });
    await c.tasks.delete(slow.id); // deleting a finished (cancelled) task removes it
    await expect(c.tasks.retrieve(slow.id)).rejects.toBeInstanceOf(RunwayML.NotFoundError);
    await expect(c.tasks.delete(slow.id)).rejects.toBeInstanceOf(RunwayML.NotFoundError);
    await expect(c.tasks.retrieve('00000000-0000-0000-0000-000000000000')).rejects.toBeInstanceOf(RunwayML.NotFoundError);
    expect(emu.stats()).toMatchObject({ created: 1, cancels: 3, polls: 4, downloads: 0 });
    expect(emu.creditBalance()).toBe(100_000);
  });

  it('scripts the next task: timing via durationMs and the default shape via allTasks', async () => {
    const c = client(emu);
    emu.script.nextTask({ durationMs: 0 });
    const a = await c.imageToVideo.create({ model: 'gen4_turbo', promptImage: dataUri(png), ratio: '1280:720', duration: 2 });
    await emu.idle();
    expect((await c.tasks.retrieve(a.id)).status).toBe('SUCCEEDED');
    emu.script.allTasks({ failureCode: 'INTERNAL' });
    const b = await c.imageToVideo.create({ model: 'gen4_turbo', promptImage: dataUri(png), ratio: '1280:720', duration: 2 });
    const d = await c.imageToVideo.create({ model: 'gen4_turbo', promptImage: dataUri(png), ratio: '1280:720', duration: 2 });
    expect((await pollUntilDone(c, b.id)).at(-1)).toMatchObject({ status: 'FAILED', failureCode: 'INTERNAL' });
    expect((await pollUntilDone(c, d.id)).at(-1)).toMatchObject({ status: 'FAILED', failureCode: 'INTERNAL' });
  });

  it('timeScale derives the task duration', async () => {
    const fast = await startRunwayEmulator({ timeScale: 1000, outputScale: 8 });
    try {
      const c = client(fast);
      const created = await c.imageToVideo.create({ model: 'gen4_turbo', promptImage: dataUri(png), ratio: '1280:720', duration: 2 });
      expect(fast.tasks.get(created.id)?.durationMs).toBe(27); // (15 + 6×2) s / 1000
      expect((await pollUntilDone(c, created.id, 20)).at(-1)?.status).toBe('SUCCEEDED');
    } finally {
      await fast.close();
    }
  });

  it('serves the control API for command-line use', async () => {
    await fetch(`${emu.url}/__emulator/runway/next-task`, { method: 'POST', body: JSON.stringify({ failureCode: 'SAFETY.INPUT.TEXT' }) });
    const c = client(emu);
    const t = await c.imageToVideo.create({ model: 'gen4_turbo', promptImage: dataUri(png), ratio: '1280:720', duration: 2 });
    expect((await pollUntilDone(c, t.id)).at(-1)).toMatchObject({ status: 'FAILED', failureCode: 'SAFETY.INPUT.TEXT' });
    const stats = (await (await fetch(`${emu.url}/__emulator/runway/stats`)).json()) as Record<string, number>;
    expect(stats).toMatchObject({ created: 1 });
    const reqs = (await (await fetch(`${emu.url}/__emulator/requests`)).json()) as Array<{ path: string; status?: number }>;
    expect(reqs[0]).toMatchObject({ path: '/v1/image_to_video', status: 200 });
  });
});
