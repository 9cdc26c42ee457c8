/**
 * The Ken Burns backend: renders a slow pan/zoom over a still picture (first-frame mode), or a push-in that
 * dissolves into a second picture (first-last-frame mode), with the bundled ffmpeg. Free, local, deterministic.
 *
 * It is also ttv's reference backend. The parts every backend needs, in the order the engine calls them:
 *   validate      → check the request and the input files, throw INPUT_INVALID with field, value and fix
 *   estimateCost  → offline and deterministic
 *   generate      → honour ctx.signal, report progress, write request.outputPath atomically, probe the result
 *   doctor        → prerequisites for `ttv doctor`
 */
import { availableParallelism } from 'node:os';
import {
  type BackendInfo,
  clipResult,
  type DoctorCheck,
  describeDurations,
  durationAllowed,
  type GenerateContext,
  type GenerateRequest,
  type GenerateResult,
  type LocalVideoBackend,
  type ModelCapabilities,
  probeImage,
  probeVideo,
  produceAtomic,
  resolveFfmpeg,
  runFfmpeg,
  TtvError,
  throwIfAborted,
} from '@ttv/core';
import type { KenBurnsConfig } from './config.js';
import { chooseMove, describeMove, type FilterGraph, firstFrameGraph, firstLastGraph } from './filters.js';

export const MODEL_ID = 'kenburns';

/** Common even sizes (landscape, portrait, square, 4:3). The engine picks the nearest to what a storyboard asks. */
export const RESOLUTIONS = [
  [320, 180],
  [426, 240],
  [640, 360],
  [854, 480],
  [960, 540],
  [1280, 720],
  [1600, 900],
  [1920, 1080],
  [2560, 1440],
  [3840, 2160],
  [180, 320],
  [360, 640],
  [480, 854],
  [540, 960],
  [720, 1280],
  [1080, 1920],
  [512, 512],
  [720, 720],
  [960, 960],
  [1024, 1024],
  [1080, 1080],
  [640, 480],
  [960, 720],
  [1440, 1080],
  [480, 640],
  [720, 960],
  [1080, 1440],
].map(([width, height]) => ({ width: width!, height: height! }));

const IMAGE_FORMATS = ['png', 'jpeg', 'webp'];

export function modelCapabilities(config: KenBurnsConfig): ModelCapabilities {
  return {
    id: MODEL_ID,
    // No 'text': a Ken Burns move needs a picture to move over.
    inputs: ['first-frame', 'first-last-frame'],
    durations: { kind: 'range', min: 0.5, max: 60 },
    resolutions: RESOLUTIONS,
    fps: config.fps,
    maxPromptLength: 100_000,
    concurrency: 2,
    audio: false,
    usdPerSecond: 0,
  };
}

export function backendInfo(config: KenBurnsConfig): BackendInfo {
  return {
    name: 'kenburns',
    displayName: 'Ken Burns (embedded)',
    kind: 'embedded',
    models: [modelCapabilities(config)],
    defaultModel: MODEL_ID,
  };
}

function invalid(message: string, field: string, value: unknown, fix: string, cause?: unknown): TtvError {
  return new TtvError('INPUT_INVALID', message, { field, value, fix, ...(cause === undefined ? {} : { cause }) });
}

/** Checks one keyframe image: present, readable, and a format ffmpeg decodes here. */
async function checkImage(path: string | undefined, field: 'firstFrame' | 'lastFrame', signal?: AbortSignal): Promise<void> {
  if (!path) {
    throw field === 'firstFrame'
      ? invalid(
          'kenburns needs a first frame: set storyboard.image (a PNG or JPEG) for the initial image, or give the segment a keyframe; ' +
            'it cannot start from text alone',
          field,
          path,
          'set storyboard.image to a PNG or JPEG file, or choose a backend with text-to-video',
        )
      : invalid('kenburns first-last-frame generation needs a last frame', field, path, 'give the segment an end keyframe image');
  }
  let format: string;
  try {
    ({ format } = await probeImage(path, signal ? { signal } : {}));
  } catch (error) {
    if (TtvError.is(error) && error.code === 'INPUT_INVALID') {
      throw invalid(`${field} ${path}: ${error.message.replace(`${path}: `, '')}`, field, path, 'point it at an existing PNG or JPEG file', error);
    }
    throw error;
  }
  if (!IMAGE_FORMATS.includes(format)) {
    throw invalid(`${field} ${path} is a ${format} image; kenburns reads ${IMAGE_FORMATS.join(', ')}`, field, path, 'convert it to PNG or JPEG');
  }
}

