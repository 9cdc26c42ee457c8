import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import pLimit from 'p-limit';
import { TtvError, throwIfAborted } from '../spec/errors.js';
import { fsError, produceAtomic, removeStaleTemps, sha256, sha256File, tempPathFor } from '../util/fs.js';
import { buildJoinAudio } from './audio.js';
import type { FfmpegBinaries } from './binaries.js';
import { type ColourTransfer, cubeLut, filterPath, isIdentity } from './colour.js';
import { readMp4VideoTrack } from './mp4.js';
import { probeVideo, type VideoProbe } from './probe.js';
import { runFfmpeg } from './run.js';
import { assertWritten, mapMediaFsError } from './verify.js';

export interface JoinInput {
  path: string;
  /** Drop frame 0 (the seam frame an I2V segment shares with the previous segment's last frame). */
  dropFirstFrame?: boolean;
  /**
   * What is already known about this file (e.g. the probe the engine's manifest stores for a segment), exactly as
   * `probeVideo` returned it for these bytes. Given, the join does not probe the file again: a stream-copy join of
   * inputs that all carry a probe spawns only the concat and one container probe of the result. The caller vouches
   * that the file has not changed since (the engine checks the sha256 first).
   */
  probe?: VideoProbe;
  /** SHA-256 (hex) of the file, when known: the normalisation cache key uses it instead of hashing the file. */
  sha256?: string;
  /**
   * A colour correction for this input (colour.ts), applied as a 3D LUT in the same encode as the normalisation.
   * An input with a correction that changes anything is always normalised (never stream-copied).
   */
  colour?: ColourTransfer;
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
  /**
   * `auto` (default): when any input has audio, the film gets one continuous track (the inputs' audio, silence
   * where an input has none, trimmed with dropped seam frames); `off`: the film is silent.
   */
  audio?: 'auto' | 'off';
  /** Length of the fade-out + fade-in at each seam of the audio, in ms (default 50; 0: hard cuts). */
  audioFadeMs?: number;
  /**
   * Frames (at the target rate) over which each segment dissolves into the next (default 0: a hard cut). The film
   * is that many frames shorter per seam; the sound of the earlier segment plays through the dissolve.
   */
  crossfadeFrames?: number;
}

