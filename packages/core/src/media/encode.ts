import { rm } from 'node:fs/promises';
import { TtvError } from '../spec/errors.js';
import { tempPathFor } from '../util/fs.js';
import type { FfmpegBinaries } from './binaries.js';
import { probeImage } from './probe.js';
import { runFfmpeg } from './run.js';
import { ACCURATE_SWS, assertWritten, produceMedia } from './verify.js';

interface CommonOptions {
  signal?: AbortSignal;
  binaries?: FfmpegBinaries;
  timeoutMs?: number;
}

export interface EncodeStillOptions extends CommonOptions {
  /** Clip length; the frame count is `frames ?? round(durationSec * fps)`. */
  durationSec?: number;
  frames?: number;
  fps: number;
  /** Output size (exact scale); default: the image's size rounded down to even. */
  width?: number;
  height?: number;
  /** libx264 CRF (default 12: stills compress well, and chained stills must not drift). */
  crf?: number;
}

function runOpts(opts: CommonOptions, defaultTimeoutMs: number) {
  return { signal: opts.signal, binaries: opts.binaries, timeoutMs: opts.timeoutMs ?? defaultTimeoutMs };
}

function assertPositiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new TtvError('INPUT_INVALID', `${name} must be a positive integer, got ${value}`, { field: name, value });
}

/**
 * Encodes a still clip of `image`: H.264 yuv420p, exactly `frames ?? round(durationSec * fps)` frames, MP4 time
 * scale 90000, colour-accurate RGB → YUV conversion.
 */
