/**
 * Wan2.1 I2V-14B (chaining) and FLF2V-14B (keyframe mode) on local GPUs, through Wan's own generate.py.
 *
 *   validate  → every Wan rule, before any process starts (a 14B load costs minutes)
 *   generate  → python generate.py … (one GPU) or torchrun … generate.py … --dit_fsdp --t5_fsdp --ulysses_size N,
 *               CUDA_VISIBLE_DEVICES from the engine's lease, an absolute temp --save_file renamed only after the
 *               clip probes to frame_num frames at 16 fps (Wan exits 0 after a failed save)
 *   doctor    → python, Wan checkout, checkpoints, GPUs, flash-attn (and torchrun/xfuser for multi-GPU)
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import {
  type BackendCreateContext,
  type CostEstimate,
  checkImage,
  clipResult,
  type DoctorCheck,
  deterministicSeed,
  type GenerateContext,
  type GenerateRequest,
  type GenerateResult,
  invalidInput,
  type LocalVideoBackend,
  type ProcessOutcome,
  runProcess,
  TtvError,
  throwIfAborted,
} from '@ttv/core/backend';
import { probeVideo } from '@ttv/core/media';
import type { Wan21Config } from './wan21-config.js';
import { noVideoSaved, processError, unreadableVideo, wrongFrameCount } from './wan21-errors.js';
import {
  CHECKPOINT_FILES,
  CHECKPOINT_MODEL_TYPE,
  FLF2V_FRAMES,
  framesToSeconds,
  isFourNPlusOne,
  isTask,
  MAX_PROMPT,
  NUM_HEADS_14B,
  SUPPORTED_SIZES,
  secondsToFrames,
  TASKS,
  taskFrames,
  taskResolutions,
  VALID_ULYSSES,
  WAN_FPS,
  type WanTask,
  wanDefaults,
  wanGeometry,
} from './wan21-models.js';

const pick = (v: number | Partial<Record<WanTask, number>> | undefined, task: WanTask): number | undefined => (typeof v === 'number' ? v : v?.[task]);

/** Everything validate worked out, for the argument vector. */
export interface WanJob {
  task: WanTask;
  size: string;
  frameNum: number;
  /** The clip Wan will make (from the first image's aspect). */
  geometry: { width: number; height: number };
  seed: number;
  ckptDir: string;
  wanDir: string;
  generatePy: string;
}

/** Runs a short command for a doctor check. */
type DoctorRun = (file: string, args: string[]) => Promise<ProcessOutcome>;

/** What a short command printed, for a doctor check's detail. */
const outputText = (o: ProcessOutcome) => [...o.stdoutTail, ...o.stderrTail].join(' ').trim();

/** Ports handed to running jobs of this process (the OS could give a just-closed port to two jobs). */
const reservedPorts = new Set<number>();

