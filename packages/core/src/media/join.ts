import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import pLimit from 'p-limit';
import { TtvError, throwIfAborted } from '../spec/errors.js';
import { produceAtomic, sha256, sha256File, tempPathFor } from '../util/fs.js';
import type { FfmpegBinaries } from './binaries.js';
import { probeVideo, type VideoProbe } from './probe.js';
import { runFfmpeg } from './run.js';
import { assertWritten } from './verify.js';

export interface JoinInput {
  path: string;
  /** Drop frame 0 (the seam frame an I2V segment shares with the previous segment's last frame). */
  dropFirstFrame?: boolean;
}

export interface JoinTarget {
  width: number;
  height: number;
  fps: number;
}

export interface JoinOptions {
  signal?: AbortSignal;
  /** Where normalised segments are cached by content key (default: `.ttv-join-cache/` beside the output). */
  cacheDir?: string;
  /** Overall progress, 0 … 1. */
  onProgress?: (fraction: number) => void;
  /** libx264 CRF for normalised segments (default 18). */
  crf?: number;
  /** libx264 preset for normalised segments (default veryfast). */
  preset?: string;
  binaries?: FfmpegBinaries;
  /** Timeout per ffmpeg call (default 30 minutes). */
  timeoutMs?: number;
}

export interface JoinResult {
  method: 'copy' | 'normalise';
  probe: VideoProbe;
  /** Normalised segment files used (in the cache dir), in input order; empty for `copy`. */
  normalised: string[];
}

/** Bump when the normalisation recipe changes in a way the argument list does not show. */
const CACHE_VERSION = 1;
const MAX_PARALLEL_ENCODES = 2;

function sameFps(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-3;
}

function copyCompatible(probes: VideoProbe[], target: JoinTarget): boolean {
  const [first] = probes;
  if (!first || first.width !== target.width || first.height !== target.height || !sameFps(first.fps, target.fps)) return false;
  return probes.every(
    (p) =>
      p.codec === first.codec &&
      p.profile === first.profile &&
      p.width === first.width &&
      p.height === first.height &&
      p.pixFmt === first.pixFmt &&
      p.sar === first.sar &&
      sameFps(p.fps, first.fps) &&
      p.timeBase === first.timeBase &&
      p.hasAudio === first.hasAudio,
  );
}

function validateTarget(target: JoinTarget): void {
  for (const key of ['width', 'height'] as const) {
    const v = target[key];
    if (!Number.isInteger(v) || v <= 0 || v % 2 !== 0) {
      throw new TtvError('INPUT_INVALID', `join target ${key} must be a positive even integer, got ${v}`, { field: key, value: v });
    }
  }
  if (!(target.fps > 0) || !Number.isFinite(target.fps)) {
    throw new TtvError('INPUT_INVALID', `join target fps must be > 0, got ${target.fps}`, { field: 'fps', value: target.fps });
  }
}

/** One `file '…'` line per path, `'` escaped as `'\''` (concat demuxer syntax). */
function concatList(paths: string[]): string {
  return paths.map((p) => `file '${resolve(p).replaceAll("'", "'\\''")}'\n`).join('');
}

function normaliseArgs(target: JoinTarget, probe: VideoProbe, drop: boolean, opts: JoinOptions): string[] {
  const { width: W, height: H, fps: F } = target;
  const filters = [
    ...(drop ? ['trim=start_frame=1', 'setpts=PTS-STARTPTS'] : []),
    `scale=${W}:${H}:force_original_aspect_ratio=decrease`,
    `pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2`,
    `fps=${F}`,
    'format=yuv420p',
    'setsar=1',
  ];
  return [
    ...['-vf', filters.join(','), '-an', '-sn', '-dn'],
    // ffmpeg 4.1's fps filter pads to the *untrimmed* end of stream (setpts does not shift the EOF timestamp),
    // giving one extra frame after trim: cap the count at the trimmed duration times the target rate.
    ...['-frames:v', String(expectedFrames(probe, drop, F))],
    ...['-c:v', 'libx264', '-preset', opts.preset ?? 'veryfast', '-crf', String(opts.crf ?? 18), '-pix_fmt', 'yuv420p'],
    ...['-video_track_timescale', '90000', '-movflags', '+faststart', '-f', 'mp4'],
  ];
}

function expectedFrames(probe: VideoProbe, drop: boolean, fps: number): number {
  const frames = probe.frames - (drop ? 1 : 0);
  return sameFps(probe.fps, fps) ? frames : Math.max(1, Math.round((frames * fps) / probe.fps));
}

/**
 * Joins segments into one MP4. Stream copy (concat demuxer) when nothing is dropped and every input already
 * matches each other and the target; otherwise each input is normalised once to the target (cached by content
 * key in `cacheDir`, at most 2 encodes at a time) and the normalised files are copy-concatenated. The output is
 * written atomically and verified by probing (frame count = sum of inputs at the target fps minus dropped
 * frames, ±1 per input whose fps was converted), else FFMPEG_FAILED.
 */
