import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { TtvError } from '../spec/errors.js';
import type { FfmpegBinaries } from './binaries.js';
import { runFfmpeg, runFfprobe } from './run.js';

export interface VideoProbe {
  durationSec: number;
  /**
   * Number of video frames that are shown: the container's `nb_frames` when it agrees with the stream's duration,
   * else counted by decoding (clips cut with `-ss … -c copy` store frames their edit list hides).
   */
  frames: number;
  /**
   * Frames the container stores but does not show (edit list, negative timestamps), when there are any. Such a
   * clip cannot be stream-copied into a join: the copy would show them.
   */
  hiddenFrames?: number;
  fps: number;
  width: number;
  height: number;
  codec: string;
  profile?: string;
  pixFmt: string;
  /** Sample aspect ratio, e.g. `1:1`. */
  sar: string;
  /** Video stream time base, e.g. `1/90000`. */
  timeBase: string;
  hasAudio: boolean;
  sizeBytes: number;
}

export interface ProbeOptions {
  /** Count frames by decoding (`-count_frames`) even when the container states `nb_frames`. */
  countFrames?: boolean;
  signal?: AbortSignal;
  binaries?: FfmpegBinaries;
  timeoutMs?: number;
}

export interface ImageProbe {
  width: number;
  height: number;
  /** `png`, `jpeg`, `webp`, `bmp`, `gif`, `tiff`, … */
  format: string;
}

