import { existsSync } from 'node:fs';
import { appendFile, copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import pLimit from 'p-limit';
import type { LoadedConfig } from '../config/load.js';
import { extractLastFrame, joinSegments, probeVideo } from '../media/index.js';
import type { PlannedSegment } from '../plan/planner.js';
import { planStoryboard } from '../plan/planner.js';
import type { BackendRegistry } from '../registry/registry.js';
import type { GenerateRequest, GenerateResult, InputMode, JobHandle, VideoBackend } from '../spec/backend.js';
import { TtvError, toTtvError } from '../spec/errors.js';
import { fsError, sha256, sha256File, writeFileAtomic } from '../util/fs.js';
import { redact } from '../util/secrets.js';
import { sleep as abortableSleep } from '../util/sleep.js';
import { type BackendSlot, orderForSegment, requestFor, resolveChain } from './chain.js';
import type { PipelineEvent } from './events.js';
import { GpuPool } from './leases.js';
import { type AttemptRecord, MANIFEST_VERSION, type Manifest, type ManifestInput, ManifestWriter, type SegmentRecord } from './manifest.js';
import { negotiate } from './negotiate.js';
import { adoptSegment, openRunFolder } from './run-folder.js';

export interface RunPipelineOptions {
  config: LoadedConfig;
  /** Used to expand `backend: auto` (explicit chains are already loaded by loadConfig). */
  registry: Pick<BackendRegistry, 'listInstalled' | 'load'>;
  /** Run folder; default `output.dir`, else `runs/<name>` beside the config file. */
  runDir?: string;
  signal?: AbortSignal;
  onEvent?: (event: PipelineEvent) => void;
  /** Injectable for tests (fake timers). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injectable jitter source, 0..1. */
  random?: () => number;
  env?: NodeJS.ProcessEnv;
  /**
   * Start the run over even when the run folder shows paid work that cannot be recovered (a damaged manifest
   * without backup or journal); the previous manifest and journal are kept aside. Everything is paid again.
   */
  restart?: boolean;
}

export interface RunResult {
  runDir: string;
  video: string;
  durationSec: number;
  frames: number;
  totalCostUsd: number;
  manifest: Manifest;
  /** Where the time went (wall clock, ms; backend and media time overlap when segments run concurrently). */
  timings: RunTimings;
}

export interface RunTimings {
  totalMs: number;
  /** Inside backends' `generate` calls, summed over calls. */
  backendMs: number;
  /** In ffmpeg/ffprobe work of the engine (probing new clips, last frames, the join), summed. */
  mediaMs: number;
}

export function defaultRunDir(config: LoadedConfig): string {
  return config.core.output.dir ?? join(config.configDir, 'runs', config.name);
}

const now = () => new Date().toISOString();
const pad = (i: number) => String(i).padStart(3, '0');

/**
 * Runs a whole film: plan → generate every segment (chaining: sequentially from the previous exact last frame;
 * keyframe: concurrently between keyframes) through the fallback chain with retries and the budget → join.
 * Every state change is written to manifest.json atomically; re-running resumes (finished segments whose files
 * still verify are reused with zero backend calls, submitted jobs are re-attached, never resubmitted).
 */
export async function runPipeline(options: RunPipelineOptions): Promise<RunResult> {
  const { config, registry } = options;
  const core = config.core;
  const signal = options.signal ?? new AbortController().signal;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const runDir = options.runDir ?? defaultRunDir(config);
  const emit = (event: PipelineEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // a listener's bug must not break the run
    }
  };
  const plan = planStoryboard(core);
  const startedAt = performance.now();
  const timings: RunTimings = { totalMs: 0, backendMs: 0, mediaMs: 0 };
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      timings.mediaMs += performance.now() - t0;
    }
  };

  // --- run folder (run-folder.ts): checks the folder, takes run.lock, cleans ttv's temps, recovers the previous manifest.
  const folder = await openRunFolder(runDir, {
    restart: options.restart === true,
    segments: plan.segments.length,
    onWarning: (message) => emit({ type: 'warning', message }),
  });
  // --- end run folder
  const logFile = join(runDir, 'run.log');
  let logChain = Promise.resolve();
  const log = (line: string, segment?: number) => {
    const clean = redact(line);
    emit({ type: 'log', line: clean, ...(segment === undefined ? {} : { segment }) });
    logChain = logChain.then(() => appendFile(logFile, `${now()} ${segment === undefined ? '' : `[seg ${segment}] `}${clean}\n`)).catch(() => {});
  };
  await folder.guard(
    writeFileAtomic(join(runDir, 'config.json'), `${JSON.stringify(config.redacted, null, 2)}\n`).catch((e: unknown) => {
      throw fsError(e, join(runDir, 'config.json'), 'the run config');
    }),
  );

  const previous = folder.previous;
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    name: config.name,
    mode: core.mode,
    status: 'running',
    createdAt: previous?.createdAt ?? now(),
    updatedAt: now(),
    configFile: config.file,
    output: { width: core.output.width, height: core.output.height, fps: core.output.fps },
    segments: plan.segments.map((s) => {
      const old = previous?.segments[s.index];
      if (old) {
        // Attempts a killed run left open never finished: say so (their job, if any, is still in `job`).
        for (const a of old.attempts) if (a.outcome === undefined) a.outcome = 'interrupted';
        return { ...old, prompt: s.prompt };
      }
      return {
        index: s.index,
        prompt: s.prompt,
        status: 'pending',
        requested: { durationSec: s.durationSec, width: core.output.width, height: core.output.height },
        warnings: [],
        skipped: [],
        attempts: [],
      } satisfies SegmentRecord;
    }),
    ledger: previous?.ledger ?? [],
    totalCostUsd: previous?.totalCostUsd ?? 0,
    warnings: previous?.warnings ?? [],
    ...(previous?.final ? { final: previous.final } : {}),
  };
  const writer = new ManifestWriter(runDir, manifest);
  await folder.guard(writer.save());
  emit({ type: 'run-start', runDir, mode: core.mode, segments: plan.segments.length, resumed: previous !== undefined });

  const slots = await folder.guard(resolveChain(config, registry));
  // A finished segment stays valid while the backend that made it is still in the chain with the same settings
  // (adding a fallback or reordering the chain does not re-pay finished segments).
  const producerKeys = new Map(slots.map((s) => [s.configured.name, producerKey(s)]));
  let reservedUsd = 0;
  let warned = manifest.warnings.some((w) => w.startsWith('budget.warnUsd'));

  const instanceOf = (slot: BackendSlot): Promise<VideoBackend> => {
    if (!slot.instance) {
      slot.instance = Promise.resolve(
        slot.configured.plugin.create(slot.configured.config, {
          configDir: config.configDir,
          env: options.env ?? process.env,
          log: (line) => log(`${slot.configured.name}: ${line}`),
        }),
      ).then((b) => {
        slot.limit = pLimit(Math.max(1, Math.min(...b.models.map((m) => m.concurrency))));
        if (b.resourcePool?.gpus.length) slot.gpus = new GpuPool(b.resourcePool.gpus);
        return b;
      });
    }
    return slot.instance;
  };

  const input = async (path: string, name: string): Promise<ManifestInput> => {
    if (!existsSync(path)) {
      throw new TtvError('INPUT_INVALID', `image not found: ${path}`, {
        field: name,
        value: path,
        fix: 'check the path (relative paths are resolved from the config file)',
      });
    }
    const dest = join(runDir, 'frames', `${name}${extname(path).toLowerCase() || '.png'}`);
    await copyFile(path, dest);
    return { path: dest, sha256: await sha256File(dest) };
  };

  /** Runs a backend call in a slot; `fatal` tells whether its error ends the segment (and so the run). */
  type Gate = <T>(call: () => Promise<T>, fatal: (error: unknown) => boolean) => Promise<T>;
  const direct: Gate = (call) => call();
  /**
   * Generates (or reuses) one segment; returns its record when done. `gate` bounds the backend calls in flight
   * (keyframe mode's global `concurrency`): only the budget check and the call hold a slot, so preparing the
   * next segment and checking the finished one (probe, hash, manifest) never keep a generation waiting.
   */
  const runSegment = async (
    planned: PlannedSegment,
    firstFrame: ManifestInput | undefined,
    lastFrame: ManifestInput | undefined,
    previousKey: string | undefined,
    gate: Gate = direct,
  ) => {
    const rec = manifest.segments[planned.index]!;
    const inputMode: InputMode = lastFrame ? 'first-last-frame' : firstFrame ? 'first-frame' : 'text';
    const inputKey = sha256(
      JSON.stringify({
        mode: core.mode,
        prompt: planned.prompt,
        negativePrompt: planned.negativePrompt,
        seed: planned.seed,
        durationSec: planned.durationSec,
        output: manifest.output,
        first: firstFrame?.sha256,
        last: lastFrame?.sha256,
        previousKey,
      }),
    );
    adoptSegment(rec, inputKey, producerKeys); // run-folder.ts: a segment adopted from segments/ takes this run's keys
    // Resume: a finished segment whose inputs are unchanged and whose file still verifies costs nothing.
    const reusable =
      rec.status === 'done' && rec.inputKey === inputKey && rec.producerKey !== undefined && rec.producerKey === producerKeys.get(rec.backend ?? '');
    if (reusable && rec.file && rec.sha256 && (await verifyFile(rec.file, rec.sha256))) {
      emit({
        type: 'done',
        segment: planned.index,
        backend: rec.backend!,
        model: rec.model!,
        costUsd: rec.costUsd ?? 0,
        durationSec: rec.durationSec ?? 0,
        file: rec.file,
        cached: true,
      });
      return rec;
    }
    if (rec.inputKey !== inputKey) {
      // Changed prompt, input or parameter: start this segment afresh (a persisted job for other inputs is dropped).
      Object.assign(rec, { status: 'pending', warnings: [], skipped: [] });
      delete rec.job;
      delete rec.error;
    }
    // Whatever was finished before is not reused from here on (changed inputs, or the file no longer verifies).
    delete rec.file;
    delete rec.sha256;
    delete rec.contentKey;
    delete rec.producerKey;
    delete rec.lastFrame;
    rec.inputKey = inputKey;
    rec.requested = { durationSec: planned.durationSec, width: core.output.width, height: core.output.height };
    rec.inputs = { ...(firstFrame ? { firstFrame } : {}), ...(lastFrame ? { lastFrame } : {}) };
    rec.startedAt = now();
    rec.skipped = [];
    delete rec.error;

    const failures: string[] = [];
    let lastError: TtvError | undefined;
    let prompt = planned.prompt;
    const needsOf = (p: string) => ({ input: inputMode, prompt: p, durationSec: planned.durationSec, width: core.output.width, height: core.output.height });
    let ordered = await orderForSegment(
      slots,
      needsOf(prompt),
      async (slot, deal) => (await instanceOf(slot)).estimateCost(requestFor(deal, needsOf(prompt))).usd,
    );
    // A job persisted by a crashed run is re-attached on its own backend first: never pay a second backend for it.
    const persisted = rec.job;
    if (persisted) {
      const owner = ordered.find((s) => s.configured.name === persisted.backend);
      if (owner) ordered = [owner, ...ordered.filter((s) => s !== owner)];
    }
    for (let b = 0; b < ordered.length; b++) {
      const slot = ordered[b]!;
      const name = slot.configured.name;
      const deal = negotiate(slot.configured, needsOf(prompt));
      if (!deal.ok) {
        rec.skipped.push({ backend: name, reason: deal.reason });
        emit({ type: 'skipped', segment: planned.index, backend: name, reason: deal.reason });
        failures.push(`${name}: skipped: ${deal.reason}`);
        continue;
      }
      const backend = await instanceOf(slot);
      const request: GenerateRequest = {
        model: deal.model.id,
        prompt,
        durationSec: deal.durationSec,
        width: deal.width,
        height: deal.height,
        outputPath: join(runDir, 'segments', `seg-${pad(planned.index)}.mp4`),
        segmentIndex: planned.index,
        ...(firstFrame ? { firstFrame: firstFrame.path } : {}),
        ...(lastFrame ? { lastFrame: lastFrame.path } : {}),
        ...(planned.seed !== undefined ? { seed: planned.seed } : {}),
        ...(planned.negativePrompt ? { negativePrompt: planned.negativePrompt } : {}),
      };
      rec.warnings = [...deal.warnings];
      for (const w of deal.warnings) emit({ type: 'warning', segment: planned.index, message: w.message });
      // INPUT_INVALID from validate stops the segment: the request itself is wrong, another backend won't help.
      await backend.validate(request);
      let attempt = 0;
      let moveOn = false;
      while (!moveOn) {
        attempt++;
        const contentKey = sha256(JSON.stringify({ inputKey, backend: name, model: request.model, request: { ...request, outputPath: undefined } }));
        const resumeJob: JobHandle | undefined = rec.job && rec.job.contentKey === contentKey ? rec.job.handle : undefined;
        if (rec.job && !resumeJob) delete rec.job;
        const estimate = backend.estimateCost(request).usd;
        // Same key when a crashed run repeats this attempt; a new one after each finished (failed) attempt.
        const finishedBefore = rec.attempts.filter((a) => a.contentKey === contentKey && a.outcome !== undefined && a.outcome !== 'interrupted').length;
        const idempotencyKey = sha256(`${contentKey}:${finishedBefore}`);
        const workDir = join(runDir, 'work', `seg-${pad(planned.index)}`);
        let record: AttemptRecord | undefined;
        let reserved = false;
        let lease: { gpus: number[]; release: () => void } | undefined;
        try {
          const fatal = (e: unknown) => {
            const code = signal.aborted ? 'CANCELLED' : toTtvError(e).code;
            if (code === 'CANCELLED' || code === 'INPUT_INVALID' || code === 'BUDGET_EXCEEDED') return true;
            return code === 'MODERATION' && (core.onModeration === 'fail' || (core.onModeration === 'reword' && !backend.rewordPrompt));
          };
          const result: GenerateResult = await gate(async () => {
            // A re-attached job was paid for when it was submitted: only new submissions are checked. Checked
            // when the call is about to start, against what is spent and what is in flight.
            if (!resumeJob && core.budget.maxUsd !== undefined && manifest.totalCostUsd + reservedUsd + estimate > core.budget.maxUsd + 1e-9) {
              throw new TtvError(
                'BUDGET_EXCEEDED',
                `segment ${planned.index} on ${name}/${request.model} would cost about $${estimate.toFixed(2)}; spent $${manifest.totalCostUsd.toFixed(2)}${reservedUsd ? ` (+$${reservedUsd.toFixed(2)} in flight)` : ''} of budget.maxUsd $${core.budget.maxUsd.toFixed(2)}`,
                {
                  field: 'budget.maxUsd',
                  value: core.budget.maxUsd,
                  fix: 'raise budget.maxUsd, choose a cheaper backend or model, or shorten the film; finished segments are kept and reused on the next run',
                },
              );
            }
            const started: AttemptRecord = {
              backend: name,
              model: request.model,
              attempt,
              startedAt: now(),
              estimatedUsd: estimate,
              contentKey,
              ...(resumeJob ? { jobId: resumeJob.id, resumed: true } : {}),
            };
            record = started;
            rec.attempts.push(started);
            rec.backend = name;
            rec.model = request.model;
            rec.status = resumeJob ? 'submitted' : 'running';
            reservedUsd += estimate;
            reserved = true;
            await writer.save();
            emit({ type: 'started', segment: planned.index, backend: name, model: request.model, attempt, ...(resumeJob ? { resumedJob: resumeJob.id } : {}) });
            await mkdir(workDir, { recursive: true });
            return slot.limit!(async () => {
              // Lease inside the backend's slot: a job waiting for its turn holds no GPU.
              const needs = backend.resources?.(request);
              if (needs && slot.gpus) lease = await slot.gpus.acquire(needs.gpus, signal);
              const t0 = performance.now();
              try {
                return await backend.generate(request, {
                  signal,
                  workDir,
                  idempotencyKey,
                  log: (line) => log(`${name}: ${line}`, planned.index),
                  onProgress: (p) => emit({ type: 'progress', segment: planned.index, ...p }),
                  onJob: async (job) => {
                    rec.job = { backend: name, model: request.model, contentKey, handle: job };
                    started.jobId = job.id;
                    rec.status = 'submitted';
                    await writer.save();
                    // emitted once the handle is on disk: from here a crash re-attaches instead of resubmitting
                    emit({ type: 'job', segment: planned.index, backend: name, jobId: job.id });
                  },
                  ...(resumeJob ? { resumeJob } : {}),
                  ...(lease ? { lease: { gpus: lease.gpus } } : {}),
                });
              } finally {
                timings.backendMs += performance.now() - t0;
              }
            });
          }, fatal);
          if (!record) throw new TtvError('INTERNAL', 'attempt finished without a record');
          reservedUsd -= estimate;
          reserved = false;
          lease?.release();
          // The spec has backends return the clip's properties from a probe of the file; the engine re-probes only
          // when they are missing or implausible (the join probes every input again before concatenating).
          const probe = (await plausible(result)) ? result : await timed(() => probeVideo(result.file));
          record.finishedAt = now();
          record.outcome = 'ok';
          // A re-attached job whose charge an earlier attempt already booked is not booked twice.
          const booked = resumeJob ? (rec.job?.chargedUsd ?? 0) : 0;
          record.actualUsd = Math.max(0, result.costUsd - booked);
          addCost(planned.index, name, request.model, attempt, estimate, record.actualUsd, 'ok');
          Object.assign(rec, {
            status: 'done',
            contentKey,
            producerKey: producerKeys.get(name),
            file: result.file,
            sha256: await sha256File(result.file),
            durationSec: probe.durationSec,
            frames: probe.frames,
            width: probe.width,
            height: probe.height,
            fps: probe.fps,
            costUsd: (rec.costUsd ?? 0) + result.costUsd,
            warnings: [...deal.warnings, ...result.warnings],
            finishedAt: now(),
          });
          delete rec.job;
          await writer.save();
          emit({
            type: 'done',
            segment: planned.index,
            backend: name,
            model: request.model,
            costUsd: result.costUsd,
            durationSec: probe.durationSec,
            file: result.file,
            cached: false,
          });
          return rec;
        } catch (raw) {
          if (reserved) reservedUsd -= estimate;
          lease?.release();
          const thrown = toTtvError(raw, 'GENERATION_FAILED');
          const error =
            signal.aborted && thrown.code !== 'CANCELLED'
              ? new TtvError('CANCELLED', 'cancelled', { cause: raw, ...(thrown.jobReusable ? { jobReusable: true, chargedUsd: thrown.chargedUsd ?? 0 } : {}) })
              : thrown;
          // Nothing was called (budget refused, cancelled or stopped while waiting for a slot): nothing to record.
          if (!record) throw error;
          record.finishedAt = now();
          record.outcome = error.code === 'CANCELLED' ? 'cancelled' : 'error';
          record.errorCode = error.code;
          record.error = redact(error.message);
          record.actualUsd = error.chargedUsd ?? 0;
          addCost(planned.index, name, request.model, attempt, estimate, error.chargedUsd ?? 0, record.outcome);
          // A job that ended (failed, cancelled through the API) must not be resumed; a crash keeps it, and so does
          // an error that says the job itself is fine (e.g. its download failed): the next attempt re-attaches.
          if (error.jobReusable && rec.job?.contentKey === contentKey) rec.job.chargedUsd = (rec.job.chargedUsd ?? 0) + (error.chargedUsd ?? 0);
          else delete rec.job;
          await writer.save();
          if (error.code === 'CANCELLED' || error.code === 'INPUT_INVALID' || error.code === 'BUDGET_EXCEEDED') throw error;
          lastError = error;
          failures.push(`${name} attempt ${attempt}: [${error.code}] ${redact(error.message)}`);
          if (error.code === 'MODERATION') {
            if (core.onModeration === 'fail') throw error;
            if (core.onModeration === 'reword') {
              if (!backend.rewordPrompt) {
                throw new TtvError('MODERATION', `${redact(error.message)} — onModeration is "reword" but ${name} provides no prompt-rewriting hook`, {
                  field: 'onModeration',
                  value: 'reword',
                  fix: 'edit the prompt yourself, use onModeration: next with a fallback backend, or install a backend with a rewordPrompt hook',
                  cause: error,
                });
              }
              if (attempt < core.retries.maxAttempts) {
                prompt = await backend.rewordPrompt(prompt, error);
                request.prompt = prompt;
                log(`moderation: prompt reworded for ${name}`, planned.index);
                emit({ type: 'retry', segment: planned.index, backend: name, attempt, delayMs: 0, error });
                continue;
              }
            }
            moveOn = true;
          } else if (error.retryable && attempt < core.retries.maxAttempts) {
            const delayMs = retryDelay(core.retries, attempt, error, random);
            emit({ type: 'retry', segment: planned.index, backend: name, attempt, delayMs, error });
            log(`retry ${attempt + 1}/${core.retries.maxAttempts} on ${name} in ${delayMs} ms after ${error.code}`, planned.index);
            await sleep(delayMs, signal);
          } else {
            moveOn = true;
          }
        } finally {
          await rm(workDir, { recursive: true, force: true }).catch(() => {});
        }
      }
      emit({ type: 'fallback', segment: planned.index, from: name, ...(ordered[b + 1] ? { to: ordered[b + 1]!.configured.name } : {}), error: lastError! });
    }
    if (!lastError && inputMode === 'text') {
      // Every backend was skipped because none takes a prompt alone: the storyboard lacks its first image.
      throw new TtvError(
        'INPUT_INVALID',
        `segment ${planned.index} has no first frame, and no backend in the chain generates from text alone:\n    - ${failures.join('\n    - ')}`,
        {
          field: 'storyboard.image',
          fix: 'set storyboard.image to an initial image (PNG or JPEG) for the film to start from, or add a backend that takes text-only input',
          details: { attempts: failures },
        },
      );
    }
    const error = new TtvError(
      lastError?.code === 'MODERATION' ? 'MODERATION' : 'GENERATION_FAILED',
      `segment ${planned.index} failed on every backend:\n    - ${failures.join('\n    - ') || 'no backend could take it'}`,
      {
        fix:
          lastError?.fix ??
          (lastError
            ? 'see each attempt above; fix its cause or add a fallback backend'
            : 'configure a backend whose models take this input (see the skip reasons above)'),
        details: { attempts: failures },
        ...(lastError ? { cause: lastError } : {}),
      },
    );
    throw error;
  };

  function addCost(
    segment: number,
    backend: string,
    model: string,
    attempt: number,
    estimatedUsd: number,
    actualUsd: number,
    outcome: 'ok' | 'error' | 'cancelled',
  ) {
    manifest.ledger.push({ segment, backend, model, attempt, estimatedUsd, actualUsd, outcome, at: now() });
    manifest.totalCostUsd = Number((manifest.totalCostUsd + actualUsd).toFixed(6));
    if (actualUsd > 0) emit({ type: 'cost', segment, backend, usd: actualUsd, totalUsd: manifest.totalCostUsd });
    if (!warned && core.budget.warnUsd !== undefined && manifest.totalCostUsd >= core.budget.warnUsd) {
      warned = true;
      const message = `budget.warnUsd: the run has cost $${manifest.totalCostUsd.toFixed(2)} (warning threshold $${core.budget.warnUsd.toFixed(2)})`;
      manifest.warnings.push(message);
      emit({ type: 'warning', segment, message });
    }
  }

  const fail = async (error: TtvError, segment?: number) => {
    if (segment !== undefined) {
      const rec = manifest.segments[segment]!;
      rec.status = error.code === 'CANCELLED' ? 'cancelled' : 'failed';
      rec.error = { code: error.code, message: redact(error.message) };
      rec.finishedAt = now();
      emit({ type: 'failed', segment, error });
    }
  };

  try {
    const firstImage = plan.image ? await input(plan.image, 'input-000-first') : undefined;
    if (plan.mode === 'chaining') {
      let first = firstImage;
      let previousKey: string | undefined;
      for (const planned of plan.segments) {
        emit({ type: 'queued', segment: planned.index });
      }
      for (const planned of plan.segments) {
        let rec: SegmentRecord;
        try {
          rec = await runSegment(planned, first, undefined, previousKey);
        } catch (e) {
          const error = toTtvError(e);
          await fail(error, planned.index);
          throw error;
        }
        previousKey = rec.contentKey;
        if (planned.index < plan.segments.length - 1) first = await lastFrameOf(rec, runDir, signal, timed);
        await writer.save();
      }
    } else {
      const keyframes = await Promise.all(plan.segments.map((s) => input(s.keyframe!, `keyframe-${pad(s.index)}`)));
      const limit = pLimit(core.concurrency);
      let firstError: TtvError | undefined;
      let stopping = false;
      // Only backend calls hold one of the `concurrency` slots. A call whose error ends its segment stops the
      // queue before its slot is handed on, so no further call starts once the run is bound to fail.
      const gate: Gate = (call, fatal) =>
        limit(async () => {
          if (stopping || firstError) throw new TtvError('CANCELLED', 'not started: another segment failed');
          try {
            return await call();
          } catch (e) {
            if (fatal(e)) stopping = true;
            throw e;
          }
        });
      const results = await Promise.allSettled(
        plan.segments.map(async (planned) => {
          emit({ type: 'queued', segment: planned.index });
          try {
            return await runSegment(planned, planned.index === 0 ? firstImage : keyframes[planned.index - 1], keyframes[planned.index], undefined, gate);
          } catch (e) {
            const error = toTtvError(e);
            await fail(error, planned.index);
            if (!firstError && error.code !== 'CANCELLED') firstError = error;
            throw error;
          }
        }),
      );
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
      if (rejected) throw firstError ?? toTtvError(rejected.reason);
    }

    const video = join(runDir, 'final.mp4');
    const joinKey = sha256(JSON.stringify({ segments: manifest.segments.map((s) => s.sha256), output: manifest.output, join: core.join }));
    if (manifest.final?.key === joinKey && manifest.final.file === video && (await verifyFile(video, manifest.final.sha256))) {
      emit({ type: 'join-done', file: video, durationSec: manifest.final.durationSec, method: 'cached' });
    } else {
      delete manifest.final;
      emit({ type: 'join-start', segments: plan.segments.length });
      const joined = await timed(() =>
        joinSegments(
          manifest.segments.map((s, i) => ({ path: s.file!, dropFirstFrame: core.join.dropSeamFrames && i > 0 })),
          video,
          manifest.output,
          { signal, cacheDir: join(runDir, 'segments', 'normalised'), crf: core.join.crf, preset: core.join.preset },
        ),
      );
      manifest.final = {
        file: video,
        sha256: await sha256File(video),
        durationSec: joined.probe.durationSec,
        frames: joined.probe.frames,
        width: joined.probe.width,
        height: joined.probe.height,
        fps: joined.probe.fps,
        method: joined.method,
        key: joinKey,
      };
      emit({ type: 'join-done', file: video, durationSec: joined.probe.durationSec, method: joined.method });
    }
    manifest.status = 'done';
    delete manifest.error;
    await writer.save();
    emit({ type: 'run-done', status: 'done', totalCostUsd: manifest.totalCostUsd });
    await logChain;
    timings.totalMs = performance.now() - startedAt;
    return { runDir, video, durationSec: manifest.final.durationSec, frames: manifest.final.frames, totalCostUsd: manifest.totalCostUsd, manifest, timings };
  } catch (e) {
    const error = signal.aborted ? new TtvError('CANCELLED', 'the run was cancelled; run the same command again to resume', { cause: e }) : toTtvError(e);
    manifest.status = error.code === 'CANCELLED' ? 'cancelled' : 'failed';
    manifest.error = { code: error.code, message: redact(error.message) };
    await writer.save();
    emit({ type: 'run-done', status: manifest.status, totalCostUsd: manifest.totalCostUsd });
    await logChain;
    throw error;
  } finally {
    try {
      await Promise.all(
        slots.map(async (s) => {
          if (s.instance) await (await s.instance.catch(() => undefined))?.dispose?.();
        }),
      );
      await rm(join(runDir, 'work'), { recursive: true, force: true }).catch(() => {});
    } finally {
      await folder.release(); // run folder lock (run-folder.ts): last, once nothing of this run touches the folder
    }
  }
}

