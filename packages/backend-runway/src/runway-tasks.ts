/**
 * Runway's task protocol, shared by the video backend and the image generator: every task (video or image) is
 * read through `GET /v1/tasks/{id}` and cancelled or deleted through `DELETE /v1/tasks/{id}`. `readTask` maps one
 * look at a task onto ttv's `JobStatus`; `deleteTask` cancels one.
 */
import type RunwayML from '@runwayml/sdk';
import { type JobStatus, TtvError } from '@ttv/core/backend';
import { mapCallError } from './runway-connection.js';
import { mapTaskFailure } from './runway-errors.js';
import { USD_PER_CREDIT } from './runway-models.js';

export type Task = Awaited<ReturnType<RunwayML['tasks']['retrieve']>>;

export interface TaskLook {
  /** The task as read (undefined when it no longer exists). */
  task?: Task;
  status: JobStatus;
}

export interface ReadTaskOptions {
  signal: AbortSignal;
  timeout: number;
  /** What the task costs at list price, when it does not report a cost. */
  listCredits: () => number;
  /** Wait this long before the next look at a THROTTLED task. */
  throttledPollMs: number;
}

/** The task's reported `cost.credits`, if any. */
export function costCredits(task: Task): number | undefined {
  const cost = (task as { cost?: { credits?: unknown } }).cost;
  return typeof cost?.credits === 'number' && Number.isFinite(cost.credits) && cost.credits >= 0 ? cost.credits : undefined;
}

export function usd(credits: number): number {
  return Number((credits * USD_PER_CREDIT).toFixed(4));
}

const isNotFound = (error: TtvError): boolean => (error.details as { status?: number } | undefined)?.status === 404;

/** One look at a task (`tasks.retrieve`): pending, succeeded (its cost and output URL) or failed (mapped by failureCode). */
export async function readTask(client: RunwayML, id: string, o: ReadTaskOptions): Promise<TaskLook> {
  let task: Task;
  try {
    task = await client.tasks.retrieve(id, { signal: o.signal, timeout: o.timeout, maxRetries: 0 });
  } catch (raw) {
    const error = mapCallError(raw, 'poll', o.signal);
    if (!isNotFound(error)) throw error;
    // The task is over (deleted or expired): a failed job, nothing left to cancel or wait for.
    return {
      status: {
        state: 'failed',
        error: new TtvError('GENERATION_FAILED', `runway task ${id} no longer exists (deleted or expired)`, {
          retryable: true,
          fix: 'the task is started again on the next attempt',
          details: { taskId: id },
          cause: error,
        }),
      },
    };
  }
  return { task, status: statusOf(task, id, o) };
}

function statusOf(task: Task, id: string, o: ReadTaskOptions): JobStatus {
  const reported = costCredits(task);
  switch (task.status) {
    case 'SUCCEEDED': {
      const url = (task as { output?: string[] }).output?.[0];
      if (!url) throw new TtvError('GENERATION_FAILED', `runway task ${id} SUCCEEDED without an output URL`, { retryable: true });
      return { state: 'succeeded', costUsd: usd(reported ?? o.listCredits()), output: { url } };
    }
    case 'FAILED':
      return { state: 'failed', error: mapTaskFailure(task, (reported ?? 0) * USD_PER_CREDIT) };
    case 'CANCELLED':
      return {
        state: 'failed',
        error: new TtvError('CANCELLED', `runway task ${id} was cancelled (outside this run)`, {
          ...(reported ? { chargedUsd: usd(reported) } : {}),
          details: { taskId: id },
        }),
      };
    case 'THROTTLED':
      // Queued behind the organization's concurrency limit: not an error, but no point polling fast.
      return {
        state: 'pending',
        progress: { fraction: 0, message: 'THROTTLED (queued behind the organization’s concurrency limit)' },
        pollAfterMs: o.throttledPollMs,
      };
    case 'RUNNING': {
      const progress = (task as { progress?: unknown }).progress;
      return {
        state: 'pending',
        progress: {
          ...(typeof progress === 'number' && Number.isFinite(progress) ? { fraction: Math.min(1, Math.max(0, progress)) } : {}),
          message: 'RUNNING',
        },
      };
    }
    default:
      return { state: 'pending', progress: { fraction: 0, message: task.status } };
  }
}

/** Cancels a live task, or deletes a finished one (`DELETE /v1/tasks/{id}`); a task that no longer exists needs neither. */
export async function deleteTask(client: RunwayML, id: string, signal: AbortSignal, timeout: number): Promise<void> {
  try {
    await client.tasks.delete(id, { signal, timeout, maxRetries: 0 });
  } catch (raw) {
    const error = mapCallError(raw, 'cancel', signal);
    if (!isNotFound(error)) throw error;
  }
}