/** x264 zones giving the first and last frame a fixed, higher quality than the rest of the clip. */
function seamZones(frames: number, crf: number): string {
  const qp = Math.max(0, Math.min(crf, 18) - 8);
  const last = frames - 1;
  return last > 0 ? `zones=0,0,q=${qp}/${last},${last},q=${qp}` : `zones=0,0,q=${qp}`;
}

export class KenBurnsBackend implements LocalVideoBackend {
  readonly specificationVersion = 2 as const;
  readonly name: string;
  readonly displayName: string;
  readonly kind: BackendInfo['kind'];
  readonly models: ModelCapabilities[];
  readonly defaultModel: string;

  constructor(
    private readonly config: KenBurnsConfig,
    private readonly log: (line: string) => void = () => {},
  ) {
    const info = backendInfo(config);
    this.name = info.name;
    this.displayName = info.displayName;
    this.kind = info.kind;
    this.models = info.models;
    this.defaultModel = info.defaultModel;
  }

  /** Frames in a clip of `durationSec`: exactly round(duration × fps). */
  frameCount(durationSec: number): number {
    return Math.round(durationSec * this.config.fps);
  }

  async validate(request: GenerateRequest): Promise<void> {
    const model = this.models.find((m) => m.id === request.model);
    if (!model) {
      throw invalid(`kenburns has no model "${request.model}"`, 'model', request.model, `use model: ${MODEL_ID}`);
    }
    if (!durationAllowed(model.durations, request.durationSec)) {
      throw invalid(
        `kenburns renders ${describeDurations(model.durations)} s clips, not ${request.durationSec} s`,
        'durationSec',
        request.durationSec,
        'choose a segment duration between 0.5 and 60 seconds',
      );
    }
    const minFrames = request.lastFrame ? 2 : 1;
    if (this.frameCount(request.durationSec) < minFrames) {
      throw invalid(
        `${request.durationSec} s at ${this.config.fps} fps is under ${minFrames} frame(s)`,
        'durationSec',
        request.durationSec,
        'lengthen the segment or raise kenburns.fps',
      );
    }
    if (!model.resolutions.some((r) => r.width === request.width && r.height === request.height)) {
      throw invalid(
        `kenburns does not render ${request.width}x${request.height}`,
        'resolution',
        `${request.width}x${request.height}`,
        `use one of ${model.resolutions.map((r) => `${r.width}x${r.height}`).join(', ')}`,
      );
    }
    if (request.prompt.length > model.maxPromptLength) {
      throw invalid(
        `prompt is ${request.prompt.length} characters, over ${model.maxPromptLength}`,
        'prompt',
        `${request.prompt.slice(0, 40)}…`,
        'shorten the prompt',
      );
    }
    await checkImage(request.firstFrame, 'firstFrame');
    if (request.lastFrame !== undefined) await checkImage(request.lastFrame, 'lastFrame');
  }

  estimateCost(): { usd: number; basis: string } {
    return { usd: 0, basis: 'local ffmpeg render' };
  }

