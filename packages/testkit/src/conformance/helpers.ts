// Shared by the checks: settling promises with a limit, recording a call, checking a finished clip.
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { type GenerateRequest, type GenerateResult, type JobHandle, type ModelCapabilities, type ProgressUpdate, TtvError, type VideoBackend } from '@ttv/core';
import { type CallOptions, callBackend } from '@ttv/core/backend';
import { probeVideo } from '@ttv/core/media';
import { fail } from './context.js';
import type { ConformanceContext } from './types.js';

/** validate must settle within this many ms: it checks locally, it never waits on a service. */
export const VALIDATE_LIMIT_MS = 2000;
/** generate must reject within this many ms of an abort. */
export const ABORT_LIMIT_MS = 3000;
/** Minimum PSNR between a first-last-frame clip's last frame and the last image (expectExactEndFrame). */
export const END_FRAME_MIN_PSNR = 30;

export const describeError = (e: unknown): string =>
  TtvError.is(e) ? `TtvError ${e.code} "${e.message}"` : e instanceof Error ? `${e.name} "${e.message}"` : `non-error value ${JSON.stringify(e)}`;

export type Settled<T> = { ok: true; value: T; ms: number } | { ok: false; error: unknown; ms: number } | { timedOut: true; ms: number };

/** Awaits `promise` for at most `limitMs`; never rejects. */
export async function settle<T>(promise: Promise<T>, limitMs: number): Promise<Settled<T>> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), limitMs);
  });
  try {
    const outcome = await Promise.race([
      promise.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      timeout,
    ]);
    const ms = Math.round(performance.now() - t0);
    if (outcome === 'timeout') return { timedOut: true, ms };
    return 'error' in outcome ? { ok: false, error: outcome.error, ms } : { ok: true, value: outcome.value, ms };
  } finally {
    clearTimeout(timer);
  }
}

export function sizeLabel(r: { width: number; height: number }): string {
  return `${r.width}x${r.height}`;
}

export function modelsLacking(ctx: ConformanceContext, mode: 'text' | 'first-last-frame'): ModelCapabilities | undefined {
  if (!ctx.model.inputs.includes(mode)) return ctx.model;
  return ctx.info.models.find((m) => !m.inputs.includes(mode));
}

export function supportsImage(model: ModelCapabilities): boolean {
  return model.inputs.includes('first-frame') || model.inputs.includes('first-last-frame');
}

/** Files in the output directory other than the output itself. */
export async function strayFiles(outputPath: string): Promise<string[]> {
  const dir = dirname(outputPath);
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).filter((f) => f !== basename(outputPath));
}

export interface Recorder {
  context: CallOptions;
  controller: AbortController;
  progress: ProgressUpdate[];
  jobs: Array<{ job: JobHandle; at: number; persistedAt?: number }>;
  logs: string[];
}

/** A GenerateContext that records progress, jobs and log lines. `onJob` takes `jobDelayMs` to "persist". */
export async function recorder(
  ctx: ConformanceContext,
  opts: {
    resumeJob?: JobHandle;
    jobDelayMs?: number;
    onProgress?: (u: ProgressUpdate) => void;
    /** Awaited inside the recorded onJob, before the job counts as persisted. */
    onJob?: (j: JobHandle) => void | Promise<void>;
    /** Extra call options (e.g. a `sleep` the check controls). */
    call?: Partial<Pick<CallOptions, 'sleep'>>;
  } = {},
): Promise<Recorder> {
  const controller = new AbortController();
  const workDir = join(ctx.dir, `work-${Math.random().toString(36).slice(2, 10)}`);
  await mkdir(workDir, { recursive: true });
  const rec: Recorder = {
    controller,
    progress: [],
    jobs: [],
    logs: [],
    context: {
      signal: controller.signal,
      workDir,
      log: (line) => rec.logs.push(line),
      onProgress: (update) => {
        rec.progress.push(update);
        opts.onProgress?.(update);
      },
      onJob: async (job) => {
        const entry: Recorder['jobs'][number] = { job, at: performance.now() };
        rec.jobs.push(entry);
        await opts.onJob?.(job);
        if (opts.jobDelayMs) await new Promise((r) => setTimeout(r, opts.jobDelayMs));
        entry.persistedAt = performance.now();
      },
      ...(opts.resumeJob ? { resumeJob: opts.resumeJob } : {}),
      ...opts.call,
    },
  };
  return rec;
}

