import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TtvError, toTtvError } from '../spec/errors.js';
import { redact } from '../util/secrets.js';
import { joinStep } from './join-step.js';
import type { Manifest } from './manifest.js';
import type { RunState, RunTimings } from './run-state.js';
import { scheduleSegments } from './scheduler.js';
import { type RunPipelineOptions, setUpRun } from './setup.js';

export { retryDelay } from './policy.js';
export type { RunTimings } from './run-state.js';
export { defaultRunDir, type RunPipelineOptions } from './setup.js';

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

/**
 * Runs a whole film: set up the run folder → schedule every segment (chaining: sequentially from the previous
 * exact last frame; keyframe: concurrently between keyframes), each through the fallback chain with retries and
 * the budget → join. Every state change is written to manifest.json atomically; re-running resumes (finished
 * segments whose files still verify are reused with zero backend calls, submitted jobs are re-attached, never
 * resubmitted).
 *
 * Steps: `setUpRun` (setup.ts) → `scheduleSegments` (scheduler.ts, over an `Executor`) → per segment
 * `runSegment` (segment.ts) → per backend call `runAttempt` (attempt.ts, the failure policy in policy.ts, money
 * in budget.ts) → `joinStep` (join-step.ts).
 */
export async function runPipeline(options: RunPipelineOptions): Promise<RunResult> {
  const state = await setUpRun(options);
  try {
    await scheduleSegments(state);
    if (state.until) return await stopRun(state);
    await joinStep(state);
    return await completeRun(state);
  } catch (e) {
    throw await failRun(state, e);
  } finally {
    await closeRun(state);
  }
}

/** Ends a run that made its film: the manifest says `done`. */
async function completeRun(state: RunState): Promise<RunResult> {
  const final = state.manifest.final!;
  return endRun(state, 'done', { video: final.file, durationSec: final.durationSec, frames: final.frames });
}

/** Ends a run stopped on request after a step (`until`): the manifest says `stopped`; there is no film yet. */
async function stopRun(state: RunState): Promise<RunResult> {
  return endRun(state, 'stopped', { video: '', durationSec: 0, frames: 0 });
}

async function endRun(state: RunState, status: 'done' | 'stopped', film: Pick<RunResult, 'video' | 'durationSec' | 'frames'>): Promise<RunResult> {
  const { manifest, runDir } = state;
  manifest.status = status;
  delete manifest.error;
  await state.writer.save();
  state.emit({ type: 'run-done', status, totalCostUsd: manifest.totalCostUsd });
  await state.flushLog();
  state.timings.totalMs = performance.now() - state.startedAt;
  return { runDir, ...film, totalCostUsd: manifest.totalCostUsd, manifest, timings: state.timings };
}

/** Records the run as failed or cancelled; returns the error to throw. */
async function failRun(state: RunState, e: unknown): Promise<TtvError> {
  const { manifest } = state;
  const error = state.signal.aborted ? new TtvError('CANCELLED', 'the run was cancelled; run the same command again to resume', { cause: e }) : toTtvError(e);
  manifest.status = error.code === 'CANCELLED' ? 'cancelled' : 'failed';
  manifest.error = { code: error.code, message: redact(error.message) };
  await state.writer.save();
  state.emit({ type: 'run-done', status: manifest.status, totalCostUsd: manifest.totalCostUsd });
  await state.flushLog();
  return error;
}

/** Disposes the backends this run created and removes its scratch folder. */
async function closeRun(state: RunState): Promise<void> {
  try {
    await Promise.all(
      state.slots.map(async (s) => {
        if (s.instance) await (await s.instance.catch(() => undefined))?.dispose?.();
      }),
    );
    await rm(join(state.runDir, 'work'), { recursive: true, force: true }).catch(() => {});
  } finally {
    await state.writer.close();
    // The run folder's lock goes last, once nothing of this run touches the folder.
    await state.folder.release();
  }
}