  /** The ffmpeg arguments for a request (exposed for tests and for the curious: `ttv` never shells out otherwise). */
  ffmpegArgs(request: GenerateRequest, outputPath: string): string[] {
    const { fps, crf, preset } = this.config;
    const frames = this.frameCount(request.durationSec);
    const move = chooseMove(this.config.motion, this.config.zoom, request.segmentIndex ?? 0, request.seed ?? 0);
    const geometry = { width: request.width, height: request.height, frames, fps };
    const keyframes = request.lastFrame !== undefined;
    const { graph, output }: FilterGraph = keyframes ? firstLastGraph(move, geometry) : firstFrameGraph(move, geometry);
    this.log(`kenburns: ${keyframes ? 'first-last-frame' : 'first-frame'} ${describeMove(move)}, ${frames} frames ${request.width}x${request.height}@${fps}`);
    return [
      // The perspective warp is slice-threaded: give the filter graph the cores.
      ...['-filter_complex_threads', String(Math.max(1, Math.min(4, availableParallelism())))],
      ...['-i', request.firstFrame!],
      ...(keyframes ? ['-i', request.lastFrame!] : []),
      ...['-filter_complex', graph, '-map', output, '-frames:v', String(frames), '-r', String(fps), '-an'],
      ...['-c:v', 'libx264', '-preset', preset, '-crf', String(crf), '-pix_fmt', 'yuv420p'],
      // The first and last frames are the seams of a chain: the next clip starts from this clip's last frame,
      // and frame 0 must reproduce the previous one. Encode those two frames at a fixed low quantizer, so
      // compression loss does not pile up hop after hop (costs a few kB per clip).
      ...['-x264-params', seamZones(frames, crf)],
      // A fixed MP4 time scale lets the joiner concatenate clips without re-encoding.
      ...['-video_track_timescale', '90000', '-movflags', '+faststart', '-f', 'mp4', outputPath],
    ];
  }

  async generate(request: GenerateRequest, ctx: GenerateContext): Promise<GenerateResult> {
    throwIfAborted(ctx.signal);
    await this.validate(request);
    const frames = this.frameCount(request.durationSec);
    ctx.onProgress({ fraction: 0 });
    // produceAtomic renders into a temp file beside outputPath and renames it only on success: a failure or an
    // abort (runFfmpeg kills ffmpeg and rejects with CANCELLED) leaves no file at outputPath.
    const probe = await produceAtomic(request.outputPath, async (tmp) => {
      await runFfmpeg(this.ffmpegArgs(request, tmp), {
        signal: ctx.signal,
        timeoutMs: Math.max(120_000, request.durationSec * 30_000),
        onProgress: (p) => {
          const frame = Number(p.frame);
          if (Number.isFinite(frame) && frame > 0) ctx.onProgress({ fraction: Math.min(1, frame / frames), message: `frame ${frame}/${frames}` });
        },
      });
      // Report what was actually written, not what was asked for.
      return probeVideo(tmp, { signal: ctx.signal });
    });
    if (probe.frames !== frames) {
      ctx.log(`kenburns: expected ${frames} frames, ffmpeg wrote ${probe.frames}`);
    }
    ctx.onProgress({ fraction: 1 });
    return clipResult(request.outputPath, probe, { costUsd: 0 });
  }

  async doctor(): Promise<DoctorCheck[]> {
    const checks: DoctorCheck[] = [];
    let version = '';
    try {
      const bins = resolveFfmpeg();
      version = (await runFfmpeg(['-version'], { timeoutMs: 20_000 })).stdout.split('\n')[0] ?? '';
      checks.push({ name: 'kenburns: ffmpeg', ok: true, detail: `${version} (${bins.ffmpeg}, from ${bins.source.ffmpeg})` });
    } catch (error) {
      const e = TtvError.is(error) ? error : undefined;
      checks.push({
        name: 'kenburns: ffmpeg',
        ok: false,
        detail: e?.message ?? String(error),
        fix: e?.fix ?? 'reinstall dependencies (pnpm install) or set FFMPEG_PATH',
      });
      return checks;
    }
    // The filters this backend's graphs use (all present since ffmpeg 4.0).
    const { stdout } = await runFfmpeg(['-filters'], { timeoutMs: 20_000 });
    const missing = ['perspective', 'loop', 'overlay', 'fade', 'boxblur', 'lutyuv'].filter((f) => !new RegExp(`\\s${f}\\s`).test(stdout));
    checks.push({
      name: 'kenburns: filters',
      ok: missing.length === 0,
      detail: missing.length === 0 ? 'perspective, loop, overlay, fade, boxblur, lutyuv present' : `missing: ${missing.join(', ')}`,
      ...(missing.length ? { fix: 'use a full ffmpeg build (set FFMPEG_PATH)' } : {}),
    });
    return checks;
  }
}