const streamSchema = z.object({
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  profile: z.string().optional(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  pix_fmt: z.string().optional(),
  sample_aspect_ratio: z.string().optional(),
  r_frame_rate: z.string().optional(),
  start_time: z.string().optional(),
  avg_frame_rate: z.string().optional(),
  time_base: z.string().optional(),
  duration: z.string().optional(),
  nb_frames: z.string().optional(),
  nb_read_frames: z.string().optional(),
  disposition: z.object({ attached_pic: z.number().optional() }).partial().optional(),
});

const probeSchema = z.object({
  streams: z.array(streamSchema).default([]),
  format: z.object({ format_name: z.string().optional(), duration: z.string().optional(), start_time: z.string().optional() }).partial().optional(),
});

type FfprobeJson = z.infer<typeof probeSchema>;

/** `30000/1001` → 29.97; invalid or zero → undefined. */
export function parseRate(rate: string | undefined): number | undefined {
  if (!rate) return undefined;
  const [n, d = '1'] = rate.split('/');
  const value = Number(n) / Number(d);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * The frame rate of a stream. The nominal rate (r_frame_rate) is what the clip was encoded at; the average drifts by
 * rounding on short or joined clips (70 frames at 24 fps average 23.99). Use the nominal rate unless it disagrees
 * with the average by more than 5 % (variable frame rate, or a container's time base reported as the rate). An
 * integer rate and its NTSC neighbour (24 vs 24000/1001 = 23.976) are 0.1 % apart, inside any tolerance: when the
 * stream says one and its frames/duration say the other, frames over duration decide, so a 24 fps film is not
 * labelled 23.976 (nor the reverse).
 */
export function chooseFps(rFrameRate: string | undefined, avgFrameRate: string | undefined, frames?: number, durationSec?: number): number | undefined {
  const nominal = parseRate(rFrameRate);
  const average = parseRate(avgFrameRate);
  const fps0 = nominal !== undefined && (average === undefined || Math.abs(nominal - average) / average <= 0.05) ? nominal : (average ?? nominal);
  if (fps0 === undefined) return undefined;
  let fps = fps0;
  if (nominal === undefined || average === undefined) return fps;
  // Contested: one rate says N, the other N·1000/1001 (or the reverse). Frames over duration decide.
  const whole = Math.round(nominal);
  const ntsc = (whole * 1000) / 1001;
  const near = (a: number, b: number) => Math.abs(a - b) < 5e-4;
  const contested = (near(nominal, whole) && near(average, ntsc)) || (near(nominal, ntsc) && near(average, whole));
  if (contested) {
    const measured = frames !== undefined && durationSec !== undefined && frames >= 2 && durationSec > 0 ? frames / durationSec : average;
    fps = Math.abs(measured - whole) <= Math.abs(measured - ntsc) ? whole : ntsc;
  }
  return fps;
}

function positiveInt(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function invalid(path: string, what: string, cause?: unknown): TtvError {
  return new TtvError('INPUT_INVALID', `${path}: ${what}`, { value: path, ...(cause === undefined ? {} : { cause }) });
}

async function fileSize(path: string, kind: string): Promise<number> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw invalid(path, `not a file (expected ${kind})`);
    size = s.size;
  } catch (error) {
    if (TtvError.is(error)) throw error;
    throw invalid(path, `file not found (expected ${kind})`, error);
  }
  if (size === 0) throw invalid(path, `file is empty (expected ${kind})`);
  return size;
}

/** MPEG-TS (188-byte packets, each starting with the sync byte 0x47): the bundled ffprobe 5.2 crashes on it. */
async function isMpegTs(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(188 * 2 + 1);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return bytesRead > 188 && buf[0] === 0x47 && buf[188] === 0x47 && (bytesRead < 377 || buf[376] === 0x47);
  } finally {
    await handle.close();
  }
}

/** ffprobe died from a signal (the bundled 5.2 build segfaults on some inputs, e.g. MPEG-TS). */
function crashed(error: unknown): boolean {
  return TtvError.is(error) && error.code === 'FFMPEG_FAILED' && (error.details as { exitCode?: number } | undefined)?.exitCode === undefined;
}

/**
 * Probes through a stream-copy remux to MP4 with ffmpeg, for inputs ffprobe cannot read (MPEG-TS): the video
 * stream's codec, size, pixel format, frame count and rate survive a copy. Audio presence comes from ffmpeg's
 * description of the input.
 */
async function viaRemux(path: string, extra: string[], kind: string, opts: ProbeOptions): Promise<FfprobeJson> {
  const dir = await mkdtemp(join(tmpdir(), 'ttv-probe-'));
  try {
    const mp4 = join(dir, 'remux.mp4');
    let stderr: string;
    try {
      ({ stderr } = await runFfmpeg(['-v', 'info', '-i', path, '-map', '0:v:0', '-c', 'copy', '-f', 'mp4', mp4], {
        signal: opts.signal,
        binaries: opts.binaries,
        timeoutMs: opts.timeoutMs ?? 120_000,
      }));
    } catch (error) {
      if (TtvError.is(error) && error.code === 'FFMPEG_FAILED') throw invalid(path, `not a readable ${kind}`, error);
      throw error;
    }
    const data = await ffprobeJson(mp4, extra, kind, opts, false);
    const input = stderr.split(/^Output #0/m)[0] ?? '';
    if (/Stream #0:\d+.*: Audio:/.test(input)) data.streams.push({ codec_type: 'audio' });
    return data;
  } catch (error) {
    if (TtvError.is(error) && error.code === 'INPUT_INVALID') throw invalid(path, `not a readable ${kind}`, error);
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function ffprobeJson(path: string, extra: string[], kind: string, opts: ProbeOptions, remux = true): Promise<FfprobeJson> {
  if (remux && kind === 'video' && (await isMpegTs(path))) return viaRemux(path, extra, kind, opts);
  let stdout: string;
  try {
    ({ stdout } = await runFfprobe(['-print_format', 'json', '-show_format', '-show_streams', ...extra, path], {
      signal: opts.signal,
      binaries: opts.binaries,
      timeoutMs: opts.timeoutMs ?? 120_000,
    }));
  } catch (error) {
    if (remux && kind === 'video' && crashed(error)) return viaRemux(path, extra, kind, opts);
    if (TtvError.is(error) && error.code === 'FFMPEG_FAILED') throw invalid(path, `not a readable ${kind}`, error);
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (error) {
    throw invalid(path, `not a readable ${kind} (ffprobe printed no JSON)`, error);
  }
  const parsed = probeSchema.safeParse(json);
  if (!parsed.success) throw invalid(path, `not a readable ${kind} (unexpected ffprobe output)`, parsed.error);
  return parsed.data;
}

const IMAGE_CODECS: Record<string, string> = {
  png: 'png',
  mjpeg: 'jpeg',
  jpegls: 'jpeg',
  webp: 'webp',
  bmp: 'bmp',
  gif: 'gif',
  tiff: 'tiff',
  jpeg2000: 'jpeg2000',
  ppm: 'ppm',
  pgm: 'pgm',
  pam: 'pam',
};

/** Probes a video file. Missing, empty or non-video files throw INPUT_INVALID naming the path. */
export async function probeVideo(path: string, opts: ProbeOptions = {}): Promise<VideoProbe> {
  const sizeBytes = await fileSize(path, 'a video');
  const run = (count: boolean) => ffprobeJson(path, count ? ['-count_frames'] : [], 'video', opts);
  let data = await run(opts.countFrames === true);
  const isVideo = (s: FfprobeJson['streams'][number]) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1;
  let video = data.streams.find(isVideo);
  if (!video?.width || !video.height) throw invalid(path, 'contains no video stream');
  const { width, height } = video;
  if (IMAGE_CODECS[video.codec_name ?? ''] && (data.format?.format_name ?? '').match(/pipe|image2/)) {
    throw invalid(path, `is an image (${video.codec_name}), not a video`);
  }
  const nominal = parseRate(video.r_frame_rate);
  const average = parseRate(video.avg_frame_rate);
  const streamDuration = Number(video.duration);
  let frames = positiveInt(video.nb_read_frames) ?? (opts.countFrames ? undefined : positiveInt(video.nb_frames));
  let stored: number | undefined;
  // nb_frames counts stored frames; an edit list (a clip cut with `-ss … -c copy`) or negative timestamps hide
  // some. When the stored count disagrees with the shown duration by more than a frame, count what is shown.
  const rate = nominal ?? average;
  if (frames !== undefined && video.nb_read_frames === undefined && rate && Number.isFinite(streamDuration) && streamDuration > 0) {
    if (Math.abs(frames - streamDuration * rate) > 1.5) {
      stored = frames;
      frames = undefined;
    }
  }
  if (frames === undefined && video.nb_read_frames === undefined) {
    data = await run(true);
    video = data.streams.find(isVideo) ?? video;
    frames = positiveInt(video.nb_read_frames);
  }
  if (frames === undefined) throw invalid(path, 'has no decodable video frames');
  const fps = chooseFps(video.r_frame_rate, video.avg_frame_rate, frames, Number.isFinite(streamDuration) ? streamDuration : undefined);
  if (fps === undefined) throw invalid(path, 'has no frame rate');
  const durationSec = Number(video.duration ?? data.format?.duration ?? frames / fps);
  const sar = video.sample_aspect_ratio && !video.sample_aspect_ratio.startsWith('0') ? video.sample_aspect_ratio : '1:1';
  return {
    durationSec: Number.isFinite(durationSec) ? durationSec : frames / fps,
    frames,
    fps,
    width,
    height,
    codec: video.codec_name ?? 'unknown',
    ...(video.profile ? { profile: video.profile } : {}),
    pixFmt: video.pix_fmt ?? 'unknown',
    sar,
    timeBase: video.time_base ?? 'unknown',
    hasAudio: data.streams.some((s) => s.codec_type === 'audio'),
    sizeBytes,
    ...(stored !== undefined && stored > frames ? { hiddenFrames: stored - frames } : {}),
  };
}

/** Probes a still image. Missing, empty or non-image files throw INPUT_INVALID naming the path. */
export async function probeImage(path: string, opts: Omit<ProbeOptions, 'countFrames'> = {}): Promise<ImageProbe> {
  await fileSize(path, 'an image');
  const data = await ffprobeJson(path, [], 'image', opts);
  const stream = data.streams.find((s) => s.codec_type === 'video');
  const format = IMAGE_CODECS[stream?.codec_name ?? ''];
  if (!stream || !format || !stream.width || !stream.height) throw invalid(path, 'not a readable image (png, jpeg, webp, …)');
  return { width: stream.width, height: stream.height, format };
}
