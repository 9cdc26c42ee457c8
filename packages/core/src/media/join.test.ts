import { access, chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTempName } from '../util/fs.js';
import { extractFrame, joinSegments, probeVideo, resolveFfmpeg, runFfmpeg } from './index.js';
import { readMp4VideoTrack } from './mp4.js';
import { ffmpegFsError } from './run.js';
import { makeTestClip, readTestFrameIndex } from './testing.js';

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

  it('a copy join of inputs that carry their probe runs no ffprobe, and reports what ffprobe would', async () => {
    const real = resolveFfmpeg();
    // A folder without a quote in its name (the shell script quotes paths with ').
    const wrapDir = await mkdtemp(join(tmpdir(), 'ttv-wrap-'));
    const log = join(wrapDir, 'ffprobe-calls.log');
    const wrapper = join(wrapDir, 'ffprobe-logged.sh');
    await writeFile(log, '');
    await writeFile(wrapper, `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real.ffprobe}' "$@"\n`);
    await chmod(wrapper, 0o755);
    const binaries = { ...real, ffprobe: wrapper };
    const inputs = await Promise.all(['a.mp4', 'b.mp4'].map(async (n) => ({ path: clip(n), probe: await probeVideo(clip(n)) })));
    const result = await joinSegments(inputs, clip('known.mp4'), { width: 320, height: 180, fps: 24 }, { binaries });
    expect(result.method).toBe('copy');
    expect(await readFile(log, 'utf8')).toBe('');
    const probed = await probeVideo(clip('known.mp4'));
    expect(result.probe).toMatchObject({ ...probed, durationSec: expect.any(Number) });
    expect(result.probe.durationSec).toBeCloseTo(probed.durationSec, 2);
    expect(result.probe.frames).toBe(78);
    await rm(wrapDir, { recursive: true, force: true });
  });

  it('readMp4VideoTrack reads the header, and tells a truncated file', async () => {
    const track = await readMp4VideoTrack(clip('a.mp4'));
    expect(track).toMatchObject({ frames: 48, width: 320, height: 180, complete: true });
    expect(track?.durationSec).toBeCloseTo(2, 2);
    const cut = clip('a-truncated.mp4');
    await copyFile(clip('a.mp4'), cut);
    await truncate(cut, (await stat(cut)).size - 1000);
    expect(await readMp4VideoTrack(cut)).toMatchObject({ frames: 48, complete: false });
    expect(await readMp4VideoTrack(clip('missing.mp4'))).toBeUndefined();
    await writeFile(clip('junk.mp4'), 'not an mp4 at all');
    expect(await readMp4VideoTrack(clip('junk.mp4'))).toBeUndefined();
  });

  it('a clip cut with -ss … -c copy is normalised, not copied: the join shows exactly its shown frames', async () => {
    const cut = clip('a-cut.mp4');
    await runFfmpeg(['-ss', '0.5', '-i', clip('a.mp4'), '-c', 'copy', cut]);
    const result = await joinSegments(
      [{ path: cut }, { path: clip('b.mp4') }],
      clip('cut-join.mp4'),
      { width: 320, height: 180, fps: 24 },
      {
        cacheDir: clip('cache-cut'),
      },
    );
    expect(result.method).toBe('normalise');
    const probe = await probeVideo(clip('cut-join.mp4'), { countFrames: true });
    expect(probe.frames).toBe(36 + 30);
    await extractFrame(clip('cut-join.mp4'), 35, clip('cut-35.png'));
    expect(await readTestFrameIndex(clip('cut-35.png'))).toBe(47);
    await extractFrame(clip('cut-join.mp4'), 36, clip('cut-36.png'));
    expect(await readTestFrameIndex(clip('cut-36.png'))).toBe(0);
  });

  it('a bad cache entry (short write, wrong frame count) is deleted and re-made; stale temp files of killed runs are removed', async () => {
    const cacheDir = clip('cache-bad');
    const inputs = [{ path: clip('c.mp4') }, { path: clip('d.mp4') }, { path: clip('e.mp4') }];
    const target = { width: 320, height: 180, fps: 24 };
    const first = await joinSegments(inputs, clip('bad.mp4'), target, { cacheDir });
    const [c, d, e] = first.normalised as [string, string, string];
    const good = await readFile(d);
    // A short write: the header promises every frame over data that stops early.
    await truncate(d, Math.floor(good.length * 0.6));
    // "95 frames, expected 283": a complete file with the wrong number of frames.
    await copyFile(clip('b.mp4'), e);
    // Nothing left: a file that does not probe.
    await writeFile(c, 'x');
    // Temp files of a killed run (pid 999999 is not running) beside the output and in the cache, and a live one.
    const dead = [
      join(cacheDir, `.${'f'.repeat(64)}.mp4.999999.deadbeef.tmp.mp4`),
      clip('.bad.mp4.999999.0badcafe.tmp.mp4'),
      clip('.bad.mp4.999999.0badcafe.tmp.mp4.txt'),
    ];
    const live = join(cacheDir, `.x.mp4.${process.pid}.12345678.tmp.mp4`);
    for (const f of [...dead, live, join(cacheDir, 'keep.tmp')]) await writeFile(f, 'partial');
    // The folder of audio parts a killed long-film join leaves beside the output (with a part in it).
    const deadParts = clip('.bad.mp4.999999.feedface.tmp.mp4');
    await mkdir(deadParts);
    await writeFile(join(deadParts, 'part-0.wav'), 'partial');
    dead.push(deadParts);
    const again = await joinSegments(inputs, clip('bad.mp4'), target, { cacheDir });
    expect(again.normalised).toEqual(first.normalised);
    expect((await probeVideo(clip('bad.mp4'), { countFrames: true })).frames).toBe(first.probe.frames);
    expect((await readFile(d)).equals(good)).toBe(true);
    expect((await probeVideo(e, { countFrames: true })).frames).toBe(48);
    for (const f of dead) await expect(access(f)).rejects.toThrow();
    await access(live);
    await access(join(cacheDir, 'keep.tmp'));
  });

  it('disk full during the join, then space freed: the next join completes without manual clean-up', async () => {
    const mnt = clip('small-disk');
    await mkdir(mnt);
    const inputs = [{ path: clip('c.mp4') }, { path: clip('d.mp4') }, { path: clip('e.mp4') }];
    const target = { width: 320, height: 180, fps: 24 };
    // Room for about one normalised segment (each is ~40-70 KB here), so the join runs out of space part-way.
    const mounted = await execa('mount', ['-t', 'tmpfs', '-o', 'size=96k', 'tmpfs', mnt], { reject: false });
    if (mounted.exitCode !== 0) {
      console.log(`skipped: cannot mount a small tmpfs (${String(mounted.stderr || mounted.message).trim()}); needs root or CAP_SYS_ADMIN`);
      return;
    }
    try {
      const out = join(mnt, 'film.mp4');
      const cacheDir = join(mnt, 'cache');
      const error = await joinSegments(inputs, out, target, { cacheDir }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'DISK_FULL' });
      expect((error as Error).message).toContain(mnt);
      expect((error as { fix?: string }).fix).toMatch(/free disk space/);
      await expect(access(out)).rejects.toThrow();
      // Nothing half-written is left behind.
      const leftovers = [...(await readdir(mnt)), ...(await readdir(cacheDir).catch(() => []))].filter((n) => parseTempName(n));
      expect(leftovers).toEqual([]);
      // Free space; the same join now completes.
      await execa('mount', ['-o', 'remount,size=4m', mnt]);
      const result = await joinSegments(inputs, out, target, { cacheDir });
      const probe = await probeVideo(out, { countFrames: true });
      expect(probe.frames).toBe(result.probe.frames);
      expect(Math.abs(probe.frames - 144)).toBeLessThanOrEqual(2);
    } finally {
      await execa('umount', [mnt], { reject: false });
    }
  });

  it('a path through a file is PATH_INVALID naming it; ffmpeg write errors map to coded errors', async () => {
    const error = await joinSegments([{ path: clip('a.mp4') }], clip('a.mp4/out.mp4'), { width: 320, height: 180, fps: 24 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PATH_INVALID' });
    expect((error as Error).message).toContain('a.mp4');
    expect(ffmpegFsError('Error writing trailer of /x/t.mp4: No space left on device\n', '/x/t.mp4', 'the film', '/x/film.mp4')).toMatchObject({
      code: 'DISK_FULL',
      value: '/x/film.mp4',
    });
    expect(ffmpegFsError('/ro/t.mp4: Read-only file system\n', '/ro/t.mp4', 'the film')).toMatchObject({ code: 'NOT_WRITABLE' });
    expect(ffmpegFsError('/in.mp4: Permission denied\n', '/out.mp4', 'the film')).toBeUndefined();
    expect(ffmpegFsError('/o/t.mp4: Permission denied\n', '/o/t.mp4', 'the film')).toMatchObject({ code: 'NOT_WRITABLE' });
    expect(ffmpegFsError('/o/t.mp4: Not a directory\n', '/o/t.mp4', 'the film')).toMatchObject({ code: 'PATH_INVALID' });
  });
});