export async function encodeStill(image: string, outMp4: string, opts: EncodeStillOptions): Promise<void> {
  if (!(opts.fps > 0)) throw new TtvError('INPUT_INVALID', `fps must be > 0, got ${opts.fps}`, { field: 'fps', value: opts.fps });
  const frames = opts.frames ?? Math.round((opts.durationSec ?? Number.NaN) * opts.fps);
  assertPositiveInt('frames', frames);
  await probeImage(image, { signal: opts.signal, binaries: opts.binaries });
  if (opts.width !== undefined) assertPositiveInt('width', opts.width);
  if (opts.height !== undefined) assertPositiveInt('height', opts.height);
  const w = opts.width ?? 'trunc(iw/2)*2';
  const h = opts.height ?? 'trunc(ih/2)*2';
  const fps = String(opts.fps);
  await produceMedia(outMp4, `the still clip of ${image}`, async (tmp) => {
    await runFfmpeg(
      [
        ...['-loop', '1', '-framerate', fps, '-i', image],
        ...['-vf', `scale=${w}:${h},setsar=1,format=yuv420p`, ...ACCURATE_SWS],
        ...['-frames:v', String(frames), '-r', fps, '-an'],
        ...['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'stillimage', '-crf', String(opts.crf ?? 12), '-pix_fmt', 'yuv420p'],
        ...['-video_track_timescale', '90000', '-movflags', '+faststart', '-f', 'mp4', tmp],
      ],
      runOpts(opts, 300_000),
    );
    await assertWritten(tmp, `still clip of ${image}`);
  });
}

export interface FitImageOptions extends CommonOptions {
  width: number;
  height: number;
  /** cover: scale up and crop the overflow; contain: scale down and pad with black bars. */
  fit: 'cover' | 'contain';
  format: 'png' | 'jpeg';
  /** JPEG only: lower the quality, then the size, until the file is at most this many bytes. */
  maxBytes?: number;
}

export interface FitImageResult {
  width: number;
  height: number;
  mimeType: 'image/png' | 'image/jpeg';
  /** Size of the written file in bytes. */
  bytes: number;
}

/**
 * Scales `input` to exactly width×height (cover = scale + crop, contain = scale + black pad) as PNG or JPEG.
 * Alpha is kept for PNG and flattened onto black for JPEG. With `maxBytes` (JPEG), the quality is lowered
 * (`-q:v` 2 → 31), then the picture is downscaled; INPUT_INVALID when even that cannot fit.
 */
export async function fitImage(input: string, output: string, opts: FitImageOptions): Promise<FitImageResult> {
  assertPositiveInt('width', opts.width);
  assertPositiveInt('height', opts.height);
  await probeImage(input, { signal: opts.signal, binaries: opts.binaries });
  const jpeg = opts.format === 'jpeg';
  const mimeType = jpeg ? 'image/jpeg' : 'image/png';

  const encode = async (tmp: string, width: number, height: number, q: number): Promise<number> => {
    const W = opts.width;
    const H = opts.height;
    const fit =
      opts.fit === 'cover'
        ? `scale=${W}:${H}:force_original_aspect_ratio=increase,crop=${W}:${H}`
        : `scale=${W}:${H}:force_original_aspect_ratio=decrease,pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2:color=black`;
    const resize = width !== W || height !== H ? `,scale=${width}:${height}` : '';
    const args = jpeg
      ? [
          '-filter_complex',
          `[0:v]${fit}${resize},setsar=1,format=rgba[fg];color=c=black:s=${width}x${height}[bg];[bg][fg]overlay=shortest=1:format=rgb,format=yuvj420p[out]`,
          ...['-map', '[out]', '-q:v', String(q), '-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p'],
        ]
      : ['-vf', `${fit}${resize},setsar=1`, '-c:v', 'png'];
    await runFfmpeg(['-i', input, ...args, ...ACCURATE_SWS, '-frames:v', '1', '-update', '1', '-f', 'image2', tmp], runOpts(opts, 120_000));
    return assertWritten(tmp, `${opts.format} image from ${input}`);
  };

  if (!jpeg || opts.maxBytes === undefined) {
    return produceMedia(output, `the fitted image of ${input}`, async (tmp) => {
      const bytes = await encode(tmp, opts.width, opts.height, 2);
      return { width: opts.width, height: opts.height, mimeType, bytes };
    });
  }

  const maxBytes = opts.maxBytes;
  return produceMedia(output, `the fitted image of ${input}`, async (tmp) => {
    const probeTmp = tempPathFor(output);
    try {
      const fits = async (w: number, h: number, q: number) => (await encode(probeTmp, w, h, q)) <= maxBytes;
      let width = opts.width;
      let height = opts.height;
      for (;;) {
        // Smallest -q:v (best quality) in 2..31 that fits; JPEG size falls monotonically (near enough) with q.
        if (await fits(width, height, 31)) {
          let lo = 2;
          let hi = 31;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (await fits(width, height, mid)) hi = mid;
            else lo = mid + 1;
          }
          const bytes = await encode(tmp, width, height, lo);
          if (bytes > maxBytes) throw new TtvError('FFMPEG_FAILED', `jpeg re-encode of ${input} at q ${lo} exceeded ${maxBytes} bytes`);
          return { width, height, mimeType, bytes };
        }
        const nextW = Math.floor((width * 0.75) / 2) * 2;
        const nextH = Math.floor((height * 0.75) / 2) * 2;
        if (nextW < 16 || nextH < 16) {
          throw new TtvError('INPUT_INVALID', `${input}: cannot fit a ${opts.width}x${opts.height} JPEG into ${maxBytes} bytes`, {
            field: 'maxBytes',
            value: maxBytes,
          });
        }
        width = nextW;
        height = nextH;
      }
    } finally {
      await rm(probeTmp, { force: true });
    }
  });
}

/**
 * PSNR in dB between two images of the same size (RGB planes, ffmpeg `psnr` filter); Infinity when identical.
 * Different sizes → INPUT_INVALID.
 */
export async function imagePsnr(a: string, b: string, opts: CommonOptions = {}): Promise<number> {
  const [pa, pb] = await Promise.all([probeImage(a, opts), probeImage(b, opts)]);
  if (pa.width !== pb.width || pa.height !== pb.height) {
    throw new TtvError('INPUT_INVALID', `imagePsnr: ${a} is ${pa.width}x${pa.height} but ${b} is ${pb.width}x${pb.height}`, {
      value: [a, b],
    });
  }
  const { stderr } = await runFfmpeg(
    [
      ...['-v', 'info', '-i', a, '-i', b],
      ...['-lavfi', '[0:v]format=gbrp[a];[1:v]format=gbrp[b];[a][b]psnr', ...ACCURATE_SWS, '-frames:v', '1', '-f', 'null', '-'],
    ],
    runOpts(opts, 60_000),
  );
  const match = /PSNR .*average:(inf|[\d.]+)/.exec(stderr);
  if (!match?.[1]) throw new TtvError('FFMPEG_FAILED', `imagePsnr: no PSNR in ffmpeg output for ${a} vs ${b}`);
  return match[1] === 'inf' ? Number.POSITIVE_INFINITY : Number(match[1]);
}
