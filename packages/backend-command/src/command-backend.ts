/**
 * The generic local-command backend: runs any generator CLI through an argument template (no shell), finds the
 * clip it wrote (a file, or the newest match in a fresh directory), checks it (frame count at the tool's fps)
 * and moves it to the request's output path atomically.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import {
  type BackendInfo,
  type CostEstimate,
  clipResult,
  type DoctorCheck,
  type DurationSupport,
  describeDurations,
  durationAllowed,
  type GenerateContext,
  type GenerateRequest,
  type GenerateResult,
  type InputMode,
  type LocalVideoBackend,
  type ModelCapabilities,
  probeVideo,
  type Resolution,
  TtvError,
  throwIfAborted,
} from '@ttv/core';
import { checkImage, deterministicSeed, invalidInput, processFailure, runProcess } from '@ttv/core/backend';
import type { CommandConfig } from './config.js';
import { type ArgTemplate, type OutputSpec, PRESETS, type Preset, type PresetName } from './presets.js';
import { expandArgs, globToRegExp, MissingPlaceholder, placeholders, REQUEST_PLACEHOLDERS } from './template.js';

/** A preset merged with the user's overrides, paths resolved. */
export interface ResolvedTool {
  model: string;
  presetName?: PresetName;
  command: string;
  args: ArgTemplate[];
  vars: Record<string, string>;
  cwd: string;
  env: Record<string, string>;
  output: OutputSpec;
  fps: number;
  inputs: InputMode[];
  durations: DurationSupport;
  resolutions: Resolution[];
  maxPromptLength: number;
  frames: (seconds: number, fps: number) => number;
  checkFrames: boolean;
}

const looksRelativePath = (v: string) => v.startsWith('./') || v.startsWith('../');

function configError(message: string, field: string, value: unknown, fix: string): TtvError {
  return new TtvError('CONFIG_INVALID', message, { field, value, fix });
}

/** Merges the preset with the config and checks the template offline (no I/O besides path resolution). */
export function resolveTool(config: CommandConfig, configDir = process.cwd()): ResolvedTool {
  const preset: Preset | undefined = config.preset ? PRESETS[config.preset as PresetName] : undefined;
  const args = config.args ?? preset?.args;
  if (!args) {
    throw configError(
      'command: set either preset or args (the argument template)',
      'command.args',
      undefined,
      `use preset: framepack (or hunyuanvideo, ltx-video), or list args with placeholders like {prompt} {image} {output}`,
    );
  }
  const vars: Record<string, string> = { ...(preset?.defaultVars ?? {}) };
  for (const [k, v] of Object.entries(config.vars)) vars[k] = looksRelativePath(v) ? resolve(configDir, v) : v;
  for (const k of Object.keys(vars)) {
    if ((REQUEST_PLACEHOLDERS as readonly string[]).includes(k)) {
      throw configError(
        `command.vars.${k} shadows a built-in placeholder`,
        `command.vars.${k}`,
        vars[k],
        `rename it; built-ins: ${REQUEST_PLACEHOLDERS.join(', ')}`,
      );
    }
  }
  for (const name of preset?.requiredVars ?? []) {
    if (vars[name] === undefined) {
      throw configError(
        `command preset ${config.preset} needs vars.${name}`,
        `command.vars.${name}`,
        undefined,
        `set command.vars.${name} (required: ${preset!.requiredVars.join(', ')})`,
      );
    }
  }
  const known = new Set<string>([...REQUEST_PLACEHOLDERS, ...Object.keys(vars)]);
  for (const name of placeholders([...args, ...config.extraArgs])) {
    if (!known.has(name)) {
      throw configError(
        `command: unknown placeholder {${name}} in the argument template`,
        'command.args',
        `{${name}}`,
        `define it in command.vars, or use one of ${REQUEST_PLACEHOLDERS.join(', ')}`,
      );
    }
  }
  const output = config.output ?? preset?.output ?? { kind: 'file' as const };
  const used = placeholders(args);
  if (output.kind === 'file' && !used.has('output')) {
    throw configError(
      'command: output.kind is file but the template never passes {output}',
      'command.args',
      undefined,
      'pass {output} where the tool takes its output file, or use output: {kind: directory, glob: "*.mp4"} with {outputDir}',
    );
  }
  if (output.kind === 'directory' && !used.has('outputDir')) {
    throw configError(
      'command: output.kind is directory but the template never passes {outputDir}',
      'command.args',
      undefined,
      'pass {outputDir} where the tool takes its output directory',
    );
  }
  const command = config.command ?? preset?.command ?? 'python';
  const inputs = config.inputs ?? preset?.inputs ?? ['first-frame'];
  if (config.gpus.length > 0 && config.gpusPerJob > config.gpus.length) {
    throw configError(
      `command.gpusPerJob ${config.gpusPerJob} exceeds the ${config.gpus.length} GPUs listed`,
      'command.gpusPerJob',
      config.gpusPerJob,
      'lower gpusPerJob or list more gpus',
    );
  }
  return {
    model: config.model ?? config.preset ?? 'command',
    ...(config.preset ? { presetName: config.preset as PresetName } : {}),
    command: command.includes('/') && !isAbsolute(command) ? resolve(configDir, command) : command,
    args: [...args, ...config.extraArgs],
    vars,
    cwd: config.cwd ? resolve(configDir, config.cwd) : configDir,
    env: config.env,
    output,
    fps: config.fps ?? preset?.fps ?? 24,
    inputs,
    durations: config.durations ?? preset?.durations ?? { kind: 'range', min: 1, max: 10 },
    resolutions: config.resolutions ?? preset?.resolutions ?? [{ width: 1280, height: 720 }],
    maxPromptLength: config.maxPromptLength ?? preset?.maxPromptLength ?? 2000,
    frames: preset?.frames ?? ((s, fps) => Math.round(s * fps)),
    checkFrames: config.checkFrames ?? preset !== undefined,
  };
}

