import { existsSync } from 'node:fs';
import { appendFile, copyFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import pLimit from 'p-limit';
import type { LoadedConfig } from '../config/load.js';
import type { Plan } from '../plan/planner.js';
import type { ModelCapabilities, VideoBackend } from '../spec/backend.js';
import { TtvError } from '../spec/errors.js';
import type { Planner } from '../spec/planner.js';
import { sha256File } from '../util/fs.js';
import { redact } from '../util/secrets.js';
import type { Budget } from './budget.js';
import type { BackendSlot } from './chain.js';
import type { PipelineEvent } from './events.js';
import type { Executor } from './executor.js';
import { GpuPool } from './leases.js';
import type { Manifest, ManifestInput, ManifestWriter } from './manifest.js';
import type { OpenedRunFolder } from './run-folder.js';

export interface RunTimings {
  totalMs: number;
  /** Inside backends' `generate` calls, summed over calls. */
  backendMs: number;
  /** In ffmpeg/ffprobe work of the engine (probing new clips, last frames, the join), summed. */
  mediaMs: number;
}

/** How the run reports: typed events, the redacted run.log, media timing. */
export interface RunReporter {
  emit(event: PipelineEvent): void;
  /** A redacted line to run.log and a `log` event. */
  log(line: string, segment?: number): void;
  /** Resolves once every line logged so far is in run.log. */
  flushLog(): Promise<void>;
  /** Runs ffmpeg/ffprobe work, adding its wall time to `timings.mediaMs`. */
  timed<T>(work: () => Promise<T>): Promise<T>;
  readonly timings: RunTimings;
  /** `performance.now()` when the run started. */
  readonly startedAt: number;
}

/**
 * Everything one run works on, made by the set-up step and passed to every other step. Mutable parts: the
 * manifest (saved through `writer`), the budget, the slots' lazily created backend instances, the timings.
 */
export interface RunState extends RunReporter {
  config: LoadedConfig;
  core: LoadedConfig['core'];
  runDir: string;
  /** The locked run folder (released last, when the run closes). */
  folder: OpenedRunFolder;
  signal: AbortSignal;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  env: NodeJS.ProcessEnv;
  plan: Plan;
  manifest: Manifest;
  writer: ManifestWriter;
  /** The fallback chain as configured (`auto` expanded). */
  slots: BackendSlot[];
  /** Per backend name: the hash of its settings that finished segments record (see `producerKey`). */
  producerKeys: Map<string, string>;
  budget: Budget;
  executor: Executor;
  /** The storyboard's images, copied into the run folder by the schedule step. */
  inputs: { firstImage?: ManifestInput; keyframes: ManifestInput[] };
  /** The planner (`planner:`), created on first use (rewording a refused prompt). */
  planner(): Promise<Planner>;
  /** Stop after this step (`RunPipelineOptions.until`). */
  until?: 'keyframes';
}

export const now = () => new Date().toISOString();
export const pad = (i: number) => String(i).padStart(3, '0');

export function createReporter(runDir: string, onEvent: ((event: PipelineEvent) => void) | undefined): RunReporter {
  const timings: RunTimings = { totalMs: 0, backendMs: 0, mediaMs: 0 };
  const logFile = join(runDir, 'run.log');
  let logChain = Promise.resolve();
  const emit = (event: PipelineEvent) => {
    try {
      onEvent?.(event);
    } catch {
      // a listener's bug must not break the run
    }
  };
  return {
    emit,
    log(line, segment) {
      const clean = redact(line);
      emit({ type: 'log', line: clean, ...(segment === undefined ? {} : { segment }) });
      logChain = logChain.then(() => appendFile(logFile, `${now()} ${segment === undefined ? '' : `[seg ${segment}] `}${clean}\n`)).catch(() => {});
    },
    flushLog: () => logChain,
    async timed(work) {
      const t0 = performance.now();
      try {
        return await work();
      } finally {
        timings.mediaMs += performance.now() - t0;
      }
    },
    timings,
    startedAt: performance.now(),
  };
}

/**
 * Keyframe mode runs at most `concurrency` segments at once: when a local backend's GPUs could take more jobs
 * than that (gpus / GPUs per job), some GPUs stay idle. Says so, with the fix.
 */
export function concurrencyWarning(
  core: { mode: string; concurrency: number },
  name: string,
  backend: { models: ModelCapabilities[]; resourcePool?: VideoBackend['resourcePool'] },
): string | undefined {
  if (core.mode !== 'keyframe' || !backend.resourcePool?.gpus.length) return undefined;
  const parallel = Math.max(1, Math.min(...backend.models.map((m) => m.concurrency)));
  if (core.concurrency >= parallel) return undefined;
  return (
    `${name} can run ${parallel} jobs at once on its ${backend.resourcePool.gpus.length} GPU(s), but concurrency is ${core.concurrency}: ` +
    `only ${core.concurrency} will run; raise concurrency to ${parallel} to use every GPU`
  );
}

/** The slot's backend instance, created on first use (with its call limit and GPU pool). */
export function backendOf(state: RunState, slot: BackendSlot): Promise<VideoBackend> {
  if (!slot.instance) {
    slot.instance = Promise.resolve(slot.configured.plugin.create(slot.configured.config, { configDir: state.config.configDir, env: state.env })).then((b) => {
      const { models } = slot.configured.info;
      slot.limit = pLimit(Math.max(1, Math.min(...models.map((m) => m.concurrency))));
      if (b.resourcePool?.gpus.length) slot.gpus = new GpuPool(b.resourcePool.gpus);
      const warning = concurrencyWarning(state.core, slot.configured.name, { models, ...(b.resourcePool ? { resourcePool: b.resourcePool } : {}) });
      if (warning) {
        state.emit({ type: 'warning', message: warning });
        state.log(`warning: ${warning}`);
      }
      return b;
    });
  }
  return slot.instance;
}

/** Copies a storyboard image into the run folder's `frames/` and hashes it. */
export async function copyInput(runDir: string, path: string, name: string): Promise<ManifestInput> {
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
}
