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
  type BackendCreateContext,
  checkImage,
  checkRequest,
  clipResult,
  type DoctorCheck,
  type GenerateContext,
  type GenerateRequest,
  type GenerateResult,
  invalidInput,
  type LocalVideoBackend,
  produceAtomic,
  TtvError,
  throwIfAborted,
} from '@ttv/core/backend';
import { probeVideo, resolveFfmpeg, runFfmpeg } from '@ttv/core/media';
import { chooseMove, describeMove, type FilterGraph, firstFrameGraph, firstLastGraph } from './filters.js';
import type { KenBurnsConfig } from './kenburns-config.js';
import { describeKenBurns } from './kenburns-models.js';

/** x264 zones giving the first and last frame a fixed, higher quality than the rest of the clip. */
function seamZones(frames: number, crf: number): string {
  const qp = Math.max(0, Math.min(crf, 18) - 8);
  const last = frames - 1;
  return last > 0 ? `zones=0,0,q=${qp}/${last},${last},q=${qp}` : `zones=0,0,q=${qp}`;
}

export class KenBurnsBackend implements LocalVideoBackend {
  readonly specificationVersion = 2 as const;

  /** Nothing here needs the config file's directory or the environment: ffmpeg is resolved on first use. */
  constructor(
    private readonly config: KenBurnsConfig,
    _context?: BackendCreateContext,
  ) {}

  /** Frames in a clip of `durationSec`: exactly round(duration × fps). */
  frameCount(durationSec: number): number {
    return Math.round(durationSec * this.config.fps);
  }

  async validate(request: GenerateRequest): Promise<void> {
    if (!request.firstFrame) {
      throw invalidInput(
        'kenburns needs a first frame: set storyboard.image (a PNG or JPEG) for the initial image, or give the segment a keyframe; it cannot start from text alone',
        'firstFrame',
        request.firstFrame,
        'set storyboard.image to a PNG or JPEG file, or choose a backend with text-to-video',
      );
    }
    checkRequest('kenburns', describeKenBurns(this.config), request);
    const minFrames = request.lastFrame ? 2 : 1;
    if (this.frameCount(request.durationSec) < minFrames) {
      throw invalidInput(
        `${request.durationSec} s at ${this.config.fps} fps is under ${minFrames} frame(s)`,
        'durationSec',
        request.durationSec,
        'lengthen the segment or raise kenburns.fps',
      );
    }
    await checkImage(request.firstFrame, 'firstFrame', { backend: 'kenburns' });
    if (request.lastFrame !== undefined) await checkImage(request.lastFrame, 'lastFrame', { backend: 'kenburns' });
  }

  estimateCost(): { usd: number; basis: string } {
    return { usd: 0, basis: 'local ffmpeg render' };
  }

  /** The ffmpeg arguments for a request (exposed for tests and for the curious: `ttv` never shells out otherwise). */
  ffmpegArgs(request: GenerateRequest, outputPath: string, log: (line: string) => void = () => {}): string[] {
    const { fps, crf, preset } = this.config;
    const frames = this.frameCount(request.durationSec);
    const move = chooseMove(this.config.motion, this.config.zoom, request.segmentIndex ?? 0, request.seed ?? 0);
    const geometry = { width: request.width, height: request.height, frames, fps };
    const keyframes = request.lastFrame !== undefined;
    const { graph, output }: FilterGraph = keyframes ? firstLastGraph(move, geometry) : firstFrameGraph(move, geometry);
    log(`${keyframes ? 'first-last-frame' : 'first-frame'} ${describeMove(move)}, ${frames} frames ${request.width}x${request.height}@${fps}`);
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
      await runFfmpeg(this.ffmpegArgs(request, tmp, ctx.log), {
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
      ctx.log(`expected ${frames} frames, ffmpeg wrote ${probe.frames}`);
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
      checks.push({ name: 'ffmpeg', ok: true, detail: `${version} (${bins.ffmpeg}, from ${bins.source.ffmpeg})` });
    } catch (error) {
      const e = TtvError.is(error) ? error : undefined;
      checks.push({
        name: 'ffmpeg',
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
      name: 'filters',
      ok: missing.length === 0,
      detail: missing.length === 0 ? 'perspective, loop, overlay, fade, boxblur, lutyuv present' : `missing: ${missing.join(', ')}`,
      ...(missing.length ? { fix: 'use a full ffmpeg build (set FFMPEG_PATH)' } : {}),
    });
    return checks;
  }
}