/** Whether a backend's result carries usable clip properties for an existing, non-empty file. */
async function plausible(r: GenerateResult): Promise<boolean> {
  const positive = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n > 0;
  if (
    !positive(r.durationSec) ||
    !positive(r.fps) ||
    !Number.isInteger(r.frames) ||
    r.frames < 1 ||
    !Number.isInteger(r.width) ||
    !Number.isInteger(r.height) ||
    r.width < 2 ||
    r.height < 2
  )
    return false;
  return stat(r.file).then(
    (s) => s.isFile() && s.size > 0,
    () => false,
  );
}

/**
 * A finished file is reused only when it is byte-identical to the one that was probed and recorded when it
 * finished (sha256): a truncated, half-written or replaced file never matches. No ffprobe needed.
 */
async function verifyFile(file: string, expected: string): Promise<boolean> {
  if (!existsSync(file)) return false;
  try {
    return (await sha256File(file)) === expected;
  } catch {
    return false;
  }
}

async function lastFrameOf(rec: SegmentRecord, runDir: string, signal: AbortSignal, timed: <T>(work: () => Promise<T>) => Promise<T>): Promise<ManifestInput> {
  if (rec.lastFrame && existsSync(rec.lastFrame.path) && (await sha256File(rec.lastFrame.path)) === rec.lastFrame.sha256) return rec.lastFrame;
  const path = join(runDir, 'frames', `seg-${pad(rec.index)}-last.png`);
  await timed(() => extractLastFrame(rec.file!, path, { signal }));
  rec.lastFrame = { path, sha256: await sha256File(path) };
  return rec.lastFrame;
}