/** Checks a finished clip against the request, the declared capabilities and the returned result. */
export async function assertClip(model: ModelCapabilities, request: GenerateRequest, result: GenerateResult, rec: Recorder): Promise<void> {
  const out = request.outputPath;
  if (!result || typeof result !== 'object') fail(`generate resolved with ${JSON.stringify(result)}: return a GenerateResult describing the clip`);
  if (!existsSync(out)) fail(`generate resolved but no file exists at request.outputPath (${out}): write the MP4 exactly there`);
  let probe: Awaited<ReturnType<typeof probeVideo>>;
  try {
    probe = await probeVideo(out);
  } catch (error) {
    fail(`the file at outputPath is not a readable video (${describeError(error)}): write an MP4 (H.264) there, atomically`);
  }
  const fps = model.fps;
  if (Math.abs(probe.fps - fps) > fps * 0.01) {
    fail(
      `the clip runs at ${probe.fps} fps but model ${model.id} declares ${fps} fps: encode at the declared fps, or declare the fps the model really produces`,
    );
  }
  if (probe.width !== request.width || probe.height !== request.height) {
    fail(
      `the clip is ${sizeLabel(probe)} but the request asked for ${sizeLabel(request)}: produce exactly request.width x request.height ` +
        '(scale/crop the model output, or declare only the sizes the model really produces)',
    );
  }
  const frame = 1 / fps;
  const expectedFrames = Math.round(request.durationSec * fps);
  if (Math.abs(probe.frames - expectedFrames) > 1 || Math.abs(probe.durationSec - request.durationSec) > frame + 0.01) {
    fail(
      `the clip lasts ${probe.durationSec} s (${probe.frames} frames) but the request asked for ${request.durationSec} s ` +
        `(${expectedFrames} frames at ${fps} fps, ±1 frame): produce round(durationSec × fps) frames`,
    );
  }
  if (typeof result.file !== 'string' || resolve(result.file) !== resolve(out)) {
    fail(`result.file is ${JSON.stringify(result.file)} but the clip must be at request.outputPath (${out}): return file: request.outputPath`);
  }
  const mismatches: string[] = [];
  if (result.width !== probe.width) mismatches.push(`width ${result.width} ≠ ${probe.width}`);
  if (result.height !== probe.height) mismatches.push(`height ${result.height} ≠ ${probe.height}`);
  if (result.frames !== probe.frames) mismatches.push(`frames ${result.frames} ≠ ${probe.frames}`);
  if (!(Math.abs(result.fps - probe.fps) <= probe.fps * 0.01)) mismatches.push(`fps ${result.fps} ≠ ${probe.fps}`);
  if (!(Math.abs(result.durationSec - probe.durationSec) <= frame)) mismatches.push(`durationSec ${result.durationSec} ≠ ${probe.durationSec}`);
  if (mismatches.length) {
    fail(`the result does not describe the file (${mismatches.join(', ')}): fill the result from probeVideo(outputPath), not from the request`);
  }
  if (typeof result.costUsd !== 'number' || !Number.isFinite(result.costUsd) || result.costUsd < 0) {
    fail(`result.costUsd is ${String(result.costUsd)}: report what the call cost in USD as a finite number ≥ 0 (0 for free backends)`);
  }
  if (!Array.isArray(result.warnings)) fail('result.warnings is not an array: return warnings: [] when there are none');
  if (rec.progress.length === 0) fail('generate never called ctx.onProgress: report progress at least once (e.g. { fraction: 1 } when done)');
  const stray = await strayFiles(out);
  if (stray.length) {
    fail(
      `generate left ${stray.join(', ')} beside the output: write to a temp file in the same directory and rename it ` +
        '(produceAtomic from @ttv/core does both and cleans up on failure); put scratch files in ctx.workDir',
    );
  }
}

/** Runs one generation and checks the clip. */
export async function generateAndCheck(ctx: ConformanceContext, backend: VideoBackend, request: GenerateRequest, model = ctx.model): Promise<Recorder> {
  const rec = await recorder(ctx);
  let result: GenerateResult;
  try {
    result = await callBackend(backend, request, rec.context);
  } catch (error) {
    fail(`generate rejected a valid request (${sizeLabel(request)}, ${request.durationSec} s, model ${request.model}) with ${describeError(error)}`);
  }
  await assertClip(model, request, result, rec);
  return rec;
}

export function mask(secret: string): string {
  return secret.length <= 6 ? '***' : `${secret.slice(0, 3)}…(${secret.length} chars)`;
}

/** Where in `error` (message, fix, JSON, format()) one of `secrets` appears, if anywhere. */
export function findSecret(error: unknown, secrets: readonly string[]): { secret: string; where: string } | undefined {
  const e = (error ?? {}) as Partial<TtvError> & { toJSON?: () => unknown; format?: () => string };
  let json = '';
  try {
    json = JSON.stringify(typeof e.toJSON === 'function' ? e.toJSON() : e) ?? '';
  } catch {
    json = '';
  }
  const parts: Array<[string, string]> = [
    ['message', String(e.message ?? '')],
    ['fix', String(e.fix ?? '')],
    ['JSON', json],
    ['format()', typeof e.format === 'function' ? String(e.format()) : ''],
  ];
  for (const secret of secrets) {
    if (!secret) continue;
    for (const [where, text] of parts) if (text.includes(secret)) return { secret, where };
  }
  return undefined;
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `condition` every 5 ms until it holds (true) or `limitMs` passes (false). */
export async function until(condition: () => boolean | Promise<boolean>, limitMs: number): Promise<boolean> {
  const end = performance.now() + limitMs;
  for (;;) {
    if (await condition()) return true;
    if (performance.now() > end) return false;
    await delay(5);
  }
}
