/**
 * The generic local-command backend: runs any generator CLI through an argument template (no shell), finds the
 * clip it wrote (a file, or the newest match in a fresh directory), checks it (frame count at the tool's fps)
 * and moves it to the request's output path atomically.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import {
  type BackendCreateContext,
  type CostEstimate,
  checkImage,
  checkRequest,
  clipResult,
  type DoctorCheck,
  deterministicSeed,
  type GenerateContext,
  type GenerateRequest,
  type GenerateResult,
  invalidInput,
  type LocalVideoBackend,
  runProcess,
  throwIfAborted,
} from '@ttv/core/backend';
import { probeVideo, type VideoProbe } from '@ttv/core/media';
import type { CommandConfig } from './command-config.js';
import { noOutput, notAVideo, processError, wrongClip } from './command-errors.js';
import { describeCommand, type ResolvedTool, resolveTool } from './command-models.js';
import { changes, finishClip, finishPlan } from './finish.js';
import { expandArgs, globToRegExp, type KeyframeValues, MissingPlaceholder, placeholders } from './template.js';

/** Newest regular file in `dir` whose name matches `glob` (undefined if none). */
export async function newestMatch(dir: string, glob: string): Promise<string | undefined> {
  if (!existsSync(dir)) return undefined;
  const re = globToRegExp(glob);
  let best: { path: string; mtime: number } | undefined;
  for (const name of await readdir(dir)) {
    if (!re.test(name)) continue;
    const path = join(dir, name);
    const s = await stat(path);
    if (!s.isFile() || s.size === 0) continue;
    if (!best || s.mtimeMs > best.mtime) best = { path, mtime: s.mtimeMs };
  }
  return best?.path;
}

/** Timed keyframes as template values: each pinned at the nearest frame, strictly between the first and the last. */
export function keyframeValues(keyframes: ReadonlyArray<{ path: string; atSec: number }>, fps: number, frames: number): KeyframeValues[] {
  const last = Math.max(1, frames - 2);
  return keyframes.map((k) => ({ keyframe: k.path, keyframeIndex: String(Math.min(last, Math.max(1, Math.round(k.atSec * fps)))) }));
}

/** The probe of a clip the tool wrote; a file that is no video is GENERATION_FAILED. */
async function probeClip(model: string, file: string, signal: AbortSignal): Promise<VideoProbe> {
  try {
    return await probeVideo(file, { signal });
  } catch (error) {
    throw notAVideo(model, file, error);
  }
}

export class CommandBackend implements LocalVideoBackend {
  readonly specificationVersion = 2 as const;
  readonly resourcePool?: { gpus: number[] };
  readonly tool: ResolvedTool;

  /** Relative paths of the config (command, cwd, `./` vars) resolve from `context.configDir` (default: the working directory). */
  constructor(
    private readonly config: CommandConfig,
    context: Partial<BackendCreateContext> = {},
  ) {
    this.tool = resolveTool(config, context.configDir ?? process.cwd());
    if (config.gpus.length > 0) this.resourcePool = { gpus: [...config.gpus] };
  }

  resources(): { gpus: number } | undefined {
    return this.config.gpus.length > 0 ? { gpus: this.config.gpusPerJob } : undefined;
  }

  async validate(request: GenerateRequest): Promise<void> {
    const tool = this.tool;
    const model = checkRequest('command', describeCommand(this.config), request);
    const who = { backend: `command/${model.id}` };
    if (request.firstFrame !== undefined) await checkImage(request.firstFrame, 'firstFrame', who);
    if (request.lastFrame !== undefined) await checkImage(request.lastFrame, 'lastFrame', who);
    for (const k of request.keyframes ?? []) await checkImage(k.path, 'keyframes', who);
    if (request.inputVideo !== undefined) await this.inputFrames(request.inputVideo);
    const frames = this.clipFrames(request);
    if (!(frames >= 1))
      throw invalidInput(`${request.durationSec} s gives no frames at ${tool.fps} fps`, 'durationSec', request.durationSec, 'lengthen the segment');
  }

  /** The frames of the clip to continue, refused when it is missing, not a video, or shorter than the tool needs. */
  private async inputFrames(path: string, signal?: AbortSignal): Promise<number> {
    const min = this.tool.extend?.minInputFrames(this.tool.vars) ?? 1;
    let frames: number;
    try {
      frames = (await probeVideo(path, { countFrames: true, ...(signal ? { signal } : {}) })).frames;
    } catch (error) {
      throw invalidInput(`the clip to extend, ${path}, is missing or not a video`, 'inputVideo', path, 'extend an existing MP4', error);
    }
    if (frames < min) {
      throw invalidInput(`the clip to extend has ${frames} frames; ${this.tool.model} needs at least ${min}`, 'inputVideo', path, 'extend a longer clip');
    }
    return frames;
  }