export async function joinSegments(inputs: JoinInput[], output: string, target: JoinTarget, opts: JoinOptions = {}): Promise<JoinResult> {
  if (inputs.length === 0) throw new TtvError('INPUT_INVALID', 'joinSegments: no input segments', { field: 'inputs' });
  validateTarget(target);
  throwIfAborted(opts.signal);
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const runOpts = { signal: opts.signal, binaries: opts.binaries, timeoutMs };
  const probes = await Promise.all(inputs.map((i) => probeVideo(i.path, { signal: opts.signal, binaries: opts.binaries })));
  const report = (fraction: number) => opts.onProgress?.(Math.min(1, Math.max(0, fraction)));
  report(0);

  const copy = !inputs.some((i) => i.dropFirstFrame) && copyCompatible(probes, target);
  let parts: string[];
  let expected: number;
  let tolerance = 0;
  let normalised: string[] = [];
  const concatShare = copy ? 1 : 0.1;

  if (copy) {
    parts = inputs.map((i) => i.path);
    expected = probes.reduce((sum, p) => sum + p.frames, 0);
  } else {
    const cacheDir = opts.cacheDir ?? join(dirname(resolve(output)), '.ttv-join-cache');
    await mkdir(cacheDir, { recursive: true });
    // Stop sibling encodes as soon as one fails or the caller aborts.
    const inner = new AbortController();
    const onAbort = () => inner.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const limit = pLimit(MAX_PARALLEL_ENCODES);
    const done = new Array<number>(inputs.length).fill(0);
    const progress = () => report((done.reduce((a, b) => a + b, 0) / inputs.length) * (1 - concatShare));
    let firstError: unknown;
    try {
      const settled = await Promise.allSettled(
        inputs.map((input, index) =>
          limit(async () => {
            throwIfAborted(opts.signal);
            throwIfAborted(inner.signal);
            const drop = input.dropFirstFrame === true;
            const probe = probes[index]!;
            if (drop && probe.frames < 2) {
              throw new TtvError('INPUT_INVALID', `${input.path}: cannot drop the first frame of a ${probe.frames}-frame clip`, { value: input.path });
            }
            const args = normaliseArgs(target, probe, drop, opts);
            const key = sha256(JSON.stringify({ v: CACHE_VERSION, input: await sha256File(input.path), target, drop, args }));
            const cached = join(cacheDir, `${key}.mp4`);
            const hit = await stat(cached).then(
              (s) => s.isFile() && s.size > 0,
              () => false,
            );
            if (!hit) {
              const durationUs = ((probe.frames - (drop ? 1 : 0)) / probe.fps) * 1e6;
              await produceAtomic(cached, async (tmp) => {
                await runFfmpeg(['-i', input.path, ...args, tmp], {
                  ...runOpts,
                  signal: inner.signal,
                  onProgress: (p) => {
                    const us = Number(p.out_time_ms ?? p.out_time_us);
                    if (Number.isFinite(us) && durationUs > 0) {
                      done[index] = Math.min(1, us / durationUs);
                      progress();
                    }
                  },
                });
                await assertWritten(tmp, `normalised segment of ${input.path}`);
              });
            }
            done[index] = 1;
            progress();
            return cached;
          }).catch((error: unknown) => {
            firstError ??= error;
            inner.abort(error);
            throw error;
          }),
        ),
      );
      // Wait for every encode to settle (and clean its temp file) before reporting: the root cause, or
      // CANCELLED when the caller aborted.
      if (settled.some((r) => r.status === 'rejected')) {
        throwIfAborted(opts.signal);
        throw firstError;
      }
      normalised = settled.map((r) => (r as PromiseFulfilledResult<string>).value);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    parts = normalised;
    expected = 0;
    for (const [index, p] of probes.entries()) {
      expected += expectedFrames(p, inputs[index]!.dropFirstFrame === true, target.fps);
      if (!sameFps(p.fps, target.fps)) tolerance += 1;
    }
  }

  const listFile = `${tempPathFor(output)}.txt`;
  try {
    await writeFile(listFile, concatList(parts));
    const probe = await produceAtomic(output, async (tmp) => {
      await runFfmpeg(['-f', 'concat', '-safe', '0', '-i', listFile, '-map', '0', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', tmp], runOpts);
      await assertWritten(tmp, `joined video ${basename(output)}`);
      const result = await probeVideo(tmp, { signal: opts.signal, binaries: opts.binaries }).catch((error: unknown) => {
        if (TtvError.is(error) && error.code === 'INPUT_INVALID') {
          throw new TtvError('FFMPEG_FAILED', `joined video ${output} does not probe: ${error.message}`, { cause: error });
        }
        throw error;
      });
      if (Math.abs(result.frames - expected) > tolerance || result.width !== target.width || result.height !== target.height) {
        throw new TtvError(
          'FFMPEG_FAILED',
          `joined video ${output} has ${result.frames} frames at ${result.width}x${result.height}, expected ${expected}${tolerance ? ` ±${tolerance}` : ''} at ${target.width}x${target.height}`,
          { details: { frames: result.frames, expected, tolerance } },
        );
      }
      return result;
    });
    report(1);
    return { method: copy ? 'copy' : 'normalise', probe, normalised };
  } finally {
    await rm(listFile, { force: true });
  }
}
