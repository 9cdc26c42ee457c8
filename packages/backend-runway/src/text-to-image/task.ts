/**
 * The life of one text-to-image task after it was created: wait for it (`readTask` at the section's polling
 * pace, transient failures tolerated, THROTTLED polled slowly), cancel it (`DELETE /v1/tasks/{id}`) on abort or at
 * the deadline, and fetch its picture. Core's job runner does this for video clips but probes the output as a
 * video, so a still needs this small loop; every mapping comes from the shared task protocol (runway-tasks.ts).
 */
import { writeFile } from 'node:fs/promises';
import type RunwayML from '@runwayml/sdk';
import { type JobStatus, safeUrl, sleep, TtvError, type TtvErrorCode, toTtvError, withJitter } from '@ttv/core/backend';
import { deleteTask, readTask, usd } from '../runway-tasks.js';
import type { RunwayImagesConfig } from './config.js';

export type Succeeded = Extract<JobStatus, { state: 'succeeded' }>;

export interface TaskRun {
  client: RunwayML;
  id: string;
  config: RunwayImagesConfig;
  signal: AbortSignal;
  log(line: string): void;
  /** List-price credits (when the task reports no cost) and the estimate booked when a task cannot be stopped. */
  credits: number;
}

const CANCEL_TIMEOUT_MS = 15_000;

/** Cancels the task, then throws `code`; when the cancel fails, the error says the task may still be billed. */
export async function stopTask(run: TaskRun, code: TtvErrorCode, why: string): Promise<never> {
  try {
    await deleteTask(run.client, run.id, AbortSignal.timeout(CANCEL_TIMEOUT_MS), CANCEL_TIMEOUT_MS);
  } catch (cause) {
    throw new TtvError(code, `${why}; runway task ${run.id} could not be cancelled and may still be billed`, {
      chargedUsd: usd(run.credits),
      details: { taskId: run.id },
      cause,
    });
  }
  run.log(`task ${run.id} cancelled`);
  throw new TtvError(code, `${why}; runway task ${run.id} was cancelled`, { details: { taskId: run.id } });
}

/** A look at the task, with this run's options. */
export function lookAt(run: TaskRun, signal: AbortSignal) {
  const { polling, timeouts } = run.config;
  return readTask(run.client, run.id, {
    signal,
    timeout: timeouts.requestMs,
    listCredits: () => run.credits,
    throttledPollMs: Math.max(polling.intervalMs, polling.maxIntervalMs),
  });
}

/** Polls until the task succeeded (returned) or failed (thrown); an abort or the deadline cancels it. */
export async function waitForTask(run: TaskRun): Promise<Succeeded> {
  const { polling, timeouts } = run.config;
  const deadline = Date.now() + timeouts.taskMs;
  let wait = polling.intervalMs;
  let errors = 0;
  let last = '';
  for (;;) {
    await sleep(Math.min(withJitter(wait, polling.jitter), Math.max(0, deadline - Date.now())), run.signal).catch(() => {});
    if (run.signal.aborted) await stopTask(run, 'CANCELLED', 'the image was cancelled');
    if (Date.now() >= deadline) await stopTask(run, 'TIMEOUT', `runway task ${run.id} did not finish within ${timeouts.taskMs / 1000} s`);
    let status: JobStatus;
    try {
      const look = await lookAt(run, AbortSignal.any([run.signal, AbortSignal.timeout(timeouts.requestMs)]));
      status = look.status;
      errors = 0;
      if (look.task && look.task.status !== last) {
        last = look.task.status;
        run.log(`task ${run.id} ${last}`);
      }
    } catch (raw) {
      if (run.signal.aborted) await stopTask(run, 'CANCELLED', 'the image was cancelled');
      const error = toTtvError(raw, 'UNAVAILABLE');
      const transient = error.retryable || ['UNAVAILABLE', 'TIMEOUT', 'RATE_LIMITED'].includes(error.code);
      if (!transient || ++errors >= polling.maxErrors) await stopTask(run, error.code, error.message);
      run.log(`status of task ${run.id} failed (${error.code}, ${errors}/${polling.maxErrors}); asking again`);
      wait = Math.min(Math.max(polling.maxIntervalMs, polling.intervalMs), Math.max(wait * polling.backoff, error.retryAfterMs ?? 0));
      continue;
    }
    if (status.state === 'succeeded') return status;
    if (status.state === 'failed') throw status.error;
    wait = status.pollAfterMs ?? Math.min(polling.maxIntervalMs, Math.max(1, wait * polling.backoff));
  }
}

/** Downloads the picture to `target`; an expired signed URL is renewed once by a fresh look at the task. */
export async function downloadOutput(run: TaskRun, done: Succeeded, target: string): Promise<void> {
  let url = 'url' in done.output ? done.output.url : '';
  for (let attempt = 1; ; attempt++) {
    const signal = AbortSignal.any([run.signal, AbortSignal.timeout(run.config.timeouts.downloadMs)]);
    let status: number | string = 'no reply';
    try {
      const res = await fetch(url, { signal });
      status = res.status;
      if (res.ok) {
        await writeFile(target, new Uint8Array(await res.arrayBuffer()));
        run.log(`downloaded ${safeUrl(url)}`);
        return;
      }
      await res.body?.cancel().catch(() => {});
    } catch (error) {
      if (run.signal.aborted) throw new TtvError('CANCELLED', 'the image download was cancelled', { cause: error });
    }
    if (attempt >= 2) {
      throw new TtvError('UNAVAILABLE', `runway task ${run.id}: GET ${safeUrl(url)} failed (${status})`, {
        retryable: true,
        chargedUsd: done.costUsd,
        details: { taskId: run.id },
      });
    }
    const fresh = await lookAt(run, AbortSignal.any([run.signal, AbortSignal.timeout(run.config.timeouts.requestMs)])).catch(() => undefined);
    if (fresh?.status.state === 'succeeded' && 'url' in fresh.status.output) url = fresh.status.output.url;
  }
}
