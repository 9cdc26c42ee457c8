/** The Runway emulator's controls: the `script` fault switches, stats and the `/__emulator/runway/*` routes. */
import type { ServerResponse } from 'node:http';
import type { Fault, FaultMatch } from '../faults.js';
import { type EmulatorServer, type RecordedRequest, sendEmpty, sendJson } from '../http.js';
import { apiError } from './replies.js';
import { DAILY_LIMIT_MESSAGE, type RunwayScript, type RunwayState, type RunwayStats, type TaskScript } from './types.js';

export const V1 = /^\/v1\//;
const CREATE_PATHS = ['/v1/image_to_video', '/v1/text_to_video', '/v1/text_to_image'];
const CREATE_PATH = /^\/v1\/(image_to_video|text_to_video|text_to_image)$/;
/** The body of a 429 that is a short-term rate limit (not the daily quota). */
export const RATE_LIMIT_MESSAGE = 'Too many requests. Please slow down and try again later.';

/** The fault body of a `status` fault injected without one. */
export const runwayFaultBody = (status: number): unknown => ({
  error: status === 429 ? DAILY_LIMIT_MESSAGE : status >= 500 ? 'An unexpected error occurred. Please try again.' : `Injected error ${status}`,
});

/** `emulator.script`: task shapes and faults. */
export function createRunwayScript(state: RunwayState, base: EmulatorServer): RunwayScript {
  const v1Match = (match?: FaultMatch): FaultMatch => match ?? { path: V1 };
  const inject = (fault: Fault): void => {
    base.faults.inject(fault);
  };
  return {
    nextTask(shape, count = 1) {
      for (let i = 0; i < count; i++) state.scriptQueue.push({ ...shape });
    },
    allTasks(shape) {
      state.defaultScript = shape ? { ...shape } : undefined;
    },
    dailyLimit({ times = 1, retryAfterSeconds = 1, match } = {}) {
      inject({
        kind: 'status',
        status: 429,
        body: { error: DAILY_LIMIT_MESSAGE },
        headers: { 'retry-after': String(retryAfterSeconds) },
        times,
        match: match ?? { method: 'POST', path: CREATE_PATH },
      });
    },
    rateLimited({ times = 1, retryAfterMs, retryAfterSeconds, match } = {}) {
      const headers: Record<string, string> = {};
      if (retryAfterMs !== undefined) headers['retry-after-ms'] = String(retryAfterMs);
      if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
      inject({ kind: 'status', status: 429, body: { error: RATE_LIMIT_MESSAGE }, headers, times, match: match ?? { method: 'POST', path: CREATE_PATH } });
    },
    serverError({ status = 500, times = 1, retryAfterMs = 1, match, body } = {}) {
      inject({
        kind: 'status',
        status,
        ...(body !== undefined ? { body } : {}),
        headers: { 'retry-after-ms': String(retryAfterMs) },
        times,
        match: v1Match(match),
      });
    },
    slow(ms, { times = 1, match } = {}) {
      inject({ kind: 'delay', ms, times, match: v1Match(match) });
    },
    connectionReset({ times = 1, match } = {}) {
      inject({ kind: 'reset', times, match: v1Match(match) });
    },
    expireOutputs() {
      state.revokedUpTo = state.urlCounter;
    },
    truncateDownload({ bytes = 1024, times = 1 } = {}) {
      inject({ kind: 'truncate', bytes, times, match: { method: 'GET', path: '/outputs/*' } });
    },
    crashDownload({ bytes, times = 1 } = {}) {
      inject({ kind: 'crash', ...(bytes !== undefined ? { bytes } : {}), times, match: { method: 'GET', path: '/outputs/*' } });
    },
  };
}

/** Reference images, reference audio clips and sound tracks the created video tasks asked for. */
function inputStats(state: RunwayState): Pick<RunwayStats, 'referenceImages' | 'referenceAudio' | 'withAudio'> {
  const video = [...state.tasks.values()].filter((t) => t.route !== 'text_to_image').map((t) => t.request);
  const sum = (f: (r: (typeof video)[number]) => number) => video.reduce((n, r) => n + f(r), 0);
  return {
    referenceImages: sum((r) => r.references?.length ?? 0),
    referenceAudio: sum((r) => r.referenceAudio?.length ?? 0),
    withAudio: sum((r) => (r.audio ? 1 : 0)),
  };
}

/** `emulator.stats()`, counted from the recorded requests (and the created tasks, for their inputs). */
export function runwayStats(state: RunwayState, base: EmulatorServer): RunwayStats {
  const creates = base.requests.filter((r) => r.method === 'POST' && CREATE_PATHS.includes(r.path));
  return {
    created: state.tasks.size,
    createAttempts: creates.length,
    polls: base.requestsTo('GET', '/v1/tasks/:id').length,
    cancels: base.requestsTo('DELETE', '/v1/tasks/:id').length,
    downloads: base.requestsTo('GET', '/outputs/*').length,
    uploads: base.requestsTo('POST', '/v1/uploads').length,
    ...inputStats(state),
  };
}

/** Forgets tasks, uploads and scripts, and revokes every output URL handed out (`emulator.reset()`). */
export function resetRunwayState(state: RunwayState): void {
  for (const t of state.tasks.values()) t.abort.abort(new Error('emulator reset'));
  state.tasks.clear();
  state.uploads.clear();
  state.sourceCache.clear();
  state.scriptQueue = [];
  state.defaultScript = undefined;
  state.revokedUpTo = state.urlCounter;
}

/** `/__emulator/runway/*`: next-task (POST), expire-outputs (POST), stats (GET). */
export function handleRunwayControl(state: RunwayState, rec: RecordedRequest, res: ServerResponse): void {
  const { emulator } = state;
  if (rec.path === '/__emulator/runway/next-task' && rec.method === 'POST') {
    const body = (rec.json ?? {}) as TaskScript & { count?: number };
    const { count, ...shape } = body;
    emulator.script.nextTask(shape, count ?? 1);
    sendJson(res, 200, { queued: state.scriptQueue.length });
    return;
  }
  if (rec.path === '/__emulator/runway/expire-outputs' && rec.method === 'POST') {
    emulator.script.expireOutputs();
    sendEmpty(res);
    return;
  }
  if (rec.path === '/__emulator/runway/stats' && rec.method === 'GET') {
    sendJson(res, 200, { ...emulator.stats(), creditBalance: emulator.creditBalance() });
    return;
  }
  apiError(res, 404, 'Not found');
}