/** A free TCP port on localhost for a torchrun rendezvous, distinct from every port a running job holds. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((res, rej) => {
      const srv = createServer();
      srv.unref();
      srv.once('error', rej);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        const p = typeof addr === 'object' && addr ? addr.port : 0;
        srv.close(() => res(p));
      });
    });
    if (port && !reservedPorts.has(port)) {
      reservedPorts.add(port);
      return port;
    }
  }
  throw new TtvError('UNAVAILABLE', 'could not find a free TCP port for the torchrun rendezvous');
}

export class Wan21Backend implements LocalVideoBackend {
  readonly specificationVersion = 2 as const;
  readonly resourcePool: { gpus: number[] };
  /** Processes started by this instance (tests assert that a refused request started none). */
  spawnCount = 0;
  private readonly configDir: string;

  /** Relative paths of the config (wanDir, checkpoints, python) resolve from `context.configDir` (default: the working directory). */
  constructor(
    readonly config: Wan21Config,
    context: Partial<BackendCreateContext> = {},
  ) {
    this.configDir = context.configDir ?? process.cwd();
    this.resourcePool = { gpus: [...config.gpus] };
  }

  private path(p: string): string {
    return isAbsolute(p) ? p : resolve(this.configDir, p);
  }

  private get python(): string {
    const p = this.config.python;
    return p.includes('/') ? this.path(p) : p;
  }

  /** The torchrun executable: configured, else beside python, else on PATH. */
  get torchrun(): string {
    if (this.config.torchrun) return this.config.torchrun.includes('/') ? this.path(this.config.torchrun) : this.config.torchrun;
    const py = this.python;
    if (py.includes('/')) {
      const beside = join(dirname(py), 'torchrun');
      if (existsSync(beside)) return beside;
    }
    return 'torchrun';
  }

  resources(): { gpus: number } {
    return { gpus: this.config.gpusPerJob };
  }

  /** Checks the config's multi-GPU rules (also part of validate). */
  private checkParallelism(): void {
    const { gpus, gpusPerJob } = this.config;
    if (gpusPerJob > gpus.length) {
      throw invalidInput(
        `wan21.gpusPerJob is ${gpusPerJob} but only ${gpus.length} GPU(s) are listed (${gpus.join(', ')})`,
        'wan21.gpusPerJob',
        gpusPerJob,
        `lower gpusPerJob to ≤ ${gpus.length}, or list more GPUs in wan21.gpus`,
      );
    }
    if (new Set(gpus).size !== gpus.length) {
      throw invalidInput(`wan21.gpus lists a GPU twice (${gpus.join(', ')})`, 'wan21.gpus', gpus, 'list each GPU index once');
    }
    if (gpusPerJob > 1 && NUM_HEADS_14B % gpusPerJob !== 0) {
      throw invalidInput(
        `wan21.gpusPerJob ${gpusPerJob} would run --ulysses_size ${gpusPerJob}, which must divide the 14B model's ${NUM_HEADS_14B} attention heads`,
        'wan21.gpusPerJob',
        gpusPerJob,
        `use one of ${VALID_ULYSSES.filter((n) => n <= Math.max(1, gpus.length)).join(', ')} GPUs per job`,
      );
    }
  }

  /**
   * Validates and returns the job (exposed so `generate` does the same checks once). Every Wan rule, in the
   * order a user fixes them: the model, the checkout, the checkpoint, the size, the frame count, the GPUs, the
   * prompt, the images.
   */
  async plan(request: GenerateRequest, signal?: AbortSignal): Promise<WanJob> {
    const task = request.model;
    if (!isTask(task)) throw invalidInput(`wan21 has no model "${task}"`, 'model', task, `use ${TASKS.join(' (chaining) or ')} (keyframe mode)`);
    const { wanDir, generatePy } = this.checkout();
    const ckptDir = this.checkpoint(task);
    const size = this.size(task, request);
    const frameNum = this.frameCount(task, request);
    this.checkParallelism();
    checkPrompt(request);
    const first = await checkImages(task, request, signal);
    return {
      task,
      size,
      frameNum,
      geometry: wanGeometry(first, size),
      seed: request.seed ?? deterministicSeed(request.prompt, request.segmentIndex),
      ckptDir,
      wanDir,
      generatePy,
    };
  }

  /** The Wan checkout: wan21.wanDir with a generate.py. */
  private checkout(): { wanDir: string; generatePy: string } {
    const cfg = this.config;
    if (!cfg.wanDir)
      throw invalidInput('wan21.wanDir is not set', 'wan21.wanDir', undefined, 'set wan21.wanDir to your Wan2.1 checkout (the folder with generate.py)');
    const wanDir = this.path(cfg.wanDir);
    const generatePy = join(wanDir, 'generate.py');
    if (!existsSync(generatePy))
      throw invalidInput(
        `no generate.py in wan21.wanDir ${wanDir}`,
        'wan21.wanDir',
        wanDir,
        'point wan21.wanDir at a Wan2.1 checkout (git clone https://github.com/Wan-Video/Wan2.1)',
      );
    return { wanDir, generatePy };
  }

  /** The checkpoint folder for a task: set, present, and holding that task's model. */
  private checkpoint(task: WanTask): string {
    const ckpt = this.config.checkpoints[task];
    if (!ckpt) {
      throw invalidInput(
        `wan21.checkpoints.${task} is not set`,
        `wan21.checkpoints.${task}`,
        undefined,
        `download ${task === 'i2v-14B' ? 'Wan-AI/Wan2.1-I2V-14B-720P (or -480P)' : 'Wan-AI/Wan2.1-FLF2V-14B-720P'} and set wan21.checkpoints.${task} to its folder`,
      );
    }
    const ckptDir = this.path(ckpt);
    if (!existsSync(ckptDir) || !statSync(ckptDir).isDirectory()) {
      throw invalidInput(
        `checkpoint directory for ${task} not found: ${ckptDir}`,
        `wan21.checkpoints.${task}`,
        ckptDir,
        'check the path (relative paths resolve from the config file)',
      );
    }
    const modelType = readModelType(ckptDir);
    if (modelType !== undefined && modelType !== CHECKPOINT_MODEL_TYPE[task]) {
      throw invalidInput(
        `wan21.checkpoints.${task} (${ckptDir}) holds a "${modelType}" model, not ${task} ("${CHECKPOINT_MODEL_TYPE[task]}")`,
        `wan21.checkpoints.${task}`,
        ckptDir,
        `point it at the ${task} checkpoint (the i2v and flf2v folders are easy to swap)`,
      );
    }
    return ckptDir;
  }

  /** generate.py's `--size` for the requested output size (Wan asserts it is in the task's list). */
  private size(task: WanTask, request: GenerateRequest): string {
    const configured = this.config.size[task];
    if (configured && !SUPPORTED_SIZES[task].includes(configured)) {
      throw invalidInput(
        `wan21.size.${task} ${configured} is not a size Wan supports for ${task}`,
        `wan21.size.${task}`,
        configured,
        `use one of ${SUPPORTED_SIZES[task].join(', ')}`,
      );
    }
    const options = taskResolutions(this.config, task);
    const option = options.find((r) => r.width === request.width && r.height === request.height);
    if (!option) {
      throw invalidInput(
        `wan21/${task} does not make ${request.width}x${request.height}`,
        'resolution',
        `${request.width}x${request.height}`,
        `use one of ${options.map((r) => `${r.width}x${r.height}`).join(', ')} (the engine negotiates this from output.width/height)`,
      );
    }
    return configured ?? option.size;
  }

  /** generate.py's `--frame_num` for the requested duration: 16 fps, 4n+1, flf2v exactly 81, and configured. */
  private frameCount(task: WanTask, request: GenerateRequest): number {
    const frameNum = secondsToFrames(request.durationSec);
    if (frameNum === undefined) {
      throw invalidInput(
        `${request.durationSec} s is not a whole number of frames at ${WAN_FPS} fps`,
        'durationSec',
        request.durationSec,
        `use (4n+1)/16 s, e.g. ${framesToSeconds(81)} s (81 frames)`,
      );
    }
    if (!isFourNPlusOne(frameNum)) {
      throw invalidInput(
        `${request.durationSec} s is ${frameNum} frames at ${WAN_FPS} fps; Wan needs frame_num = 4n+1 (it crashes after loading otherwise)`,
        'durationSec',
        request.durationSec,
        `use ${framesToSeconds(frameNum - ((frameNum - 1) % 4))} s or ${framesToSeconds(frameNum - ((frameNum - 1) % 4) + 4)} s`,
      );
    }
    if (task === 'flf2v-14B' && frameNum !== FLF2V_FRAMES) {
      throw invalidInput(
        `flf2v-14B makes only ${FLF2V_FRAMES} frames (${framesToSeconds(FLF2V_FRAMES)} s); ${frameNum} frames were asked for`,
        'durationSec',
        request.durationSec,
        `use segmentDuration ${framesToSeconds(FLF2V_FRAMES)} (the engine negotiates 5 s to it)`,
      );
    }
    const allowed = taskFrames(this.config, task);
    if (!allowed.includes(frameNum)) {
      throw invalidInput(
        `${task} is configured for ${allowed.join(', ')} frames, not ${frameNum}`,
        'durationSec',
        request.durationSec,
        `use one of ${allowed.map(framesToSeconds).join(', ')} s, or change wan21.i2vFrames`,
      );
    }
    const badFrames = (this.config.i2vFrames ?? []).filter((f) => !isFourNPlusOne(f));
    if (task === 'i2v-14B' && badFrames.length) {
      throw invalidInput(
        `wan21.i2vFrames has ${badFrames.join(', ')}, which are not 4n+1`,
        'wan21.i2vFrames',
        badFrames,
        'list only 4n+1 frame counts (5, 9, …, 81, …)',
      );
    }
    return frameNum;
  }

  async validate(request: GenerateRequest): Promise<void> {
    await this.plan(request);
  }

  estimateCost(request: GenerateRequest): CostEstimate {
    const rate = this.config.usdPerGpuHour;
    if (!rate) return { usd: 0, basis: 'local GPUs (set wan21.usdPerGpuHour to account for them)' };
    // Upper bound: the job may run until its timeout.
    const hours = this.config.timeoutMinutes / 60;
    void request;
    return {
      usd: Number((hours * this.config.gpusPerJob * rate).toFixed(4)),
      basis: `≤ ${this.config.timeoutMinutes} min × ${this.config.gpusPerJob} GPU × $${rate}/GPU-hour`,
    };
  }

  /** generate.py's flags for a job (shared by the one-GPU and the torchrun command lines). */
  generateArgs(job: WanJob, request: GenerateRequest, saveFile: string, nproc: number): string[] {
    const cfg = this.config;
    const args = [
      job.generatePy,
      '--task',
      job.task,
      '--size',
      job.size,
      '--ckpt_dir',
      job.ckptDir,
      '--frame_num',
      String(job.frameNum),
      // One argv element: a prompt starting with "-" (e.g. "-h …") would otherwise be read by argparse as a flag.
      `--prompt=${request.prompt}`,
      ...(job.task === 'flf2v-14B' ? ['--first_frame', request.firstFrame!, '--last_frame', request.lastFrame!] : ['--image', request.firstFrame!]),
      '--base_seed',
      String(job.seed),
      '--save_file',
      saveFile,
    ];
    const steps = pick(cfg.sampleSteps, job.task);
    const shift = pick(cfg.sampleShift, job.task);
    const guide = pick(cfg.guideScale, job.task);
    if (steps !== undefined) args.push('--sample_steps', String(steps));
    if (shift !== undefined) args.push('--sample_shift', String(shift));
    if (guide !== undefined) args.push('--sample_guide_scale', String(guide));
    if (cfg.sampleSolver) args.push('--sample_solver', cfg.sampleSolver);
    if (cfg.offloadModel !== undefined) args.push('--offload_model', cfg.offloadModel ? 'True' : 'False');
    if (cfg.t5Cpu) args.push('--t5_cpu');
    if (nproc > 1) args.push('--dit_fsdp', '--t5_fsdp', '--ulysses_size', String(nproc));
    return args;
  }

  /** The full command: `python generate.py …`, or `torchrun --nproc_per_node=N --rdzv_endpoint=localhost:PORT generate.py …`. */
  command(job: WanJob, request: GenerateRequest, saveFile: string, nproc: number, port?: number): { file: string; args: string[] } {
    const args = this.generateArgs(job, request, saveFile, nproc);
    if (nproc === 1) return { file: this.python, args };
    return { file: this.torchrun, args: [`--nproc_per_node=${nproc}`, `--rdzv_endpoint=localhost:${port}`, ...args] };
  }

  async generate(request: GenerateRequest, ctx: GenerateContext): Promise<GenerateResult> {
    throwIfAborted(ctx.signal);
    const job = await this.plan(request, ctx.signal);
    const cfg = this.config;
    const gpus = this.leasedGpus(ctx);
    const nproc = gpus.length;
    await mkdir(dirname(request.outputPath), { recursive: true });
    const saveFile = join(dirname(request.outputPath), `.${basename(request.outputPath)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp.mp4`);
    const warnings = negotiationWarnings(job, request);
    const d = wanDefaults(job.task, job.size);
    ctx.log(
      `${job.task} ${job.frameNum} frames @${WAN_FPS} fps, --size ${job.size} → ${job.geometry.width}x${job.geometry.height}, seed ${job.seed}, ` +
        `GPUs ${gpus.join(',')}${nproc > 1 ? ` (torchrun, ulysses ${nproc})` : ''}; steps ${pick(cfg.sampleSteps, job.task) ?? `${d.steps} (Wan default)`}, ` +
        `shift ${pick(cfg.sampleShift, job.task) ?? `${d.shift} (Wan default)`}`,
    );
    const started = Date.now();
    try {
      const outcome = await this.runWan(job, request, saveFile, gpus, ctx);
      const probe = await this.savedClip(outcome, job, saveFile, nproc, ctx);
      await rename(saveFile, request.outputPath);
      ctx.onProgress({ fraction: 1 });
      const hours = (Date.now() - started) / 3_600_000;
      return clipResult(request.outputPath, probe, { costUsd: cfg.usdPerGpuHour ? Number((hours * nproc * cfg.usdPerGpuHour).toFixed(6)) : 0, warnings });
    } finally {
      await rm(saveFile, { force: true });
    }
  }

  /** The GPUs of the engine's lease (without one, the first gpusPerJob of the config); exactly gpusPerJob of them. */
  private leasedGpus(ctx: GenerateContext): number[] {
    const cfg = this.config;
    const gpus = ctx.lease?.gpus ?? cfg.gpus.slice(0, cfg.gpusPerJob);
    if (gpus.length !== cfg.gpusPerJob) {
      throw new TtvError('INTERNAL', `wan21 asked for ${cfg.gpusPerJob} GPU(s) but was leased ${gpus.length} (${gpus.join(', ')})`);
    }
    return gpus;
  }

  /** Runs generate.py (or torchrun) on the GPUs; a rendezvous port taken meanwhile is retried with another, up to 3 times. */
  private async runWan(job: WanJob, request: GenerateRequest, saveFile: string, gpus: number[], ctx: GenerateContext): Promise<ProcessOutcome> {
    const cfg = this.config;
    const nproc = gpus.length;
    for (let attempt = 1; ; attempt++) {
      const port = nproc > 1 ? await freePort() : undefined;
      let outcome: ProcessOutcome;
      try {
        const { file, args } = this.command(job, request, saveFile, nproc, port);
        ctx.onProgress({ fraction: 0, message: 'loading the model' });
        this.spawnCount++;
        outcome = await runProcess({
          file,
          args,
          cwd: job.wanDir,
          env: { ...cfg.env, CUDA_VISIBLE_DEVICES: gpus.join(','), PYTHONUNBUFFERED: '1' },
          signal: ctx.signal,
          timeoutMs: cfg.timeoutMinutes * 60_000,
          killGraceMs: cfg.killGraceSeconds * 1000,
          log: (line) => ctx.log(line),
          onProgress: ({ step, total }) => ctx.onProgress({ fraction: Math.min(0.98, step / total), message: `step ${step}/${total}` }),
          onSpawn: (pid) => ctx.log(`pid ${pid}: ${[file, ...args].join(' ')}`),
        });
      } finally {
        if (port !== undefined) reservedPorts.delete(port);
      }
      // Another program took the rendezvous port between our probe and torchrun's bind: try another.
      const portClash = nproc > 1 && outcome.exitCode !== 0 && outcome.stderrTail.some((l) => /EADDRINUSE|address already in use/.test(l));
      if (portClash && attempt < 3 && !ctx.signal.aborted) {
        ctx.log('torchrun rendezvous port was taken; retrying with another port');
        continue;
      }
      return outcome;
    }
  }

  /** The clip Wan saved, probed: the process succeeded, the file exists and has frame_num frames at 16 fps. */
  private async savedClip(outcome: ProcessOutcome, job: WanJob, saveFile: string, nproc: number, ctx: GenerateContext) {
    const failure = processError(outcome, this.config, job, nproc);
    if (failure) throw failure;
    // Exit 0 is not success: Wan logs "cache_video failed" and still exits 0 when saving fails.
    if (!existsSync(saveFile) || statSync(saveFile).size === 0) throw noVideoSaved(outcome, job, saveFile);
    let probe: Awaited<ReturnType<typeof probeVideo>>;
    try {
      probe = await probeVideo(saveFile, { signal: ctx.signal, countFrames: true });
    } catch (error) {
      throw unreadableVideo(job, saveFile, error, ctx.signal);
    }
    if (probe.frames !== job.frameNum || Math.abs(probe.fps - WAN_FPS) > 0.01) throw wrongFrameCount(job, probe);
    if (probe.width !== job.geometry.width || probe.height !== job.geometry.height) {
      ctx.log(`clip is ${probe.width}x${probe.height}; Wan's geometry predicts ${job.geometry.width}x${job.geometry.height}`);
    }
    return probe;
  }

  /** Prerequisite checks for `ttv doctor`: python, the Wan checkout, the checkpoints, the GPUs, the imports, torchrun. */
  async doctor(): Promise<DoctorCheck[]> {
    const run = (file: string, args: string[]) =>
      runProcess({
        file,
        args,
        timeoutMs: 60_000,
        killGraceMs: 2000,
        ...(this.config.wanDir && existsSync(this.path(this.config.wanDir)) ? { cwd: this.path(this.config.wanDir) } : {}),
        env: this.config.env,
      });
    return [
      await this.pythonCheck(run),
      this.checkoutCheck(),
      ...TASKS.map((task) => this.checkpointCheck(task)),
      await this.gpuCheck(run),
      ...(await this.importChecks(run)),
      ...(this.config.gpusPerJob > 1 ? [await this.torchrunCheck(run)] : []),
    ];
  }

  private async pythonCheck(run: DoctorRun): Promise<DoctorCheck> {
    const py = await run(this.python, ['--version']);
    const pyOk = !py.spawnError && py.exitCode === 0;
    return {
      name: 'python',
      ok: pyOk,
      detail: pyOk ? `${this.python}: ${outputText(py)}` : `${this.python}: ${py.spawnError?.message ?? outputText(py)}`,
      ...(pyOk ? {} : { fix: 'set wan21.python to the python of your Wan2.1 environment (e.g. ~/Wan2.1/.venv/bin/python)' }),
    };
  }

  private checkoutCheck(): DoctorCheck {
    const wanDir = this.config.wanDir ? this.path(this.config.wanDir) : undefined;
    const genOk = wanDir !== undefined && existsSync(join(wanDir, 'generate.py'));
    return {
      name: 'Wan2.1 checkout',
      ok: genOk,
      detail: wanDir ? (genOk ? join(wanDir, 'generate.py') : `no generate.py in ${wanDir}`) : 'wan21.wanDir is not set',
      ...(genOk ? {} : { fix: 'git clone https://github.com/Wan-Video/Wan2.1 and set wan21.wanDir to it' }),
    };
  }

  private checkpointCheck(task: WanTask): DoctorCheck {
    const cfg = this.config;
    const dir = cfg.checkpoints[task] ? this.path(cfg.checkpoints[task]!) : undefined;
    const missing = dir ? [...CHECKPOINT_FILES, 'config.json'].filter((f) => !existsSync(join(dir, f))) : [];
    const type = dir && existsSync(dir) ? readModelType(dir) : undefined;
    const wrongType = type !== undefined && type !== CHECKPOINT_MODEL_TYPE[task];
    const ok = dir !== undefined && existsSync(dir) && missing.length === 0 && !wrongType;
    return {
      name: `checkpoint ${task}`,
      ok,
      detail: !dir
        ? `wan21.checkpoints.${task} is not set${task === 'flf2v-14B' ? ' (needed for keyframe mode)' : ' (needed for chaining mode)'}`
        : !existsSync(dir)
          ? `${dir} not found`
          : wrongType
            ? `${dir} holds a "${type}" model`
            : missing.length
              ? `${dir} lacks ${missing.join(', ')}`
              : dir,
      ...(ok
        ? {}
        : {
            fix: `huggingface-cli download ${task === 'i2v-14B' ? 'Wan-AI/Wan2.1-I2V-14B-720P' : 'Wan-AI/Wan2.1-FLF2V-14B-720P'} --local-dir <dir>, then set wan21.checkpoints.${task}`,
          }),
    };
  }

  private async gpuCheck(run: DoctorRun): Promise<DoctorCheck> {
    const smi = await run(this.config.nvidiaSmi, ['-L']);
    const gpuLines = smi.stdoutTail.filter((l) => /^GPU \d+:/.test(l));
    const unseen = this.config.gpus.filter((g) => g >= gpuLines.length);
    const smiOk = !smi.spawnError && smi.exitCode === 0 && gpuLines.length > 0 && unseen.length === 0;
    return {
      name: 'GPUs',
      ok: smiOk,
      detail: smi.spawnError
        ? `${this.config.nvidiaSmi}: ${smi.spawnError.message}`
        : gpuLines.length
          ? `${gpuLines.length} GPU(s): ${gpuLines.join('; ')}${unseen.length ? `; wan21.gpus lists ${unseen.join(', ')}, which nvidia-smi does not show` : ''}`
          : outputText(smi) || `nvidia-smi exited ${smi.exitCode}`,
      ...(smiOk
        ? {}
        : {
            fix: smi.spawnError
              ? 'install the NVIDIA driver (nvidia-smi), or set wan21.nvidiaSmi'
              : 'check the driver (nvidia-smi) and that wan21.gpus lists existing GPU indices',
          }),
    };
  }

  private async importChecks(run: DoctorRun): Promise<DoctorCheck[]> {
    const checks: DoctorCheck[] = [];
    const imports = ['flash_attn', ...(this.config.gpusPerJob > 1 ? ['xfuser'] : [])];
    for (const mod of imports) {
      const r = await run(this.python, ['-c', `import ${mod}; print(getattr(${mod}, "__version__", "ok"))`]);
      const ok = !r.spawnError && r.exitCode === 0;
      checks.push({
        name: `${mod}`,
        ok,
        detail: ok ? `${mod} ${outputText(r)}` : (r.spawnError?.message ?? r.stderrTail.at(-1) ?? `exit ${r.exitCode}`),
        ...(ok
          ? {}
          : {
              fix:
                mod === 'flash_attn'
                  ? `${this.python} -m pip install flash-attn --no-build-isolation (Wan's DiT needs CUDA and flash-attn)`
                  : `${this.python} -m pip install "xfuser>=0.4.1" (needed for gpusPerJob > 1)`,
            }),
      });
    }
    return checks;
  }

  private async torchrunCheck(run: DoctorRun): Promise<DoctorCheck> {
    const tr = this.torchrun;
    const r = await run(tr, ['--help']);
    const ok = !r.spawnError && r.exitCode === 0;
    return {
      name: 'torchrun',
      ok,
      detail: ok ? tr : `${tr}: ${r.spawnError?.message ?? `exit ${r.exitCode}`}`,
      ...(ok ? {} : { fix: 'set wan21.torchrun to the torchrun of the Wan environment' }),
    };
  }
}