export interface JoinResult {
  method: 'copy' | 'normalise';
  probe: VideoProbe;
  /** Normalised segment files used (in the cache dir), in input order; empty for `copy`. */
  normalised: string[];
  /** Whether the film has an audio track. */
  audio: boolean;
  /** Frames each input contributes to the film, in input order (segment k+1 starts at the sum of the first k+1). */
  frames: number[];
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
      // Frames hidden by an edit list would show again in a stream copy.
      !p.hiddenFrames,
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

/** The filters that bring one input to the target: seam-frame drop, scale, colour correction, pad, frame rate. */
function targetChain(target: JoinTarget, drop: boolean, lut: string | undefined): string[] {
  const { width: W, height: H, fps: F } = target;
  return [
    ...(drop ? ['trim=start_frame=1', 'setpts=PTS-STARTPTS'] : []),
    `scale=${W}:${H}:force_original_aspect_ratio=decrease`,
    // The colour correction before the padding, so that bars stay black.
    ...(lut ? [`lut3d=file=${filterPath(lut)}`] : []),
    `pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2`,
    `fps=${F}`,
  ];
}

/** Frames [start, end) of the input at the target rate. */
interface FrameRange {
  start: number;
  end: number;
}

function encodeArgs(opts: JoinOptions, frames: number): string[] {
  return [
    // ffmpeg 4.1's fps filter pads to the *untrimmed* end of stream (setpts does not shift the EOF timestamp),
    // giving one extra frame after trim: cap the count at the trimmed duration times the target rate.
    ...['-frames:v', String(frames)],
    ...['-c:v', 'libx264', '-preset', opts.preset ?? 'veryfast', '-crf', String(opts.crf ?? 18), '-pix_fmt', 'yuv420p'],
    ...['-video_track_timescale', '90000', '-movflags', '+faststart', '-f', 'mp4'],
  ];
}

function normaliseArgs(target: JoinTarget, drop: boolean, opts: JoinOptions, lut: string | undefined, range: FrameRange, total: number): string[] {
  const trim = range.start > 0 || range.end < total ? [`trim=start_frame=${range.start}:end_frame=${range.end}`, 'setpts=PTS-STARTPTS'] : [];
  const filters = [...targetChain(target, drop, lut), ...trim, 'format=yuv420p', 'setsar=1'];
  return ['-vf', filters.join(','), '-an', '-sn', '-dn', ...encodeArgs(opts, range.end - range.start)];
}

function expectedFrames(probe: VideoProbe, drop: boolean, fps: number): number {
  const frames = probe.frames - (drop ? 1 : 0);
  return sameFps(probe.fps, fps) ? frames : Math.max(1, Math.round((frames * fps) / probe.fps));
}

/** Why a normalised segment is unusable (wrong frame count, size, or a tail that does not decode), or undefined. */
async function checkNormalised(path: string, frames: number, tolerance: number, target: JoinTarget, runOpts: RunOpts): Promise<string | undefined> {
  let probe: VideoProbe;
  try {
    probe = await probeVideo(path, { signal: runOpts.signal, binaries: runOpts.binaries });
  } catch (error) {
    if (TtvError.is(error) && error.code === 'INPUT_INVALID') return `it does not probe (${error.message.split('\n')[0]})`;
    throw error;
  }
  if (Math.abs(probe.frames - frames) > tolerance || probe.width !== target.width || probe.height !== target.height) {
    return `it has ${probe.frames} frames at ${probe.width}x${probe.height}, expected ${frames}${tolerance ? ` ±${tolerance}` : ''} at ${target.width}x${target.height}`;
  }
  // A short write can leave a header that promises every frame over data that stops early: decode the last second.
  let decoded = 0;
  try {
    const { stderr } = await runFfmpeg(['-sseof', '-1', '-i', path, '-map', '0:v:0', '-f', 'null', '-'], {
      ...runOpts,
      timeoutMs: Math.min(runOpts.timeoutMs, 120_000),
      onProgress: (p) => {
        decoded = Math.max(decoded, Number(p.frame) || 0);
      },
    });
    if (stderr.trim()) return `its last second does not decode cleanly: ${stderr.trim().split('\n')[0]}`;
  } catch (error) {
    if (TtvError.is(error) && error.code === 'FFMPEG_FAILED') return `its last second does not decode (${error.message.split('\n').at(-1)})`;
    throw error;
  }
  if (decoded === 0) return 'its last second decodes to no frames';
  return undefined;
}

/**
 * After a bad write: if the folder has no room left, DISK_FULL naming `reportPath`. ffmpeg does not always say so
 * (it can exit 0 after a short write), so try to write 256 KiB there ourselves while the bad file still holds its
 * space.
 */
async function assertRoom(dir: string, reportPath: string, what: string): Promise<void> {
  const probe = tempPathFor(join(dir, '.ttv-space-check'));
  try {
    await writeFile(probe, Buffer.alloc(256 * 1024));
  } catch (error) {
    const mapped = fsError(error, reportPath, what);
    if (TtvError.is(mapped)) throw mapped;
  } finally {
    await rm(probe, { force: true });
  }
}

interface RunOpts {
  signal: AbortSignal | undefined;
  binaries: FfmpegBinaries | undefined;
  timeoutMs: number;
}

/**
 * Joins segments into one MP4. Stream copy (concat demuxer) when nothing is dropped and every input already
 * matches each other and the target; otherwise each input is normalised once to the target (cached by content
 * key in `cacheDir`, at most 2 encodes at a time) and the normalised files are copy-concatenated. The output is
 * written atomically and verified by a container probe (frame count = sum of the inputs' shown frames, or of the
 * normalised segments' frames), else FFMPEG_FAILED.
 *
 * Inputs that carry `probe` (and `sha256`) are not probed (hashed) again. Every normalised segment, cached or
 * fresh, must have the expected frame count and a last second that decodes; a bad cache entry (e.g. a short write
 * when the disk filled up) is deleted and re-made. Temp files are removed on failure, and temp files of killed
 * runs (tempPathFor names whose pid is gone) are removed from the cache folder and beside the output. A full disk,
 * read-only folder or bad path throws DISK_FULL / NOT_WRITABLE / PATH_INVALID naming the path and the fix.
 */
export async function joinSegments(inputs: JoinInput[], output: string, target: JoinTarget, opts: JoinOptions = {}): Promise<JoinResult> {
  try {
    return await joinInner(inputs, output, target, opts);
  } catch (error) {
    throw mapMediaFsError(error, output, 'the joined video');
  }
}

async function joinInner(inputs: JoinInput[], output: string, target: JoinTarget, opts: JoinOptions): Promise<JoinResult> {
  if (inputs.length === 0) throw new TtvError('INPUT_INVALID', 'joinSegments: no input segments', { field: 'inputs' });
  validateTarget(target);
  throwIfAborted(opts.signal);
  const runOpts: RunOpts = { signal: opts.signal, binaries: opts.binaries, timeoutMs: opts.timeoutMs ?? 30 * 60_000 };
  const probes = await Promise.all(inputs.map((i) => i.probe ?? probeVideo(i.path, { signal: opts.signal, binaries: opts.binaries })));
  const report = (fraction: number) => opts.onProgress?.(Math.min(1, Math.max(0, fraction)));
  report(0);
  const outName = basename(output);
  await removeStaleTemps(dirname(resolve(output)), (t) => t === outName);

  const corrected = inputs.some((i) => i.colour && !isIdentity(i.colour));
  const crossfade = (opts.crossfadeFrames ?? 0) > 0 && inputs.length > 1;
  const copy = !corrected && !crossfade && !inputs.some((i) => i.dropFirstFrame) && copyCompatible(probes, target);
  const video = copy ? copyParts(inputs, probes) : await normaliseAll(inputs, probes, target, output, opts, runOpts, (f) => report(f * 0.9));
  const withAudio = (opts.audio ?? 'auto') === 'auto' && probes.some((p) => p.hasAudio);
  const audioFile = withAudio ? `${tempPathFor(output)}.m4a` : undefined;
  try {
    if (audioFile) await joinAudio(inputs, probes, video.frames, target, audioFile, output, opts, runOpts);
    const probe = await concatParts(video, audioFile, output, target, probes, opts, runOpts, copy);
    report(1);
    return { method: copy ? 'copy' : 'normalise', probe, normalised: video.normalised, audio: withAudio, frames: video.frames };
  } finally {
    if (audioFile) await rm(audioFile, { force: true });
  }
}

/** The video parts to concatenate, the frames each contributes and the total the join must have. */
interface VideoParts {
  parts: string[];
  frames: number[];
  expected: number;
  /** Frames an fps conversion may be off by in total. */
  tolerance: number;
  normalised: string[];
}

/** Stream copy: the inputs as they are. */
function copyParts(inputs: JoinInput[], probes: VideoProbe[]): VideoParts {
  const frames = probes.map((p) => p.frames);
  return { parts: inputs.map((i) => i.path), frames, expected: frames.reduce((a, b) => a + b, 0), tolerance: 0, normalised: [] };
}

/**
 * One file of the film's video, made by one cached ffmpeg encode: a normalised input (or, with a crossfade, the
 * part of it between two dissolves), or the dissolve from one input into the next.
 */
interface PartSpec {
  /** ffmpeg arguments without the output path. */
  args: string[];
  /** The input files' hashes and anything else that decides the bytes, for the cache key. */
  key: unknown;
  frames: number;
  tolerance: number;
  /** For progress: the input duration the encode reads, in µs. */
  durationUs: number;
  what: string;
}

/** The part specs of the film: one per input, or with a crossfade, each input's middle and each dissolve. */
async function partSpecs(
  inputs: JoinInput[],
  probes: VideoProbe[],
  target: JoinTarget,
  cacheDir: string,
  opts: JoinOptions,
): Promise<{ specs: PartSpec[]; frames: number[] }> {
  const K = opts.crossfadeFrames ?? 0;
  const prepared = await Promise.all(
    inputs.map(async (input, i) => {
      const probe = probes[i]!;
      const drop = input.dropFirstFrame === true;
      if (drop && probe.frames < 2) {
        throw new TtvError('INPUT_INVALID', `${input.path}: cannot drop the first frame of a ${probe.frames}-frame clip`, { value: input.path });
      }
      const lut = input.colour && !isIdentity(input.colour) ? await writeLut(input.colour, cacheDir) : undefined;
      const total = expectedFrames(probe, drop, target.fps);
      const head = i > 0 ? K : 0;
      const tail = i < inputs.length - 1 ? K : 0;
      if (total - head - tail < 1) {
        throw new TtvError(
          'INPUT_INVALID',
          `join.crossfadeFrames ${K} is too long for ${input.path} (${total} frames): nothing of it would be left between its dissolves`,
          {
            field: 'join.crossfadeFrames',
            value: K,
            fix: `use at most ${Math.max(0, Math.floor((Math.min(...probes.map((p) => p.frames)) - 2) / 2))} frames, or 0 for hard cuts`,
          },
        );
      }
      const hash = input.sha256 ?? (await sha256File(input.path));
      const fpsTolerance = sameFps(probe.fps, target.fps) ? 0 : 1;
      return { input, probe, drop, lut, total, head, tail, hash, fpsTolerance, chain: targetChain(target, drop, lut) };
    }),
  );
  const specs: PartSpec[] = [];
  for (const [i, p] of prepared.entries()) {
    const range = { start: p.head, end: p.total - p.tail };
    const args = ['-i', p.input.path, ...normaliseArgs(target, p.drop, opts, p.lut, range, p.total)];
    specs.push({
      args,
      key: { v: CACHE_VERSION, input: p.hash, target, drop: p.drop, args: args.slice(2) },
      frames: range.end - range.start,
      // The encode is capped at its frames; an fps conversion may come out one short.
      tolerance: p.fpsTolerance,
      durationUs: ((p.probe.frames - (p.drop ? 1 : 0)) / p.probe.fps) * 1e6,
      what: `the normalised segment of ${p.input.path}`,
    });
    const next = prepared[i + 1];
    if (K > 0 && next) specs.push(dissolveSpec(p, next, K, opts));
  }
  // Each input contributes its frames less the dissolve it shares with the one before.
  return { specs, frames: prepared.map((p) => p.total - p.head) };
}

/** The dissolve from the last K frames of `a` into the first K frames of `b` (both brought to the target first). */
function dissolveSpec(
  a: { input: JoinInput; chain: string[]; total: number; hash: string; fpsTolerance: number; probe: VideoProbe },
  b: { input: JoinInput; chain: string[]; hash: string; fpsTolerance: number; probe: VideoProbe },
  K: number,
  opts: JoinOptions,
): PartSpec {
  const w = `(N+1)/${K + 1}`;
  const graph = [
    `[0:v]${a.chain.join(',')},trim=start_frame=${a.total - K}:end_frame=${a.total},setpts=PTS-STARTPTS,format=yuv420p[a]`,
    `[1:v]${b.chain.join(',')},trim=end_frame=${K},setpts=PTS-STARTPTS,format=yuv420p[b]`,
    `[a][b]blend=all_expr='A*(1-${w})+B*${w}',setsar=1[v]`,
  ].join(';');
  const args = ['-i', a.input.path, '-i', b.input.path, '-filter_complex', graph, '-map', '[v]', '-an', '-sn', '-dn', ...encodeArgs(opts, K)];
  return {
    args,
    key: { v: CACHE_VERSION, inputs: [a.hash, b.hash], args: args.slice(4) },
    frames: K,
    tolerance: a.fpsTolerance,
    durationUs: (a.probe.frames / a.probe.fps) * 1e6,
    what: `the dissolve from ${a.input.path} into ${b.input.path}`,
  };
}

/** Encodes every part of the film (cached, at most 2 encodes at a time); the first failure stops the rest. */
async function normaliseAll(
  inputs: JoinInput[],
  probes: VideoProbe[],
  target: JoinTarget,
  output: string,
  opts: JoinOptions,
  runOpts: RunOpts,
  report: (fraction: number) => void,
): Promise<VideoParts> {
  const cacheDir = opts.cacheDir ?? join(dirname(resolve(output)), '.ttv-join-cache');
  await mkdir(cacheDir, { recursive: true });
  await removeStaleTemps(cacheDir);
  const { specs, frames } = await partSpecs(inputs, probes, target, cacheDir, opts);
  // Stop sibling encodes as soon as one fails or the caller aborts.
  const inner = new AbortController();
  const onAbort = () => inner.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const limit = pLimit(MAX_PARALLEL_ENCODES);
  const done = new Array<number>(specs.length).fill(0);
  const progress = (index: number, fraction: number) => {
    done[index] = fraction;
    report(done.reduce((a, b) => a + b, 0) / specs.length);
  };
  let firstError: unknown;
  try {
    const settled = await Promise.allSettled(
      specs.map((spec, index) =>
        limit(() => encodePart(spec, target, cacheDir, opts, { ...runOpts, signal: inner.signal }, (f) => progress(index, f))).catch((error: unknown) => {
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
    const normalised = settled.map((r) => (r as PromiseFulfilledResult<string>).value);
    const tolerance = specs.reduce((t, spec) => t + spec.tolerance, 0);
    return { parts: normalised, frames, expected: frames.reduce((a, b) => a + b, 0), tolerance, normalised };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** One part of the film: the cached file when it still verifies, else a fresh encode (verified). */
async function encodePart(
  spec: PartSpec,
  target: JoinTarget,
  cacheDir: string,
  opts: JoinOptions,
  runOpts: RunOpts,
  progress: (fraction: number) => void,
): Promise<string> {
  throwIfAborted(opts.signal);
  throwIfAborted(runOpts.signal);
  const cached = join(cacheDir, `${sha256(JSON.stringify(spec.key))}.mp4`);
  const check = (path: string) => checkNormalised(path, spec.frames, spec.tolerance, target, runOpts);
  const exists = await stat(cached).then(
    (s) => s.isFile(),
    () => false,
  );
  if (exists && (await check(cached)) !== undefined) await rm(cached, { force: true });
  else if (exists) {
    progress(1);
    return cached;
  }
  await produceAtomic(cached, async (tmp) => {
    await runFfmpeg([...spec.args, tmp], {
      ...runOpts,
      writes: { path: tmp, what: spec.what, reportPath: cached },
      onProgress: (p) => {
        const us = Number(p.out_time_ms ?? p.out_time_us);
        if (Number.isFinite(us) && spec.durationUs > 0) progress(Math.min(1, us / spec.durationUs));
      },
    });
    await assertWritten(tmp, spec.what.replace(/^the /, ''));
    const bad = await check(tmp);
    if (bad) {
      await assertRoom(cacheDir, cached, spec.what);
      throw new TtvError('FFMPEG_FAILED', `making ${spec.what} wrote a bad file: ${bad}`, { value: cached });
    }
  });
  progress(1);
  return cached;
}

/** The correction's LUT in the cache folder, named by its content (written once, atomically). */
async function writeLut(colour: ColourTransfer, cacheDir: string): Promise<string> {
  const text = await cubeLut(colour);
  const path = join(cacheDir, `lut-${sha256(text).slice(0, 32)}.cube`);
  const there = await stat(path).then(
    (s) => s.isFile() && s.size === Buffer.byteLength(text),
    () => false,
  );
  if (!there) await produceAtomic(path, (tmp) => writeFile(tmp, text));
  return path;
}

/** The film's audio track: every input's audio (silence where there is none) cut to its place in the video. */
async function joinAudio(
  inputs: JoinInput[],
  probes: VideoProbe[],
  frames: number[],
  target: JoinTarget,
  audioFile: string,
  output: string,
  opts: JoinOptions,
  runOpts: RunOpts,
): Promise<void> {
  const K = opts.crossfadeFrames ?? 0;
  const pieces = inputs.map((input, i) => ({
    path: input.path,
    hasAudio: probes[i]!.hasAudio,
    sourceFps: probes[i]!.fps,
    dropFirstFrame: input.dropFirstFrame === true,
    // The frames a dissolve shares with the previous segment play the previous segment's sound.
    ...(i > 0 && K > 0 ? { skipSec: K / target.fps } : {}),
    frames: frames[i]!,
  }));
  await buildJoinAudio(pieces, target.fps, audioFile, { ...runOpts, fadeMs: opts.audioFadeMs ?? 50, reportPath: output });
}

/** Concatenates the video parts (stream copy), muxes the audio track in, and verifies the film. */
async function concatParts(
  video: VideoParts,
  audioFile: string | undefined,
  output: string,
  target: JoinTarget,
  probes: VideoProbe[],
  opts: JoinOptions,
  runOpts: RunOpts,
  copy: boolean,
): Promise<VideoProbe> {
  const { expected, tolerance } = video;
  const listFile = `${tempPathFor(output)}.txt`;
  try {
    await writeFile(listFile, concatList(video.parts));
    return await produceAtomic(output, async (tmp) => {
      const audio = audioFile ? ['-i', audioFile, '-map', '0:v:0', '-map', '1:a:0'] : ['-map', '0:v:0'];
      await runFfmpeg(['-f', 'concat', '-safe', '0', '-i', listFile, ...audio, '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', tmp], {
        ...runOpts,
        writes: { path: tmp, what: 'the joined video', reportPath: output },
      });
      const sizeBytes = await assertWritten(tmp, `joined video ${basename(output)}`);
      // A stream copy keeps every stream parameter of its (identical) inputs: read the frame count, size and
      // duration from the MP4 header the muxer wrote (no ffprobe, no decode), and check the file holds every sample.
      const header = copy ? await readMp4VideoTrack(tmp) : undefined;
      if (header && !header.complete) {
        await assertRoom(dirname(resolve(output)), output, 'the joined video');
        throw new TtvError('FFMPEG_FAILED', `joined video ${output} is truncated (${sizeBytes} bytes, less than its header lists)`, { value: output });
      }
      const fromHeader = header && {
        ...probes[0]!,
        frames: header.frames,
        width: header.width,
        height: header.height,
        durationSec: header.durationSec,
        timeBase: header.timeBase,
        hasAudio: audioFile !== undefined,
        sizeBytes,
      };
      const result =
        fromHeader ??
        (await probeVideo(tmp, { signal: opts.signal, binaries: opts.binaries }).catch(async (error: unknown) => {
          if (TtvError.is(error) && error.code === 'INPUT_INVALID') {
            await assertRoom(dirname(resolve(output)), output, 'the joined video');
            throw new TtvError('FFMPEG_FAILED', `joined video ${output} does not probe: ${error.message}`, { cause: error });
          }
          throw error;
        }));
      if (Math.abs(result.frames - expected) > tolerance || result.width !== target.width || result.height !== target.height) {
        await assertRoom(dirname(resolve(output)), output, 'the joined video');
        throw new TtvError(
          'FFMPEG_FAILED',
          `joined video ${output} has ${result.frames} frames at ${result.width}x${result.height}, expected ${expected}${tolerance ? ` ±${tolerance}` : ''} at ${target.width}x${target.height}`,
          { details: { frames: result.frames, expected, tolerance } },
        );
      }
      return result;
    });
  } finally {
    await rm(listFile, { force: true });
  }
}
