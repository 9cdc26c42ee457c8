/**
 * A loopback emulator of the Runway API (`@runwayml/sdk` 4.20.1, `X-Runway-Version: 2024-11-06`): task
 * creation with per-model validation (image-to-video, text-to-video, text-to-image), a time-driven task
 * lifecycle, real MP4 (and PNG) outputs rendered with ffmpeg,
 * signed/expiring output URLs, ephemeral uploads, credits, and scriptable faults.
 *
 * One module per resource: tasks.ts (+ task-render.ts), uploads.ts, outputs.ts, organization.ts and
 * control.ts (script, stats, `/__emulator/runway/*`); this file routes requests and composes them.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RecordedRequest, sendJson, startHttpEmulator } from '../http.js';
import type { EmulatorConfigSnippet } from '../snippet.js';
import { createRunwayScript, handleRunwayControl, resetRunwayState, runwayFaultBody, runwayStats, V1 } from './control.js';
import { organizationJson } from './organization.js';
import { serveOutput } from './outputs.js';
import { apiError } from './replies.js';
import { createTask, creditBalance, handleTask } from './tasks.js';
import { RUNWAY_API_VERSION, type RunwayEmulator, type RunwayEmulatorOptions, type RunwayState } from './types.js';
import { createUpload, receiveUpload } from './uploads.js';

/** The `/v1/*` API: bearer key and API version checked, then tasks, organization and uploads. */
async function handleApi(state: RunwayState, rec: RecordedRequest, res: ServerResponse): Promise<void> {
  const { path, method } = rec;
  const auth = rec.headers['authorization'];
  if (typeof auth !== 'string' || auth !== `Bearer ${state.apiKey}`) {
    apiError(res, 401, 'Incorrect or missing API key. Pass `Authorization: Bearer <key>`.');
    return;
  }
  const version = rec.headers['x-runway-version'];
  if (version !== RUNWAY_API_VERSION) {
    apiError(res, 400, `Invalid API version '${String(version ?? '')}': the X-Runway-Version header must be '${RUNWAY_API_VERSION}'`);
    return;
  }
  if (method === 'POST' && path === '/v1/image_to_video') return createTask(state, 'image_to_video', rec, res);
  if (method === 'POST' && path === '/v1/text_to_video') return createTask(state, 'text_to_video', rec, res);
  if (method === 'POST' && path === '/v1/text_to_image') return createTask(state, 'text_to_image', rec, res);
  const taskMatch = /^\/v1\/tasks\/([^/]+)$/.exec(path);
  if (taskMatch) return handleTask(state, decodeURIComponent(taskMatch[1]!), rec, res);
  if (method === 'GET' && path === '/v1/organization') {
    sendJson(res, 200, organizationJson(state));
    return;
  }
  if (method === 'POST' && path === '/v1/uploads') return createUpload(state, rec, res);
  apiError(res, 404, 'Not found');
}

async function route(state: RunwayState, req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): Promise<void> {
  const { path, method } = rec;
  if (path.startsWith('/__emulator/')) {
    handleRunwayControl(state, rec, res);
    return;
  }
  if (method === 'POST' && path.startsWith('/uploads/')) return receiveUpload(state, path.slice('/uploads/'.length), req, rec, res);
  if ((method === 'GET' || method === 'HEAD') && path.startsWith('/outputs/')) {
    return serveOutput(state, decodeURIComponent(path.slice('/outputs/'.length)), req, rec, res);
  }
  if (!V1.test(path)) {
    apiError(res, 404, 'Not found');
    return;
  }
  return handleApi(state, rec, res);
}

/** The ttv.yaml lines that point the runway backend at this emulator. */
export function runwayConfigSnippet(emulator: Pick<RunwayEmulator, 'url' | 'apiKey'>): EmulatorConfigSnippet {
  return {
    yaml: `backend: runway\nrunway:\n  baseUrl: ${emulator.url}\n  apiKey: ${emulator.apiKey}     # the emulator's test key (not a secret)`,
    env: {},
    notes: [
      `Runway text-to-image for keyframes: add \`images: runway\` and a section \`runway-images: { baseUrl: ${emulator.url}, apiKey: ${emulator.apiKey} }\``,
    ],
  };
}

/** Starts the Runway emulator on an ephemeral loopback port. Prints nothing. */
export async function startRunwayEmulator(opts: RunwayEmulatorOptions = {}): Promise<RunwayEmulator> {
  const ownWorkDir = opts.workDir === undefined;
  const workDir = opts.workDir ?? (await mkdtemp(join(tmpdir(), 'ttv-runway-emu-')));
  await mkdir(join(workDir, 'uploads'), { recursive: true });
  await mkdir(join(workDir, 'outputs'), { recursive: true });
  const state: RunwayState = {
    opts,
    apiKey: opts.apiKey ?? 'key_test',
    outputScale: opts.outputScale ?? 1,
    initialCredits: opts.creditBalance ?? 100_000,
    ttlMs: opts.outputUrlTtlMs ?? 24 * 3600_000,
    workDir,
    secret: randomBytes(16),
    tasks: new Map(),
    uploads: new Map(),
    sourceCache: new Map(),
    scriptQueue: [],
    defaultScript: undefined,
    urlCounter: 0,
    revokedUpTo: 0,
    renderChain: Promise.resolve(),
    renders: new Set(),
    emulator: undefined as unknown as RunwayEmulator,
  };
  const base = await startHttpEmulator({
    name: 'runway',
    handler: (req, res, rec) => route(state, req, res, rec),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    faultBody: runwayFaultBody,
    onReset: () => resetRunwayState(state),
  });

  const baseClose = base.close;
  const emulator = Object.assign(base, {
    apiKey: state.apiKey,
    workDir,
    tasks: state.tasks,
    script: createRunwayScript(state, base),
    stats: () => runwayStats(state, base),
    creditBalance: () => creditBalance(state),
    async idle(): Promise<void> {
      while (state.renders.size > 0) await Promise.allSettled([...state.renders]);
    },
    configSnippet: () => runwayConfigSnippet(emulator),
  }) as RunwayEmulator;
  state.emulator = emulator;

  let closing: Promise<void> | undefined;
  emulator.close = () => {
    closing ??= (async () => {
      for (const t of state.tasks.values()) t.abort.abort(new Error('emulator closed'));
      await baseClose();
      await emulator.idle();
      if (ownWorkDir) await rm(workDir, { recursive: true, force: true, maxRetries: 3 });
    })();
    return closing;
  };
  return emulator;
}
