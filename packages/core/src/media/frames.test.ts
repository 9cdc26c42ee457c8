import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TtvError } from '../spec/errors.js';
import { encodeStill, extractFirstFrame, extractFrame, extractLastFrame, imagePsnr, probeImage, probeVideo, runFfmpeg } from './index.js';
import { makeTestClip, makeTestImage, readTestFrameIndex } from './testing.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ttv-frames-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('exact frame extraction', () => {
  const cases = [
    { fps: 16, frames: 81 },
    { fps: 24, frames: 121 },
    { fps: 30, frames: 121 },
    { fps: 60, frames: 120 },
    { fps: 16, frames: 5 },
  ];
  for (const { fps, frames } of cases) {
    it(`last/first/nth frame at ${fps} fps, ${frames} frames`, async () => {
      const clip = join(dir, `num-${fps}-${frames}.mp4`);
      await makeTestClip(clip, { width: 320, height: 180, fps, frames, pattern: 'numbered' });
      const probe = await probeVideo(clip);
      expect(probe.frames).toBe(frames);
      expect(probe.fps).toBe(fps);

      const last = join(dir, `last-${fps}-${frames}.png`);
      await extractLastFrame(clip, last);
      expect(await readTestFrameIndex(last)).toBe(frames - 1);
      expect(await probeImage(last)).toEqual({ width: 320, height: 180, format: 'png' });

      const nth = join(dir, `n1-${fps}-${frames}.png`);
      await extractFrame(clip, frames - 1, nth);
      expect(await readTestFrameIndex(nth)).toBe(frames - 1);
      expect(await imagePsnr(last, nth)).toBe(Number.POSITIVE_INFINITY);
      const n2 = join(dir, `n2-${fps}-${frames}.png`);
      await extractFrame(clip, frames - 2, n2);
      expect(await readTestFrameIndex(n2)).toBe(frames - 2);
      expect(await imagePsnr(last, n2)).toBeLessThan(20);

      const first = join(dir, `first-${fps}-${frames}.png`);
      await extractFirstFrame(clip, first);
      expect(await readTestFrameIndex(first)).toBe(0);
      const mid = Math.floor(frames / 2);
      const midPng = join(dir, `mid-${fps}-${frames}.png`);
      await extractFrame(clip, mid, midPng);
      expect(await readTestFrameIndex(midPng)).toBe(mid);
    });
  }

  it('the test can tell a one-early last frame (the old `-sseof -0.1 -vframes 1` recipe) from the true one', async () => {
    const clip = join(dir, 'num-24-121.mp4');
    const early = join(dir, 'early.png');
    await runFfmpeg(['-sseof', '-0.1', '-i', clip, '-vframes', '1', early]);
    expect(await readTestFrameIndex(early)).toBe(119);
  });

  it('last frame of clips whose timestamps do not start at 0 (MPEG-TS, Matroska and MP4 with an offset)', async () => {
    const clip = join(dir, 'num-24-121.mp4');
    const variants: Array<[string, string[]]> = [
      ['ts', ['-c', 'copy', '-f', 'mpegts']],
      ['mkv', ['-c', 'copy', '-output_ts_offset', '3', '-f', 'matroska']],
      ['mp4', ['-c', 'copy', '-output_ts_offset', '3', '-f', 'mp4']],
    ];
    for (const [ext, args] of variants) {
      const shifted = join(dir, `shifted.${ext}`);
      await runFfmpeg(['-i', clip, ...args, shifted]);
      expect((await probeVideo(shifted)).frames).toBe(121);
      const last = join(dir, `shifted-${ext}-last.png`);
      await extractLastFrame(shifted, last);
      expect(await readTestFrameIndex(last), ext).toBe(120);
    }
  });

  it('last frame of a clip cut with -ss … -c copy is its last shown frame', async () => {
    const clip = join(dir, 'num-24-121.mp4');
    const cut = join(dir, 'cut.mp4');
    await runFfmpeg(['-ss', '1', '-i', clip, '-c', 'copy', cut]);
    const probe = await probeVideo(cut);
    expect(probe.frames).toBe(121 - 24);
    const last = join(dir, 'cut-last.png');
    await extractLastFrame(cut, last);
    expect(await readTestFrameIndex(last)).toBe(120);
    const first = join(dir, 'cut-first.png');
    await extractFirstFrame(cut, first);
    expect(await readTestFrameIndex(first)).toBe(24);
  });

  it('a frame index past the end fails with FFMPEG_FAILED and writes nothing', async () => {
    const clip = join(dir, 'num-16-5.mp4');
    const out = join(dir, 'past-end.png');
    await expect(extractFrame(clip, 5, out)).rejects.toMatchObject({ code: 'FFMPEG_FAILED' });
    await expect(probeImage(out)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });

  it('an output path through a file is PATH_INVALID naming it, with a fix', async () => {
    const clip = join(dir, 'small.mp4');
    await makeTestClip(clip, { width: 64, height: 36, fps: 8, frames: 4 });
    const error = await extractLastFrame(clip, join(clip, 'last.png')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PATH_INVALID', fix: expect.any(String) });
    expect((error as Error).message).toContain(clip);
  });

  it('a bad input reads as INPUT_INVALID naming the path', async () => {
    const text = join(dir, 'notes.mp4');
    await writeFile(text, 'not a video\n');
    const error = await extractLastFrame(text, join(dir, 'x.png')).catch((e: unknown) => e);
    expect(TtvError.is(error) && error.code).toBe('INPUT_INVALID');
    expect((error as Error).message).toContain(text);
  });
});

describe('colour round trips', () => {
  it('10 hops of encodeStill → extractLastFrame stay within 45 dB', async () => {
    const start = join(dir, 'hop-0.png');
    await makeTestImage(start, { width: 640, height: 360, pattern: 'gradient' });
    let current = start;
    const psnrs: number[] = [];
    for (let hop = 1; hop <= 10; hop++) {
      const clip = join(dir, `hop-${hop}.mp4`);
      await encodeStill(current, clip, { fps: 16, frames: 9 });
      const p = await probeVideo(clip);
      expect([p.frames, p.width, p.height, p.pixFmt, p.timeBase]).toEqual([9, 640, 360, 'yuv420p', '1/90000']);
      const next = join(dir, `hop-${hop}.png`);
      await extractLastFrame(clip, next);
      current = next;
      psnrs.push(await imagePsnr(start, current));
    }
    console.log('PSNR vs start after each hop (dB):', psnrs.map((v) => v.toFixed(2)).join(' '));
    expect(psnrs[9]).toBeGreaterThanOrEqual(45);

    // The same chain with a naive extraction (default swscale flags) drifts further.
    let naive = start;
    for (let hop = 1; hop <= 10; hop++) {
      const clip = join(dir, `naive-${hop}.mp4`);
      await encodeStill(naive, clip, { fps: 16, frames: 3 });
      naive = join(dir, `naive-${hop}.png`);
      await runFfmpeg(['-sseof', '-1', '-i', clip, '-update', '1', naive]);
    }
    const naivePsnr = await imagePsnr(start, naive);
    console.log(`naive extraction after 10 hops: ${naivePsnr.toFixed(2)} dB`);
    expect(naivePsnr).toBeLessThan(psnrs[9]! - 1);
  });
});