  /** The frames ttv keeps of a request's clip: the continuation of an extension, else the whole clip. */
  private clipFrames(request: GenerateRequest): number {
    const { extend, fps } = this.tool;
    return request.inputVideo !== undefined && extend ? extend.frames(request.durationSec, fps) : this.tool.frames(request.durationSec, fps);
  }

  estimateCost(request: GenerateRequest): CostEstimate {
    const rate = this.config.usdPerGpuHour;
    if (!rate) return { usd: 0, basis: 'local tool' };
    // A rough upper bound: one minute of GPU time per second of output per GPU.
    const gpus = this.config.gpus.length > 0 ? this.config.gpusPerJob : 1;
    const usd = (request.durationSec * 60 * gpus * rate) / 3600;
    return { usd: Number(usd.toFixed(4)), basis: `${gpus} GPU × ~1 min per output second × $${rate}/GPU-hour` };
  }

  /** The argument vector for a request (exposed for golden tests and `--verbose` logs). */
  buildArgs(request: GenerateRequest, paths: { output: string; outputDir: string }): string[] {
    const tool = this.tool;
    const frames = this.clipFrames(request);
    const extending = request.inputVideo !== undefined && tool.extend !== undefined;
    const values: Record<string, string | undefined> = {
      ...tool.vars,
      prompt: request.prompt,
      image: request.firstFrame,
      lastImage: request.lastFrame,
      inputVideo: request.inputVideo,
      seconds: String(request.durationSec),
      frames: String(extending ? tool.extend!.toolFrames(frames, tool.vars) : frames),
      lastFrameIndex: request.lastFrame !== undefined ? String(frames - 1) : undefined,
      fps: String(tool.fps),
      width: String(request.width),
      height: String(request.height),
      seed: String(request.seed ?? deterministicSeed(request.prompt, request.segmentIndex)),
      output: paths.output,
      outputDir: paths.outputDir,
      negativePrompt: request.negativePrompt,
    };
    try {
      return expandArgs(tool.args, values, keyframeValues(request.keyframes ?? [], tool.fps, frames));
    } catch (e) {
      if (e instanceof MissingPlaceholder) {
        throw invalidInput(
          `the command template needs {${e.placeholder}} but this request has none`,
          e.placeholder,
          undefined,
          `put "${e.arg}" in an optional group (a nested list) or provide the input`,
        );
      }
      throw e;
    }
  }

  async generate(request: GenerateRequest, ctx: GenerateContext): Promise<GenerateResult> {
    throwIfAborted(ctx.signal);
    await this.validate(request);
    const dir = dirname(request.outputPath);
    await mkdir(dir, { recursive: true });
    const stem = `.${basename(request.outputPath)}.${process.pid}.${randomBytes(4).toString('hex')}`;
    const tmp = { file: join(dir, `${stem}.tmp.mp4`), dir: join(dir, `${stem}.out`), finished: join(dir, `${stem}.fin.mp4`) };
    const warnings: GenerateResult['warnings'] = [];
    if (request.negativePrompt && !placeholders(this.tool.args).has('negativePrompt')) {
      warnings.push({ type: 'unsupported', field: 'negativePrompt', message: `${this.tool.model}: the template passes no {negativePrompt}; it was ignored` });
    }
    try {
      ctx.onProgress({ fraction: 0, message: 'starting' });
      const { produced, outcome, gpus } = await this.runTool(request, ctx, tmp);
      const probe = await this.finish(request, ctx, produced, tmp.finished);
      await rename(existsSync(tmp.finished) ? tmp.finished : produced, request.outputPath);
      ctx.onProgress({ fraction: 1 });
      const rate = this.config.usdPerGpuHour;
      return clipResult(request.outputPath, probe, {
        costUsd: rate ? Number(((outcome.durationMs / 3_600_000) * (gpus?.length ?? 1) * rate).toFixed(6)) : 0,
        warnings,
      });
    } finally {
      for (const f of [tmp.file, tmp.finished]) await rm(f, { force: true });
      await rm(tmp.dir, { recursive: true, force: true });
    }
  }