/**
 * Delay before retry `attempt + 1`: the service's Retry-After when it sent one (honoured as is, never shortened),
 * else exponential backoff `baseDelayMs · 2^(attempt-1)` capped at `maxDelayMs`, with "equal jitter" (a uniform
 * draw in the upper half of that window, so concurrent retries spread out but never retry immediately).
 */
export function retryDelay(
  policy: { baseDelayMs: number; maxDelayMs: number },
  attempt: number,
  error: Pick<TtvError, 'retryAfterMs'>,
  random: () => number,
): number {
  if (error.retryAfterMs !== undefined && error.retryAfterMs >= 0) return Math.round(error.retryAfterMs);
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(backoff / 2 + (backoff / 2) * Math.min(1, Math.max(0, random())));
}

/** Hash of a backend's name and config section, secret fields left out. */
function producerKey(slot: BackendSlot): string {
  const config = JSON.parse(JSON.stringify(slot.configured.config ?? {})) as Record<string, unknown>;
  for (const field of slot.configured.plugin.secretFields ?? []) {
    const path = field.split('.');
    let o: unknown = config;
    for (const k of path.slice(0, -1)) o = o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined;
    if (o && typeof o === 'object') delete (o as Record<string, unknown>)[path.at(-1)!];
  }
  return sha256(JSON.stringify([slot.configured.name, config]));
}
