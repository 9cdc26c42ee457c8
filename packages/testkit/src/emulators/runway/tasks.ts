/** Runway's tasks: `POST /v1/image_to_video|text_to_video|text_to_image` creates one, `GET|DELETE /v1/tasks/:id` reads, cancels or deletes it. */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { type RecordedRequest, sendEmpty, sendJson } from '../http.js';
import { validateImageGeneration } from './image-models.js';
import { type GenerationRequest, RunwayValidationError, type TaskRoute, validateGeneration } from './models.js';
import { issueUrl, outputExtension } from './outputs.js';
import { apiError } from './replies.js';
import { startRender } from './task-render.js';
import type { RunwayState, RunwayTask, RunwayTaskStatus, TaskScript } from './types.js';
import { checkUploads } from './uploads.js';

/** Failure codes of docs.dev.runwayml.com/errors/task-failures with the emulator's `failure` texts. */
export const FAILURE_MESSAGES: Record<string, string> = {
  'SAFETY.INPUT': 'The input did not pass our content moderation.',
  'SAFETY.OUTPUT': 'The generated output did not pass our content moderation.',
  'INPUT_PREPROCESSING.SAFETY': 'The prompt text was rejected by our content moderation.',
  'INPUT_PREPROCESSING.INTERNAL': 'An internal error occurred while checking the input. Please try again.',
  'INTERNAL.BAD_OUTPUT': 'The generated output did not pass our quality checks. Try a different input image.',
  'ASSET.INVALID': 'An input asset is invalid or could not be processed.',
  INTERNAL: 'An unexpected internal error occurred.',
};

export function failureMessageFor(code: string): string {
  const parts = code.split('.');
  for (let n = parts.length; n > 0; n--) {
    const msg = FAILURE_MESSAGES[parts.slice(0, n).join('.')];
    if (msg) return msg;
  }
  return `Task failed (${code}).`;
}

function durationFor(state: RunwayState, req: GenerationRequest, script: TaskScript): number {
  const { opts } = state;
  if (script.durationMs !== undefined) return script.durationMs;
  if (opts.taskDurationMs !== undefined) return opts.taskDurationMs;
  if (opts.timeScale !== undefined && opts.timeScale > 0) {
    // Roughly what the real service takes: ~15 s of overhead plus ~6 s per second of output.
    return ((15 + 6 * req.duration) * 1000) / opts.timeScale;
  }
  return 1500;
}

export function costOf(task: RunwayTask, status: RunwayTaskStatus): number {
  if (status === 'SUCCEEDED') return task.script.cost ?? task.request.credits;
  if (status === 'FAILED' || status === 'CANCELLED') return task.script.cost ?? 0;
  return task.request.credits;
}

/** Credits left: initial balance minus costs (estimated for live tasks, final for terminal ones). */
export function creditBalance(state: RunwayState): number {
  let spent = 0;
  for (const t of state.tasks.values()) {
    const status = t.terminal ?? (t.cancelled ? 'CANCELLED' : undefined);
    spent += status ? costOf(t, status) : t.request.credits;
  }
  return state.initialCredits - spent;
}

/** Current status; with `poll`, consumes a throttled poll. */
function statusOf(task: RunwayTask, poll: boolean): { status: RunwayTaskStatus; progress?: number } {
  if (task.terminal) return { status: task.terminal };
  if (task.cancelled) return { status: 'CANCELLED' };
  if (task.throttledPollsLeft > 0) {
    if (poll) {
      task.throttledPollsLeft -= 1;
      if (task.throttledPollsLeft === 0) task.startedAt = Date.now();
    }
    return { status: 'THROTTLED' };
  }
  const started = task.startedAt ?? Date.now();
  const elapsed = Date.now() - started;
  const pendingMs = task.durationMs * 0.2;
  if (elapsed >= task.durationMs) return { status: task.script.failureCode ? 'FAILED' : 'SUCCEEDED' };
  if (elapsed < pendingMs) return { status: 'PENDING' };
  const progress = Math.min(0.99, Math.max(0, (elapsed - pendingMs) / (task.durationMs - pendingMs)));
  return { status: 'RUNNING', progress: Math.round(progress * 100) / 100 };
}