  /** Runs the tool for a request and returns the clip it wrote (a failure, or no clip, throws the coded error). */
  private async runTool(request: GenerateRequest, ctx: GenerateContext, tmp: { file: string; dir: string }) {
    const tool = this.tool;
    if (tool.output.kind === 'directory') await mkdir(tmp.dir, { recursive: true });
    const args = this.buildArgs(request, { output: tmp.file, outputDir: tmp.dir });
    const gpus = this.config.gpus.length > 0 ? (ctx.lease?.gpus ?? this.config.gpus.slice(0, this.config.gpusPerJob)) : undefined;
    const log = (line: string) => ctx.log(line);
    const outcome = await runProcess({
      file: tool.command,
      args,
      cwd: tool.cwd,
      env: { ...tool.env, ...(gpus ? { CUDA_VISIBLE_DEVICES: gpus.join(',') } : {}), PYTHONUNBUFFERED: '1' },
      signal: ctx.signal,
      timeoutMs: this.config.timeoutMinutes * 60_000,
      killGraceMs: this.config.killGraceSeconds * 1000,
      log,
      ...(this.config.progressPattern ? { progressPattern: new RegExp(this.config.progressPattern) } : {}),
      onProgress: ({ step, total }) => ctx.onProgress({ fraction: Math.min(0.99, step / total), message: `step ${step}/${total}` }),
      onSpawn: (pid) => log(`${tool.model}: started pid ${pid}${gpus ? ` on GPUs ${gpus.join(',')}` : ''}: ${tool.command} ${args.join(' ')}`),
    });
    const failure = processError(outcome, tool.model, tool, this.config.timeoutMinutes);
    if (failure) throw failure;
    const produced = tool.output.kind === 'file' ? (existsSync(tmp.file) ? tmp.file : undefined) : await newestMatch(tmp.dir, tool.output.glob);
    if (!produced) throw noOutput(outcome, tool.model, tool, tmp);
    return { produced, outcome, gpus };
  }

  /**
   * Checks the clip the tool wrote (rate, and frame count when checked: for an extension that writes its input
   * first, the input's frames plus the continuation), then writes `finished` when it must change: the repeated
   * input cut off, unasked sound removed. Returns the probe of the clip to keep.
   */
  private async finish(request: GenerateRequest, ctx: GenerateContext, produced: string, finished: string): Promise<VideoProbe> {
    const tool = this.tool;
    const keep = this.clipFrames(request);
    const repeatsInput = request.inputVideo !== undefined && tool.extend?.output === 'input+continuation';
    const expected = repeatsInput ? (await this.inputFrames(request.inputVideo!, ctx.signal)) + keep : keep;
    const probe = await probeClip(tool.model, produced, ctx.signal);
    const wrong = wrongClip(tool.model, tool, probe, request.durationSec, expected);
    if (wrong) throw wrong;
    if (probe.width !== request.width || probe.height !== request.height) {
      ctx.log(`${tool.model}: clip is ${probe.width}x${probe.height} (requested ${request.width}x${request.height}); the join scales it`);
    }
    const plan = finishPlan(probe, repeatsInput ? keep : probe.frames, probe.frames, tool.fps, request.generateAudio);
    if (!changes(plan)) return probe;
    await finishClip(produced, finished, plan, { signal: ctx.signal, timeoutMs: this.config.timeoutMinutes * 60_000 });
    const result = await probeClip(tool.model, finished, ctx.signal);
    const short = wrongClip(tool.model, tool, result, request.durationSec, keep);
    if (short) throw short;
    return result;
  }

  async doctor(): Promise<DoctorCheck[]> {
    const checks: DoctorCheck[] = [];
    const tool = this.tool;
    const outcome = await runProcess({ file: tool.command, args: ['--version'], cwd: tool.cwd, timeoutMs: 30_000 });
    checks.push({
      name: `${tool.command}`,
      ok: !outcome.spawnError && outcome.exitCode === 0,
      detail: outcome.spawnError ? outcome.spawnError.message : [...outcome.stdoutTail, ...outcome.stderrTail].join(' ').trim() || `exit ${outcome.exitCode}`,
      ...(outcome.spawnError || outcome.exitCode !== 0 ? { fix: 'set command.command to an executable (e.g. the python of the tool’s venv)' } : {}),
    });
    for (const [k, v] of Object.entries(tool.vars)) {
      if (!isAbsolute(v)) continue;
      const ok = existsSync(v);
      checks.push({ name: `vars.${k}`, ok, detail: ok ? v : `${v} not found`, ...(ok ? {} : { fix: `set command.vars.${k} to an existing path` }) });
    }
    return checks;
  }
}