/** The prompt: not empty (Wan substitutes its example prompt for an empty one) and within what T5 reads. */
function checkPrompt(request: GenerateRequest): void {
  if (!request.prompt.trim())
    throw invalidInput('the prompt is empty (Wan would silently use its example prompt)', 'prompt', request.prompt, 'give every segment a prompt');
  if (request.prompt.length > MAX_PROMPT)
    throw invalidInput(
      `prompt is ${request.prompt.length} characters, over ${MAX_PROMPT}`,
      'prompt',
      `${request.prompt.slice(0, 40)}…`,
      'shorten the prompt (T5 reads 512 tokens)',
    );
}

/** The images a task takes, all present and readable (Wan substitutes its bundled examples for missing ones). Returns the first's probe. */
async function checkImages(task: WanTask, request: GenerateRequest, signal: AbortSignal | undefined) {
  if (task === 'i2v-14B' && request.lastFrame !== undefined) {
    throw invalidInput('i2v-14B cannot end on a given last frame', 'lastFrame', request.lastFrame, 'use flf2v-14B (keyframe mode) for first+last frame clips');
  }
  if (task === 'flf2v-14B' && (request.firstFrame === undefined || request.lastFrame === undefined)) {
    const missing = request.firstFrame === undefined ? 'firstFrame' : 'lastFrame';
    throw invalidInput(
      `flf2v-14B needs both a first and a last frame (Wan would substitute its example pictures); ${missing} is missing`,
      missing,
      undefined,
      'give the segment a start image and an end keyframe (keyframe mode)',
    );
  }
  const options = { backend: `wan21/${task}`, ...(signal ? { signal } : {}) };
  const first = await checkImage(request.firstFrame, 'firstFrame', options);
  if (request.lastFrame !== undefined) await checkImage(request.lastFrame, 'lastFrame', options);
  return first;
}

function readModelType(ckptDir: string): string | undefined {
  try {
    const cfg = JSON.parse(readFileSync(join(ckptDir, 'config.json'), 'utf8')) as { model_type?: unknown };
    return typeof cfg.model_type === 'string' ? cfg.model_type : undefined;
  } catch {
    return undefined;
  }
}

/** What the clip will differ in from the request: Wan's size follows the first image; it takes no negative prompt. */
function negotiationWarnings(job: WanJob, request: GenerateRequest): NonNullable<GenerateResult['warnings']> {
  const warnings: NonNullable<GenerateResult['warnings']> = [];
  if (job.geometry.width !== request.width || job.geometry.height !== request.height) {
    warnings.push({
      type: 'negotiated',
      field: 'resolution',
      message: `wan21/${job.task} follows the first image's aspect: the clip is ${job.geometry.width}x${job.geometry.height}, not ${request.width}x${request.height} (the join scales it)`,
    });
  }
  if (request.negativePrompt)
    warnings.push({ type: 'unsupported', field: 'negativePrompt', message: 'Wan2.1 generate.py takes no negative prompt; it was ignored' });
  return warnings;
}