export function commandInfo(config: CommandConfig, configDir?: string): BackendInfo {
  let tool: ResolvedTool;
  try {
    tool = resolveTool(config, configDir);
  } catch {
    // describe() must not throw for a half-written config; create() reports the problem.
    const preset = config.preset ? PRESETS[config.preset as PresetName] : undefined;
    tool = {
      model: config.model ?? config.preset ?? 'command',
      inputs: config.inputs ?? preset?.inputs ?? ['first-frame'],
      durations: config.durations ?? preset?.durations ?? { kind: 'range', min: 1, max: 10 },
      resolutions: config.resolutions ?? preset?.resolutions ?? [{ width: 1280, height: 720 }],
      fps: config.fps ?? preset?.fps ?? 24,
      maxPromptLength: config.maxPromptLength ?? preset?.maxPromptLength ?? 2000,
    } as ResolvedTool;
  }
  const perGpuSet = config.gpus.length > 0 ? Math.max(1, Math.floor(config.gpus.length / config.gpusPerJob)) : config.concurrency;
  const model: ModelCapabilities = {
    id: tool.model,
    inputs: tool.inputs,
    durations: tool.durations,
    resolutions: tool.resolutions,
    fps: tool.fps,
    maxPromptLength: tool.maxPromptLength,
    concurrency: Math.max(1, Math.min(config.concurrency, perGpuSet)),
    audio: false,
    usdPerSecond: 0,
  };
  return {
    name: 'command',
    displayName: config.preset ? `${config.preset} (local command)` : 'local command',
    kind: 'local',
    models: [model],
    defaultModel: model.id,
  };
}

const invalid = invalidInput;

