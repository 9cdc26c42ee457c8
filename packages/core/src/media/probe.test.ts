import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TtvError } from '../spec/errors.js';
import { fitImage, imagePsnr, probeImage, probeVideo, resolveFfmpeg, runFfmpeg, runFfprobe } from './index.js';
import { chooseFps } from './probe.js';
import { makeTestClip, makeTestImage } from './testing.js';

let dir: string;
const at = (name: string) => join(dir, name);
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ttv-probe-'));
  await Promise.all([
    makeTestClip(at('clip.mp4'), { width: 320, height: 180, fps: 30, frames: 45 }),
    makeTestImage(at('grad.png'), { width: 640, height: 360 }),
    makeTestImage(at('mandel.png'), { width: 640, height: 360, pattern: 'mandelbrot' }),
    makeTestImage(at('alpha.png'), { width: 300, height: 400, pattern: 'rgba' }),
    writeFile(at('notes.txt'), 'hello, not a video\n'),
    writeFile(at('empty.mp4'), ''),
  ]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function invalid(promise: Promise<unknown>, path: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(TtvError.is(error) && error.code).toBe('INPUT_INVALID');
  expect((error as Error).message).toContain(path);
  expect((error as Error).message.length).toBeLessThan(300);
}

/** RGB of pixel (x, y). */
async function pixel(image: string, x: number, y: number): Promise<number[]> {
  const raw = at(`px-${Math.random().toString(36).slice(2)}.rgb`);
  await runFfmpeg(['-i', image, '-vf', `crop=2:2:${x}:${y}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', raw]);
  return [...(await readFile(raw)).subarray(0, 3)];
}

describe('probeVideo / probeImage', () => {
  it('probes a clip', async () => {
    const p = await probeVideo(at('clip.mp4'));
    expect(p).toMatchObject({ frames: 45, fps: 30, width: 320, height: 180, codec: 'h264', pixFmt: 'yuv420p', sar: '1:1', hasAudio: false });
    expect(p.profile).toBeTypeOf('string');
    expect(p.timeBase).toMatch(/^1\/\d+$/);
    expect(p.durationSec).toBeCloseTo(1.5, 2);
    expect(p.sizeBytes).toBe((await stat(at('clip.mp4'))).size);
    expect((await probeVideo(at('clip.mp4'), { countFrames: true })).frames).toBe(45);
  });

  it('rejects missing, empty, text and image files as INPUT_INVALID naming the path', async () => {
    await invalid(probeVideo(at('missing.mp4')), at('missing.mp4'));
    await invalid(probeVideo(at('empty.mp4')), at('empty.mp4'));
    await invalid(probeVideo(at('notes.txt')), at('notes.txt'));
    await invalid(probeVideo(at('grad.png')), at('grad.png'));
    await invalid(probeImage(at('missing.png')), at('missing.png'));
    await invalid(probeImage(at('notes.txt')), at('notes.txt'));
    await invalid(probeImage(at('clip.mp4')), at('clip.mp4'));
    expect(await probeImage(at('grad.png'))).toEqual({ width: 640, height: 360, format: 'png' });
  });
});

describe('probeVideo edge cases', () => {
  it('probes MPEG-TS (the bundled ffprobe crashes on it), with and without audio', async () => {
    const ts = at('clip.ts');
    await runFfmpeg(['-i', at('clip.mp4'), '-c', 'copy', '-f', 'mpegts', ts]);
    const p = await probeVideo(ts);
    expect(p).toMatchObject({ frames: 45, fps: 30, width: 320, height: 180, codec: 'h264', pixFmt: 'yuv420p', hasAudio: false });
    expect(p.durationSec).toBeCloseTo(1.5, 1);
    expect(p.sizeBytes).toBe((await stat(ts)).size);
    const withAudio = at('audio.ts');
    await runFfmpeg([
      '-i',
      at('clip.mp4'),
      '-f',
      'lavfi',
      '-i',
      'anullsrc=r=48000:cl=stereo',
      '-shortest',
      '-c:v',
      'copy',
      '-c:a',
      'aac',
      '-f',
      'mpegts',
      withAudio,
    ]);
    expect(await probeVideo(withAudio)).toMatchObject({ frames: 45, hasAudio: true });
    // A text file with a .ts name is still INPUT_INVALID.
    await writeFile(at('notes.ts'), 'G'.repeat(400));
    await invalid(probeVideo(at('notes.ts')), at('notes.ts'));
  });

  it('counts the frames a clip cut with -ss … -c copy shows, not the ones its edit list hides', async () => {
    const src = at('long48.mp4');
    await makeTestClip(src, { width: 320, height: 180, fps: 24, frames: 48 });
    const cut = at('cut.mp4');
    await runFfmpeg(['-ss', '0.5', '-i', src, '-c', 'copy', cut]);
    const { stdout } = await runFfprobe(['-select_streams', 'v:0', '-show_entries', 'stream=nb_frames', '-of', 'csv=p=0', cut]);
    expect(Number(stdout.trim())).toBe(48); // stored
    const p = await probeVideo(cut);
    expect(p.frames).toBe(36); // shown
    expect(p.hiddenFrames).toBe(12);
    expect((await probeVideo(cut, { countFrames: true })).frames).toBe(36);
    expect((await probeVideo(src)).hiddenFrames).toBeUndefined();
  });

  it('chooseFps: a 24 fps film is not labelled 23.976 (nor the reverse)', () => {
    // r_frame_rate says 24000/1001 while the average and frames/duration say 24.
    expect(chooseFps('24000/1001', '24/1', 120, 5)).toBe(24);
    expect(chooseFps('24/1', '24000/1001', 120, 5.005)).toBeCloseTo(23.976, 3);
    expect(chooseFps('24/1', '24/1', 120, 5)).toBe(24);
    expect(chooseFps('24000/1001', '24000/1001', 120, 5.005)).toBeCloseTo(23.976, 3);
    // Joined clips average slightly off the nominal rate: keep the nominal one.
    expect(chooseFps('24/1', '201000/8377', 67, 2.792333)).toBe(24);
    expect(chooseFps('30000/1001', '30/1', 300, 10)).toBe(30);
    expect(chooseFps(undefined, '16/1')).toBe(16);
    expect(chooseFps('0/0', undefined)).toBeUndefined();
  });
});

describe('fitImage', () => {
  it('cover and contain give the exact size; contain pads with black', async () => {
    const cover = await fitImage(at('grad.png'), at('cover.png'), { width: 256, height: 256, fit: 'cover', format: 'png' });
    expect(cover).toMatchObject({ width: 256, height: 256, mimeType: 'image/png' });
    expect(cover.bytes).toBe((await stat(at('cover.png'))).size);
    expect(await probeImage(at('cover.png'))).toEqual({ width: 256, height: 256, format: 'png' });
    // cover crops the sides: the top-left is no longer pure black-ish red=0 column.
    const contain = await fitImage(at('grad.png'), at('contain.png'), { width: 360, height: 360, fit: 'contain', format: 'png' });
    expect(contain).toMatchObject({ width: 360, height: 360, mimeType: 'image/png' });
    expect(await pixel(at('contain.png'), 180, 2)).toEqual([0, 0, 0]);
    expect((await pixel(at('contain.png'), 300, 180)).some((v) => v > 50)).toBe(true);
  });

  it('flattens alpha onto black for jpeg and keeps it for png', async () => {
    const jpeg = await fitImage(at('alpha.png'), at('alpha.jpg'), { width: 200, height: 200, fit: 'cover', format: 'jpeg' });
    expect(jpeg).toMatchObject({ width: 200, height: 200, mimeType: 'image/jpeg' });
    expect(await probeImage(at('alpha.jpg'))).toEqual({ width: 200, height: 200, format: 'jpeg' });
    // alpha is 0 at the left edge → black; opaque on the right → the picture.
    expect(Math.max(...(await pixel(at('alpha.jpg'), 1, 100)))).toBeLessThan(12);
    expect(Math.max(...(await pixel(at('alpha.jpg'), 196, 100)))).toBeGreaterThan(60);
    await fitImage(at('alpha.png'), at('alpha-fit.png'), { width: 200, height: 200, fit: 'contain', format: 'png' });
    const { stdout } = await runFfprobe(['-show_entries', 'stream=pix_fmt', '-of', 'csv=p=0', at('alpha-fit.png')]);
    expect(stdout.trim()).toBe('rgba');
  });

  it('honours maxBytes for jpeg by lowering quality, then size; impossible → INPUT_INVALID', async () => {
    const full = await fitImage(at('mandel.png'), at('full.jpg'), { width: 640, height: 360, fit: 'cover', format: 'jpeg' });
    const limit = Math.floor(full.bytes / 3);
    const small = await fitImage(at('mandel.png'), at('small.jpg'), { width: 640, height: 360, fit: 'cover', format: 'jpeg', maxBytes: limit });
    expect(small.bytes).toBeLessThanOrEqual(limit);
    expect(small.bytes).toBe((await stat(at('small.jpg'))).size);
    expect([small.width, small.height]).toEqual([640, 360]);
    const tiny = await fitImage(at('mandel.png'), at('tiny.jpg'), { width: 640, height: 360, fit: 'cover', format: 'jpeg', maxBytes: 3000 });
    expect(tiny.bytes).toBeLessThanOrEqual(3000);
    expect(tiny.width).toBeLessThan(640);
    expect(await probeImage(at('tiny.jpg'))).toMatchObject({ width: tiny.width, height: tiny.height, format: 'jpeg' });
    await expect(
      fitImage(at('mandel.png'), at('impossible.jpg'), { width: 640, height: 360, fit: 'cover', format: 'jpeg', maxBytes: 100 }),
    ).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(existsSync(at('impossible.jpg'))).toBe(false);
  });
});

describe('imagePsnr', () => {
  it('is Infinity for identical images, finite otherwise, and refuses different sizes', async () => {
    expect(await imagePsnr(at('grad.png'), at('grad.png'))).toBe(Number.POSITIVE_INFINITY);
    const psnr = await imagePsnr(at('grad.png'), at('mandel.png'));
    expect(psnr).toBeGreaterThan(0);
    expect(psnr).toBeLessThan(20);
    await expect(imagePsnr(at('grad.png'), at('cover.png'))).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

describe('resolveFfmpeg', () => {
  it('skips an FFMPEG_PATH that does not exist and falls through to the bundled binaries', () => {
    const bins = resolveFfmpeg({ env: { PATH: '', FFMPEG_PATH: '/nonexistent/ffmpeg', FFPROBE_PATH: '/nonexistent/ffprobe' } });
    expect(bins.source.ffmpeg).not.toBe('FFMPEG_PATH');
    expect(bins.source.ffprobe).not.toBe('FFPROBE_PATH');
    expect(existsSync(bins.ffmpeg)).toBe(true);
  });

  it('prefers explicit paths over FFMPEG_PATH', () => {
    const real = resolveFfmpeg({ env: { PATH: '' } });
    const bins = resolveFfmpeg({
      ffmpegPath: real.ffmpeg,
      ffprobePath: real.ffprobe,
      env: { PATH: '', FFMPEG_PATH: '/nonexistent/ffmpeg2', FFPROBE_PATH: '/nonexistent/ffprobe2' },
    });
    expect(bins.source).toEqual({ ffmpeg: 'config ffmpeg.ffmpegPath', ffprobe: 'config ffmpeg.ffprobePath' });
    expect(bins.ffmpeg).toBe(real.ffmpeg);
  });
});
