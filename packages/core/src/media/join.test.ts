import { access, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractFrame, joinSegments, makeTestClip, probeVideo, readTestFrameIndex } from './index.js';

let dir: string;
const clip = (name: string) => join(dir, name);
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ttv-join-it's-"));
  await Promise.all([
    makeTestClip(clip('a.mp4'), { width: 320, height: 180, fps: 24, frames: 48, pattern: 'numbered' }),
    makeTestClip(clip('b.mp4'), { width: 320, height: 180, fps: 24, frames: 30, pattern: 'numbered' }),
  ]);
  await Promise.all([
    makeTestClip(clip('c.mp4'), { width: 320, height: 180, fps: 16, frames: 32 }),
    makeTestClip(clip('d.mp4'), { width: 480, height: 270, fps: 24, frames: 48 }),
  ]);
  await makeTestClip(clip('e.mp4'), { width: 320, height: 240, fps: 30, frames: 60 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('joinSegments', () => {
  it('stream-copies compatible segments', async () => {
    const out = clip('copy.mp4');
    const fractions: number[] = [];
    const result = await joinSegments(
      [{ path: clip('a.mp4') }, { path: clip('b.mp4') }],
      out,
      { width: 320, height: 180, fps: 24 },
      {
        onProgress: (f) => fractions.push(f),
      },
    );
    expect(result.method).toBe('copy');
    expect(result.normalised).toEqual([]);
    const probe = await probeVideo(out, { countFrames: true });
    expect(probe.frames).toBe(78);
    expect(probe.durationSec).toBeCloseTo(78 / 24, 1);
    expect(result.probe.frames).toBe(78);
    expect(fractions.at(-1)).toBe(1);
    // Frame 48 of the join is frame 0 of b; frame 77 is b's last.
    await extractFrame(out, 48, clip('copy-48.png'));
    expect(await readTestFrameIndex(clip('copy-48.png'))).toBe(0);
    await extractFrame(out, 47, clip('copy-47.png'));
    expect(await readTestFrameIndex(clip('copy-47.png'))).toBe(47);
  });

  it('normalises mixed sizes and frame rates, and a rerun re-encodes nothing', async () => {
    const out = clip('mixed.mp4');
    const cacheDir = clip('cache-mixed');
    const inputs = [{ path: clip('c.mp4') }, { path: clip('d.mp4') }, { path: clip('e.mp4') }];
    const target = { width: 320, height: 180, fps: 24 };
    const result = await joinSegments(inputs, out, target, { cacheDir });
    expect(result.method).toBe('normalise');
    expect(result.normalised).toHaveLength(3);
    const probe = await probeVideo(out, { countFrames: true });
    expect([probe.width, probe.height, probe.fps, probe.pixFmt, probe.sar]).toEqual([320, 180, 24, 'yuv420p', '1:1']);
    // 2 s each at 24 fps = 48 frames each, ±1 per converted input (c at 16 fps, e at 30 fps).
    expect(Math.abs(probe.frames - 144)).toBeLessThanOrEqual(2);
    expect(probe.durationSec).toBeCloseTo(6, 0);

    const mtimes = await Promise.all(result.normalised.map(async (p) => (await stat(p)).mtimeMs));
    const again = await joinSegments(inputs, out, target, { cacheDir });
    expect(again.normalised).toEqual(result.normalised);
    expect(await Promise.all(again.normalised.map(async (p) => (await stat(p)).mtimeMs))).toEqual(mtimes);
    expect((await readdir(cacheDir)).filter((f) => f.endsWith('.mp4'))).toHaveLength(3);
  });

  it('dropFirstFrame removes exactly one frame per flagged input', async () => {
    const target = { width: 320, height: 180, fps: 24 };
    const cacheDir = clip('cache-drop');
    const result = await joinSegments([{ path: clip('a.mp4') }, { path: clip('b.mp4'), dropFirstFrame: true }], clip('drop.mp4'), target, {
      cacheDir,
    });
    expect(result.method).toBe('normalise');
    const probe = await probeVideo(clip('drop.mp4'), { countFrames: true });
    expect(probe.frames).toBe(48 + 30 - 1);
    // The seam: frame 47 is a's last, frame 48 is b's frame 1 (b's frame 0 was dropped).
    await extractFrame(clip('drop.mp4'), 48, clip('drop-48.png'));
    expect(await readTestFrameIndex(clip('drop-48.png'))).toBe(1);
    await extractFrame(clip('drop.mp4'), 47, clip('drop-47.png'));
    expect(await readTestFrameIndex(clip('drop-47.png'))).toBe(47);

    const both = await joinSegments(
      [
        { path: clip('a.mp4'), dropFirstFrame: true },
        { path: clip('b.mp4'), dropFirstFrame: true },
      ],
      clip('drop2.mp4'),
      target,
      { cacheDir },
    );
    expect(both.probe.frames).toBe(48 + 30 - 2);
  });

  it('abort mid-join rejects with CANCELLED and leaves no output', async () => {
    const out = clip('aborted.mp4');
    const controller = new AbortController();
    const promise = joinSegments(
      [{ path: clip('c.mp4') }, { path: clip('d.mp4') }, { path: clip('e.mp4') }],
      out,
      { width: 640, height: 360, fps: 30 },
      {
        signal: controller.signal,
        cacheDir: clip('cache-abort'),
        preset: 'medium',
        onProgress: (f) => {
          if (f > 0) controller.abort();
        },
      },
    );
    setTimeout(() => controller.abort(), 1500);
    await expect(promise).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(access(out)).rejects.toThrow();
    expect((await readdir(dir)).filter((f) => f.includes('aborted'))).toEqual([]);
    expect((await readdir(clip('cache-abort'))).filter((f) => f.endsWith('.mp4'))).toEqual([]);
  });

  it('rejects zero inputs and bad targets with INPUT_INVALID', async () => {
    await expect(joinSegments([], clip('none.mp4'), { width: 320, height: 180, fps: 24 })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(joinSegments([{ path: clip('a.mp4') }], clip('odd.mp4'), { width: 321, height: 180, fps: 24 })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
    await expect(joinSegments([{ path: clip('missing.mp4') }], clip('m.mp4'), { width: 320, height: 180, fps: 24 })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining('missing.mp4'),
    });
  });
});