/** Checks that `path` exists and is a readable still image (PNG, JPEG, WebP, …). Shared with backend-wan21. */
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
  readonly name: string;
  readonly displayName: string;
  readonly kind: BackendInfo['kind'];
  readonly models: ModelCapabilities[];
  readonly defaultModel: string;
  readonly resourcePool?: { gpus: number[] };
  readonly tool: ResolvedTool;

  constructor(
    private readonly config: CommandConfig,
    configDir: string = process.cwd(),
  ) {
    this.tool = resolveTool(config, configDir);
    const info = commandInfo(config, configDir);
    this.name = info.name;
    this.displayName = info.displayName;
    this.kind = info.kind;
    this.models = info.models;
    this.defaultModel = info.defaultModel;
    if (config.gpus.length > 0) this.resourcePool = { gpus: [...config.gpus] };
  }

  resources(): { gpus: number } | undefined {
    return this.config.gpus.length > 0 ? { gpus: this.config.gpusPerJob } : undefined;
  }

  async validate(request: GenerateRequest): Promise<void> {
    const model = this.models[0]!;
    const tool = this.tool;
    if (request.model !== model.id)
      throw invalid(`the command backend runs model "${model.id}", not "${request.model}"`, 'model', request.model, `use model: ${model.id}`);
    if (!durationAllowed(model.durations, request.durationSec)) {
      throw invalid(
        `${model.id} makes ${describeDurations(model.durations)} s clips, not ${request.durationSec} s`,
        'durationSec',
        request.durationSec,
        'let the engine negotiate the duration, or change command.durations',
      );
    }
    if (!model.resolutions.some((r) => r.width === request.width && r.height === request.height)) {
      throw invalid(
        `${model.id} does not make ${request.width}x${request.height}`,
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
    if (request.lastFrame !== undefined && !tool.inputs.includes('first-last-frame')) {
      throw invalid(
        `${model.id} cannot end on a given last frame`,
        'lastFrame',
        request.lastFrame,
        'use chaining mode with this tool, or a tool with first-last-frame support',
      );
    }
    if (request.firstFrame === undefined && !tool.inputs.includes('text')) {
      throw invalid(`${model.id} needs a first frame`, 'firstFrame', undefined, 'set storyboard.image');
    }
    if (request.firstFrame !== undefined) await checkImage(request.firstFrame, 'firstFrame', { backend: `command/${model.id}` });
    if (request.lastFrame !== undefined) await checkImage(request.lastFrame, 'lastFrame', { backend: `command/${model.id}` });
    const frames = tool.frames(request.durationSec, tool.fps);
    if (!(frames >= 1))
      throw invalid(`${request.durationSec} s gives no frames at ${tool.fps} fps`, 'durationSec', request.durationSec, 'lengthen the segment');
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
        throw invalid(
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
      const failure = processFailure(outcome, {
        what: `${model} (${basename(tool.command)})`,
        spawnField: 'command.command',
        spawnFix: 'set command.command to the python (or executable) of the tool’s environment',
        timeoutField: 'command.timeoutMinutes',
        timeoutMinutes: this.config.timeoutMinutes,
        oomFix:
          'lower the resolution or clip length, use the tool’s memory options via command.extraArgs (e.g. FramePack --blocks_to_swap, --fp8), or use a bigger GPU',
      });
      if (failure) throw failure;
      const produced = tool.output.kind === 'file' ? (existsSync(tmpFile) ? tmpFile : undefined) : await newestMatch(outDir, tool.output.glob);
      if (!produced) {
        throw new TtvError(
          'GENERATION_FAILED',
          `${model} exited 0 but wrote no ${tool.output.kind === 'file' ? `file at ${tmpFile}` : `file matching ${tool.output.glob} in ${outDir}`}`,
          {
            fix: 'check the tool’s log lines in run.log; make sure the template passes {output} / {outputDir} to the right flag',
            details: { stdoutTail: outcome.stdoutTail.slice(-10), stderrTail: outcome.stderrTail.slice(-10) },
          },
        );
      }
      let probe: Awaited<ReturnType<typeof probeVideo>>;
      try {
        probe = await probeVideo(produced, { signal: ctx.signal });
      } catch (error) {
        throw new TtvError('GENERATION_FAILED', `${model} wrote ${produced}, which is not a valid video: ${(error as Error).message}`, { cause: error });
      }
      if (Math.abs(probe.fps - tool.fps) > 0.01) {
        throw new TtvError('GENERATION_FAILED', `${model} wrote a ${probe.fps} fps clip; expected ${tool.fps} fps`, {
          fix: 'set command.fps to the rate the tool really uses (or pass {fps} to it)',
        });
      }
      if (tool.checkFrames && probe.frames !== expectedFrames) {
        throw new TtvError('GENERATION_FAILED', `${model} wrote ${probe.frames} frames; expected ${expectedFrames} for ${request.durationSec} s`, {
          fix: 'the tool did not make the requested length; check its log, or set command.checkFrames: false',
        });
      }
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
      name: `command: ${tool.command}`,
      ok: !outcome.spawnError && outcome.exitCode === 0,
      detail: outcome.spawnError ? outcome.spawnError.message : [...outcome.stdoutTail, ...outcome.stderrTail].join(' ').trim() || `exit ${outcome.exitCode}`,
      ...(outcome.spawnError || outcome.exitCode !== 0 ? { fix: 'set command.command to an executable (e.g. the python of the tool’s venv)' } : {}),
    });
    for (const [k, v] of Object.entries(tool.vars)) {
      if (!isAbsolute(v)) continue;
      const ok = existsSync(v);
      checks.push({ name: `command: vars.${k}`, ok, detail: ok ? v : `${v} not found`, ...(ok ? {} : { fix: `set command.vars.${k} to an existing path` }) });
    }
    return checks;
  }
}
