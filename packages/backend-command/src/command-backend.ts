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
import { probeVideo } from '@ttv/core/media';
import type { CommandConfig } from './command-config.js';
import { noOutput, notAVideo, processError, wrongClip } from './command-errors.js';
import { describeCommand, type ResolvedTool, resolveTool } from './command-models.js';
import { expandArgs, globToRegExp, MissingPlaceholder, placeholders } from './template.js';

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
    if (request.firstFrame !== undefined) await checkImage(request.firstFrame, 'firstFrame', { backend: `command/${model.id}` });
    if (request.lastFrame !== undefined) await checkImage(request.lastFrame, 'lastFrame', { backend: `command/${model.id}` });
    const frames = tool.frames(request.durationSec, tool.fps);
    if (!(frames >= 1))
      throw invalidInput(`${request.durationSec} s gives no frames at ${tool.fps} fps`, 'durationSec', request.durationSec, 'lengthen the segment');
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
    const frames = tool.frames(request.durationSec, tool.fps);
    const values: Record<string, string | undefined> = {
      ...tool.vars,
      prompt: request.prompt,
      image: request.firstFrame,
      lastImage: request.lastFrame,
      seconds: String(request.durationSec),
      frames: String(frames),
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
      return expandArgs(tool.args, values);
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
    const tool = this.tool;
    const model = tool.model;
    const expectedFrames = tool.frames(request.durationSec, tool.fps);
    const dir = dirname(request.outputPath);
    await mkdir(dir, { recursive: true });
    const stem = `.${basename(request.outputPath)}.${process.pid}.${randomBytes(4).toString('hex')}`;
    const tmpFile = join(dir, `${stem}.tmp.mp4`);
    const outDir = join(dir, `${stem}.out`);
    if (tool.output.kind === 'directory') await mkdir(outDir, { recursive: true });
    const args = this.buildArgs(request, { output: tmpFile, outputDir: outDir });
    const gpus = this.config.gpus.length > 0 ? (ctx.lease?.gpus ?? this.config.gpus.slice(0, this.config.gpusPerJob)) : undefined;
    const log = (line: string) => ctx.log(line);
    const warnings: GenerateResult['warnings'] = [];
    if (request.negativePrompt && !placeholders(tool.args).has('negativePrompt')) {
      warnings.push({ type: 'unsupported', field: 'negativePrompt', message: `${model}: the template passes no {negativePrompt}; it was ignored` });
    }
    try {
      ctx.onProgress({ fraction: 0, message: 'starting' });
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
        onSpawn: (pid) => log(`${model}: started pid ${pid}${gpus ? ` on GPUs ${gpus.join(',')}` : ''}: ${tool.command} ${args.join(' ')}`),
      });
      const failure = processError(outcome, model, tool, this.config.timeoutMinutes);
      if (failure) throw failure;
      const produced = tool.output.kind === 'file' ? (existsSync(tmpFile) ? tmpFile : undefined) : await newestMatch(outDir, tool.output.glob);
      if (!produced) throw noOutput(outcome, model, tool, { file: tmpFile, dir: outDir });
      let probe: Awaited<ReturnType<typeof probeVideo>>;
      try {
        probe = await probeVideo(produced, { signal: ctx.signal });
      } catch (error) {
        throw notAVideo(model, produced, error);
      }
      const wrong = wrongClip(model, tool, probe, request.durationSec, expectedFrames);
      if (wrong) throw wrong;
      if (probe.width !== request.width || probe.height !== request.height) {
        log(`${model}: clip is ${probe.width}x${probe.height} (requested ${request.width}x${request.height}); the join scales it`);
      }
      await rename(produced, request.outputPath);
      ctx.onProgress({ fraction: 1 });
      return clipResult(request.outputPath, probe, {
        costUsd: this.config.usdPerGpuHour ? Number(((outcome.durationMs / 3_600_000) * (gpus?.length ?? 1) * this.config.usdPerGpuHour).toFixed(6)) : 0,
        warnings,
      });
    } finally {
      await rm(tmpFile, { force: true });
      await rm(outDir, { recursive: true, force: true });
    }
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