/** Generation time is up: waits for the render (it normally has finished); a failed render fails the task. */
async function settleRender(state: RunwayState, task: RunwayTask): Promise<RunwayTaskStatus> {
  await task.render;
  if (!task.renderError) return 'SUCCEEDED';
  // An undecodable input image is the likely cause when there was one; else an emulator fault.
  const first = state.sourceCache.get(task.id)?.first;
  const code = first && 'file' in first ? 'ASSET.INVALID' : 'INTERNAL';
  task.script = { ...task.script, failureCode: code, failure: `${failureMessageFor(code)} (emulator: ${task.renderError.message.split('\n')[0]})` };
  return 'FAILED';
}

async function taskJson(state: RunwayState, task: RunwayTask): Promise<Record<string, unknown>> {
  let { status, progress } = statusOf(task, true);
  const base = { id: task.id, createdAt: task.createdAt };
  if (status === 'SUCCEEDED' && !task.terminal) status = await settleRender(state, task);
  if (status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED') task.terminal = status;
  switch (status) {
    case 'PENDING':
    case 'THROTTLED':
      return { ...base, status, estimatedCost: { credits: task.request.credits } };
    case 'RUNNING':
      return { ...base, status, progress: progress ?? 0, estimatedCost: { credits: task.request.credits } };
    case 'SUCCEEDED':
      return { ...base, status, output: [issueUrl(state, task)], cost: { credits: costOf(task, status) } };
    case 'FAILED': {
      const code = task.script.failureCode ?? 'INTERNAL';
      return { ...base, status, failure: task.script.failure ?? failureMessageFor(code), failureCode: code, cost: { credits: costOf(task, status) } };
    }
    case 'CANCELLED':
      return { ...base, status, cost: { credits: costOf(task, status) } };
  }
}

/** Validates a generation request; undefined when a 400 was sent. */
function validate(state: RunwayState, route: TaskRoute, rec: RecordedRequest, res: ServerResponse): GenerationRequest | undefined {
  if (rec.json === undefined) {
    apiError(res, 400, 'Invalid JSON body');
    return undefined;
  }
  try {
    const request = route === 'text_to_image' ? validateImageGeneration(rec.json, state.outputScale) : validateGeneration(route, rec.json, state.outputScale);
    checkUploads(state, request);
    return request;
  } catch (error) {
    if (error instanceof RunwayValidationError) {
      apiError(res, 400, error.message);
      return undefined;
    }
    throw error;
  }
}

/** `POST /v1/image_to_video`, `POST /v1/text_to_video` and `POST /v1/text_to_image`. */
export function createTask(state: RunwayState, route: TaskRoute, rec: RecordedRequest, res: ServerResponse): void {
  const request = validate(state, route, rec, res);
  if (!request) return;
  if (request.credits > state.emulator.creditBalance()) {
    apiError(res, 400, 'You do not have enough credits to run this task.');
    return;
  }
  const script = { ...(state.scriptQueue.shift() ?? state.defaultScript ?? {}) };
  const id = randomUUID();
  const throttled = Math.max(0, Math.floor(script.throttledPolls ?? 0));
  const task: RunwayTask = {
    id,
    createdAt: new Date().toISOString(),
    route,
    request,
    script,
    durationMs: Math.max(0, durationFor(state, request, script)),
    throttledPollsLeft: throttled,
    cancelled: false,
    deleted: false,
    polls: 0,
    outputPath: join(state.workDir, 'outputs', `${id}.${outputExtension(route)}`),
    outputUrls: [],
    abort: new AbortController(),
  };
  if (throttled === 0) task.startedAt = Date.now();
  state.tasks.set(id, task);
  if (!script.failureCode) startRender(state, task);
  sendJson(res, 200, { id, estimatedCost: { credits: request.credits } });
}

/** `GET /v1/tasks/:id` (a poll) and `DELETE /v1/tasks/:id` (cancel while running, delete once terminal). */
export async function handleTask(state: RunwayState, id: string, rec: RecordedRequest, res: ServerResponse): Promise<void> {
  const task = state.tasks.get(id);
  if (!task || task.deleted) {
    apiError(res, 404, 'Task not found');
    return;
  }
  if (rec.method === 'GET') {
    task.polls += 1;
    sendJson(res, 200, await taskJson(state, task));
    return;
  }
  if (rec.method === 'DELETE') {
    const { status } = statusOf(task, false);
    if (status === 'PENDING' || status === 'THROTTLED' || status === 'RUNNING') {
      task.cancelled = true;
      task.abort.abort(new Error('task cancelled'));
    } else {
      task.terminal ??= status === 'SUCCEEDED' && task.renderError ? 'FAILED' : status;
      task.deleted = true;
    }
    sendEmpty(res, 204);
    return;
  }
  apiError(res, 405, 'Method not allowed');
}
