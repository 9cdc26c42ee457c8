/**
 * A loopback emulator of the Runway API (`@runwayml/sdk` 4.20.1, `X-Runway-Version: 2024-11-06`): task
 * creation with per-model validation, a time-driven task lifecycle, real MP4 outputs rendered with ffmpeg,
 * signed/expiring output URLs, ephemeral uploads, credits, and scriptable faults.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fault, FaultMatch } from '../faults.js';
import { type EmulatorServer, type RecordedRequest, sendBody, sendEmpty, sendJson, startHttpEmulator } from '../http.js';
import { type GenerationRequest, IMAGE_MEDIA_TYPES, type PromptImageRef, type RunwayRoute, RunwayValidationError, validateGeneration } from './models.js';
import { type FrameSource, renderClip } from './render.js';

export const RUNWAY_API_VERSION = '2024-11-06';
export const DAILY_LIMIT_MESSAGE = 'Your daily task limit has been reached.';

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

export type RunwayTaskStatus = 'PENDING' | 'THROTTLED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** Shapes a task the emulator creates (see `script.nextTask`). */
export interface TaskScript {
  /** End FAILED with this failureCode (e.g. `SAFETY.INPUT.TEXT`, `INTERNAL`) instead of SUCCEEDED. */
  failureCode?: string;
  /** The `failure` text (default: a message for the code). */
  failure?: string;
  /** Answer THROTTLED to this many polls before the task starts. */
  throttledPolls?: number;
  /** Real milliseconds from start (after throttling) to the terminal state. */
  durationMs?: number;
  /** The first output URL handed out is already expired (the download gets 403; re-reading the task gives a fresh one). */
  expiredOutputUrl?: boolean;
  /** Credits reported as `cost` on the terminal state (default: full price on success, 0 on failure/cancel). */
  cost?: number;
}

export interface RunwayTask {
  id: string;
  createdAt: string;
  route: RunwayRoute;
  request: GenerationRequest;
  script: TaskScript;
  durationMs: number;
  throttledPollsLeft: number;
  /** Real time the task left the queue (after throttling). */
  startedAt?: number;
  /** Set by DELETE while running: the status is CANCELLED. */
  cancelled: boolean;
  /** Set by DELETE once terminal: the task is gone (404). */
  deleted: boolean;
  polls: number;
  /** The rendered mp4 (once `render` resolves without `renderError`). */
  outputPath: string;
  render?: Promise<void>;
  renderError?: Error;
  /** Output URLs handed out so far. */
  outputUrls: string[];
  /** Terminal status once observed (frozen afterwards). */
  terminal?: RunwayTaskStatus;
  abort: AbortController;
}

export interface RunwayEmulatorOptions {
  /** Accepted bearer token (default `key_test`). */
  apiKey?: string;
  /** Seconds of simulated generation per real second; sets the task duration when `taskDurationMs` is not given. */
  timeScale?: number;
  /** Real ms from creation to the terminal state (default 1500, or derived from `timeScale`). */
  taskDurationMs?: number;
  /** Divide output pixel sizes by this (keeping even dimensions) for fast tests. Default 1. */
  outputScale?: number;
  port?: number;
  host?: string;
  /** Where uploads and outputs go (default: a temp dir removed on close). */
  workDir?: string;
  /** Initial credit balance reported by `/v1/organization` (default 100 000). */
  creditBalance?: number;
  /** Lifetime of signed output URLs (default 24 h). */
  outputUrlTtlMs?: number;
}

export interface RunwayStats {
  /** Tasks the emulator created since the last reset (including ones whose reply the client never got). */
  created: number;
  /** Every create request received, including rejected and faulted ones. */
  createAttempts: number;
  polls: number;
  cancels: number;
  downloads: number;
  uploads: number;
}

export interface RunwayScript {
  /** Shape the next `count` created tasks (queued in order). */
  nextTask(shape: TaskScript, count?: number): void;
  /** Shape every task created while no `nextTask` shape is queued. `undefined` resets. */
  allTasks(shape: TaskScript | undefined): void;
  /** 429 `{"error":"Your daily task limit has been reached."}` with `Retry-After` on the next create(s). */
  dailyLimit(opts?: { times?: number; retryAfterSeconds?: number; match?: FaultMatch }): void;
  /** A 5xx (default 500) with `retry-after-ms` on the next matching request(s) (default: any /v1 route). */
  serverError(opts?: { status?: number; times?: number; retryAfterMs?: number; match?: FaultMatch; body?: unknown }): void;
  /** Delay the next matching request(s) by `ms` (default: any /v1 route). */
  slow(ms: number, opts?: { times?: number; match?: FaultMatch }): void;
  /** Destroy the connection of the next matching request(s) without a reply (default: any /v1 route). */
  connectionReset(opts?: { times?: number; match?: FaultMatch }): void;
  /** Every output URL handed out so far expires now (downloads get 403; re-reading tasks gives fresh URLs). */
  expireOutputs(): void;
  /** Next download(s): full Content-Length announced, connection closed after `bytes` (default 1024). */
  truncateDownload(opts?: { bytes?: number; times?: number }): void;
  /** Next download(s): connection destroyed mid-body after `bytes` (default half the file). */
  crashDownload(opts?: { bytes?: number; times?: number }): void;
}

export interface RunwayEmulator extends EmulatorServer {
  apiKey: string;
  workDir: string;
  tasks: Map<string, RunwayTask>;
  script: RunwayScript;
  stats(): RunwayStats;
  /** Credits left: initial balance minus costs (estimated for live tasks, final for terminal ones). */
  creditBalance(): number;
  /** Resolves when every started render has finished. */
  idle(): Promise<void>;
}

interface Upload {
  id: string;
  filename: string;
  key: string;
  createdAt: number;
  path?: string;
  contentType?: string;
  size?: number;
}

const V1 = /^\/v1\//;
const CREATE_PATHS = ['/v1/image_to_video', '/v1/text_to_video'];
const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

function s3Error(code: string, message: string, extra: Record<string, string> = {}): string {
  const fields = Object.entries({ Code: code, Message: message, ...extra })
    .map(([k, v]) => `<${k}>${v.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</${k}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${fields}<RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`;
}

function guessImageType(filename: string): string | undefined {
  const ext = filename.toLowerCase().split('.').pop();
  return ext === 'png' ? 'image/png' : ext === 'jpg' || ext === 'jpeg' ? 'image/jpeg' : ext === 'webp' ? 'image/webp' : ext === 'gif' ? 'image/gif' : undefined;
}

function extFor(mediaType: string): string {
  return mediaType === 'image/png' ? 'png' : mediaType === 'image/webp' ? 'webp' : 'jpg';
}

/** Starts the Runway emulator on an ephemeral loopback port. Prints nothing. */
export async function startRunwayEmulator(opts: RunwayEmulatorOptions = {}): Promise<RunwayEmulator> {
  const apiKey = opts.apiKey ?? 'key_test';
  const outputScale = opts.outputScale ?? 1;
  const initialCredits = opts.creditBalance ?? 100_000;
  const ttlMs = opts.outputUrlTtlMs ?? 24 * 3600_000;
  const ownWorkDir = opts.workDir === undefined;
  const workDir = opts.workDir ?? (await mkdtemp(join(tmpdir(), 'ttv-runway-emu-')));
  await mkdir(join(workDir, 'uploads'), { recursive: true });
  await mkdir(join(workDir, 'outputs'), { recursive: true });
  const secret = randomBytes(16);

  const tasks = new Map<string, RunwayTask>();
  const uploads = new Map<string, Upload>();
  let scriptQueue: TaskScript[] = [];
  let defaultScript: TaskScript | undefined;
  let urlCounter = 0;
  let revokedUpTo = 0;
  let renderChain: Promise<void> = Promise.resolve();
  const renders = new Set<Promise<void>>();

  const durationFor = (req: GenerationRequest, script: TaskScript): number => {
    if (script.durationMs !== undefined) return script.durationMs;
    if (opts.taskDurationMs !== undefined) return opts.taskDurationMs;
    if (opts.timeScale !== undefined && opts.timeScale > 0) {
      // Roughly what the real service takes: ~15 s of overhead plus ~6 s per second of output.
      return ((15 + 6 * req.duration) * 1000) / opts.timeScale;
    }
    return 1500;
  };

  const sign = (id: string, exp: number, n: number): string => createHmac('sha256', secret).update(`${id}:${exp}:${n}`).digest('hex').slice(0, 32);

  let emulator!: RunwayEmulator;

  const issueUrl = (task: RunwayTask): string => {
    const n = ++urlCounter;
    const expired = task.script.expiredOutputUrl === true && task.outputUrls.length === 0;
    const exp = Math.floor((Date.now() + (expired ? -60_000 : ttlMs)) / 1000);
    const url = `${emulator.url}/outputs/${task.id}.mp4?exp=${exp}&n=${n}&sig=${sign(task.id, exp, n)}`;
    task.outputUrls.push(url);
    return url;
  };

  // ---------------------------------------------------------------- task lifecycle

  const costOf = (task: RunwayTask, status: RunwayTaskStatus): number => {
    if (status === 'SUCCEEDED') return task.script.cost ?? task.request.credits;
    if (status === 'FAILED' || status === 'CANCELLED') return task.script.cost ?? 0;
    return task.request.credits;
  };

  /** Current status; with `poll`, consumes a throttled poll. */
  const statusOf = (task: RunwayTask, poll: boolean): { status: RunwayTaskStatus; progress?: number } => {
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
  };

  const taskJson = async (task: RunwayTask): Promise<Record<string, unknown>> => {
    let { status, progress } = statusOf(task, true);
    const base = { id: task.id, createdAt: task.createdAt };
    if (status === 'SUCCEEDED' && !task.terminal) {
      // Generation time is up: make sure the render finished (it normally has).
      await task.render;
      if (task.renderError) {
        // An undecodable input image is the likely cause when there was one; else an emulator fault.
        const code = sourceCache.get(task.id)?.first && 'file' in sourceCache.get(task.id)!.first! ? 'ASSET.INVALID' : 'INTERNAL';
        task.script = {
          ...task.script,
          failureCode: code,
          failure: `${failureMessageFor(code)} (emulator: ${task.renderError.message.split('\n')[0]})`,
        };
        status = 'FAILED';
      }
    }
    if (status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED') task.terminal = status;
    switch (status) {
      case 'PENDING':
      case 'THROTTLED':
        return { ...base, status, estimatedCost: { credits: task.request.credits } };
      case 'RUNNING':
        return { ...base, status, progress: progress ?? 0, estimatedCost: { credits: task.request.credits } };
      case 'SUCCEEDED':
        return { ...base, status, output: [issueUrl(task)], cost: { credits: costOf(task, status) } };
      case 'FAILED': {
        const code = task.script.failureCode ?? 'INTERNAL';
        return { ...base, status, failure: task.script.failure ?? failureMessageFor(code), failureCode: code, cost: { credits: costOf(task, status) } };
      }
      case 'CANCELLED':
        return { ...base, status, cost: { credits: costOf(task, status) } };
    }
  };

  // ---------------------------------------------------------------- inputs and rendering

  const sourceCache = new Map<string, { first?: FrameSource; last?: FrameSource }>();

  const resolveImage = async (ref: PromptImageRef, taskId: string): Promise<FrameSource> => {
    if (ref.uri.startsWith('https://')) return { color: '0x808080' };
    if (ref.uri.startsWith('runway://')) {
      const upload = uploadForUri(ref.uri);
      return { file: upload!.path! };
    }
    const m = /^data:([^;,]+)[^,]*,(.*)$/s.exec(ref.uri)!;
    const file = join(workDir, 'outputs', `${taskId}-${ref.position}.${extFor(m[1]!.toLowerCase())}`);
    await writeFile(file, Buffer.from(m[2]!, 'base64'));
    return { file };
  };

  const uploadForUri = (uri: string): Upload | undefined => {
    const m = /^runway:\/\/ephemeral\/([^/]+)\//.exec(uri);
    return m ? uploads.get(m[1]!) : undefined;
  };

  const checkUploads = (req: GenerationRequest): void => {
    for (const ref of [req.first, req.last]) {
      if (!ref?.uri.startsWith('runway://')) continue;
      const field = req.body['promptImage'] === ref.uri ? 'promptImage' : `promptImage[${ref.position === 'first' ? 0 : 1}].uri`;
      const upload = uploadForUri(ref.uri);
      if (!upload?.path) throw new RunwayValidationError(field, 'unknown or incomplete runway:// upload');
      if (Date.now() - upload.createdAt > 24 * 3600_000) throw new RunwayValidationError(field, 'the runway:// upload has expired');
      if (!upload.contentType || !IMAGE_MEDIA_TYPES.has(upload.contentType)) {
        throw new RunwayValidationError(field, `unsupported media type '${upload.contentType ?? 'unknown'}' (expected an image)`);
      }
    }
  };

  const startRender = (task: RunwayTask): void => {
    const job = async (): Promise<void> => {
      if (task.cancelled || task.abort.signal.aborted) return;
      try {
        const sources: { first?: FrameSource; last?: FrameSource } = {};
        if (task.request.first) sources.first = await resolveImage(task.request.first, task.id);
        if (task.request.last) sources.last = await resolveImage(task.request.last, task.id);
        sourceCache.set(task.id, sources);
        await renderClip({
          output: task.outputPath,
          width: task.request.width,
          height: task.request.height,
          duration: task.request.duration,
          ...sources,
          ...(task.request.promptText !== undefined ? { promptText: task.request.promptText } : {}),
          audio: task.request.audio,
          signal: task.abort.signal,
        });
      } catch (error) {
        if (!task.abort.signal.aborted) task.renderError = error as Error;
      }
    };
    // One ffmpeg at a time: tests share two cores.
    const p = renderChain.then(job);
    renderChain = p;
    task.render = p;
    renders.add(p);
    void p.finally(() => renders.delete(p));
  };

  // ---------------------------------------------------------------- handlers

  const apiError = (res: ServerResponse, status: number, error: string, headers: Record<string, string> = {}): void =>
    sendJson(res, status, { error }, headers);

  const createTask = (route: RunwayRoute, rec: RecordedRequest, res: ServerResponse): void => {
    if (rec.json === undefined) {
      apiError(res, 400, 'Invalid JSON body');
      return;
    }
    let request: GenerationRequest;
    try {
      request = validateGeneration(route, rec.json, outputScale);
      checkUploads(request);
    } catch (error) {
      if (error instanceof RunwayValidationError) {
        apiError(res, 400, error.message);
        return;
      }
      throw error;
    }
    if (request.credits > emulator.creditBalance()) {
      apiError(res, 400, 'You do not have enough credits to run this task.');
      return;
    }
    const script = { ...(scriptQueue.shift() ?? defaultScript ?? {}) };
    const id = randomUUID();
    const throttled = Math.max(0, Math.floor(script.throttledPolls ?? 0));
    const task: RunwayTask = {
      id,
      createdAt: new Date().toISOString(),
      route,
      request,
      script,
      durationMs: Math.max(0, durationFor(request, script)),
      throttledPollsLeft: throttled,
      cancelled: false,
      deleted: false,
      polls: 0,
      outputPath: join(workDir, 'outputs', `${id}.mp4`),
      outputUrls: [],
      abort: new AbortController(),
    };
    if (throttled === 0) task.startedAt = Date.now();
    tasks.set(id, task);
    if (!script.failureCode) startRender(task);
    sendJson(res, 200, { id, estimatedCost: { credits: request.credits } });
  };

  const handleTask = async (id: string, rec: RecordedRequest, res: ServerResponse): Promise<void> => {
    const task = tasks.get(id);
    if (!task || task.deleted) {
      apiError(res, 404, 'Task not found');
      return;
    }
    if (rec.method === 'GET') {
      task.polls += 1;
      sendJson(res, 200, await taskJson(task));
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
    return;
  };

  const organization = (): Record<string, unknown> => {
    const models: Record<string, { maxConcurrentGenerations: number | null; maxDailyGenerations: number | null }> = {};
    const usage: Record<string, { dailyGenerations: number }> = {};
    for (const m of ['gen4_turbo', 'gen4.5', 'veo3.1', 'veo3.1_fast']) {
      models[m] = { maxConcurrentGenerations: 2, maxDailyGenerations: 200 };
      usage[m] = { dailyGenerations: [...tasks.values()].filter((t) => t.request.model === m).length };
    }
    return { creditBalance: emulator.creditBalance(), tier: { maxMonthlyCreditSpend: 100_000, models }, usage: { models: usage } };
  };

  const createUpload = (rec: RecordedRequest, res: ServerResponse): void => {
    const body = rec.json as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') {
      apiError(res, 400, 'Invalid JSON body');
      return;
    }
    const filename = body['filename'];
    if (typeof filename !== 'string' || filename.length === 0 || filename.length > 255 || /[/\\]/.test(filename)) {
      apiError(res, 400, "Invalid parameter 'filename'");
      return;
    }
    if (body['type'] !== 'ephemeral') {
      apiError(res, 400, "Invalid parameter 'type'");
      return;
    }
    const id = randomUUID();
    const key = `ephemeral/${id}/${filename}`;
    uploads.set(id, { id, filename, key, createdAt: Date.now() });
    const policy = Buffer.from(JSON.stringify({ expiration: new Date(Date.now() + 3600_000).toISOString(), conditions: [{ key }] })).toString('base64');
    sendJson(res, 200, {
      uploadUrl: `${emulator.url}/uploads/${id}`,
      fields: {
        key,
        policy,
        'x-amz-algorithm': 'AWS4-HMAC-SHA256',
        'x-amz-signature': createHmac('sha256', secret).update(policy).digest('hex'),
      },
      runwayUri: `runway://${key}`,
    });
  };

  const receiveUpload = async (id: string, req: IncomingMessage, rec: RecordedRequest, res: ServerResponse): Promise<void> => {
    const upload = uploads.get(id);
    if (!upload) {
      sendBody(res, 404, s3Error('NoSuchUpload', 'The specified upload does not exist.'), 'application/xml');
      return;
    }
    if (rec.body.length > MAX_UPLOAD_BYTES) {
      sendBody(res, 400, s3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.'), 'application/xml');
      return;
    }
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(rec.body), { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
    } catch {
      sendBody(res, 400, s3Error('MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.'), 'application/xml');
      return;
    }
    if (form.get('key') !== upload.key) {
      sendBody(res, 403, s3Error('AccessDenied', 'Invalid according to Policy: Policy Condition failed: ["eq", "$key"]'), 'application/xml');
      return;
    }
    const file = form.get('file');
    if (!file || typeof file === 'string') {
      sendBody(res, 400, s3Error('InvalidArgument', 'POST requires exactly one file upload per request.'), 'application/xml');
      return;
    }
    const data = Buffer.from(await file.arrayBuffer());
    const path = join(workDir, 'uploads', `${id}-${upload.filename}`);
    await writeFile(path, data);
    upload.path = path;
    upload.size = data.length;
    upload.contentType = (file.type && file.type !== 'application/octet-stream' ? file.type : guessImageType(upload.filename)) ?? 'application/octet-stream';
    sendEmpty(res, 204);
  };

  const serveOutput = async (file: string, req: IncomingMessage, rec: RecordedRequest, res: ServerResponse): Promise<void> => {
    const id = file.replace(/\.mp4$/, '');
    const exp = Number(rec.query['exp']);
    const n = Number(rec.query['n']);
    const sig = rec.query['sig'] ?? '';
    if (!Number.isFinite(exp) || !Number.isFinite(n) || sig !== sign(id, exp, n)) {
      sendBody(res, 403, s3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'), 'application/xml');
      return;
    }
    if (exp * 1000 <= Date.now() || n <= revokedUpTo) {
      return sendBody(
        res,
        403,
        s3Error('AccessDenied', 'Request has expired', { Expires: new Date(exp * 1000).toISOString(), ServerTime: new Date().toISOString() }),
        'application/xml',
      );
    }
    const task = tasks.get(id);
    if (!task || task.deleted || task.terminal !== 'SUCCEEDED') {
      sendBody(res, 404, s3Error('NoSuchKey', 'The specified key does not exist.'), 'application/xml');
      return;
    }
    await task.render;
    const size = (await stat(task.outputPath)).size;
    const headers = {
      'content-type': 'video/mp4',
      'content-length': String(size),
      'accept-ranges': 'none',
      etag: `"${createHmac('md5', secret).update(id).digest('hex')}"`,
      'cache-control': 'private, max-age=86400',
    };
    if (req.method === 'HEAD') {
      res.writeHead(200, headers);
      res.end();
      return;
    }
    res.writeHead(200, headers);
    await new Promise<void>((resolve) => {
      const stream = createReadStream(task.outputPath);
      stream.on('error', () => {
        res.destroy();
        resolve();
      });
      res.on('close', () => {
        stream.destroy();
        resolve();
      });
      stream.pipe(res);
    });
  };

  const control = (rec: RecordedRequest, res: ServerResponse): void => {
    if (rec.path === '/__emulator/runway/next-task' && rec.method === 'POST') {
      const body = (rec.json ?? {}) as TaskScript & { count?: number };
      const { count, ...shape } = body;
      emulator.script.nextTask(shape, count ?? 1);
      sendJson(res, 200, { queued: scriptQueue.length });
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
  };

  const handler = async (req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): Promise<void> => {
    const { path, method } = rec;
    if (path.startsWith('/__emulator/')) {
      control(rec, res);
      return;
    }
    if (method === 'POST' && path.startsWith('/uploads/')) return receiveUpload(path.slice('/uploads/'.length), req, rec, res);
    if ((method === 'GET' || method === 'HEAD') && path.startsWith('/outputs/')) {
      return serveOutput(decodeURIComponent(path.slice('/outputs/'.length)), req, rec, res);
    }
    if (!V1.test(path)) {
      apiError(res, 404, 'Not found');
      return;
    }

    const auth = rec.headers['authorization'];
    if (typeof auth !== 'string' || auth !== `Bearer ${apiKey}`) {
      apiError(res, 401, 'Incorrect or missing API key. Pass `Authorization: Bearer <key>`.');
      return;
    }
    const version = rec.headers['x-runway-version'];
    if (version !== RUNWAY_API_VERSION) {
      apiError(res, 400, `Invalid API version '${String(version ?? '')}': the X-Runway-Version header must be '${RUNWAY_API_VERSION}'`);
      return;
    }

    if (method === 'POST' && path === '/v1/image_to_video') return createTask('image_to_video', rec, res);
    if (method === 'POST' && path === '/v1/text_to_video') return createTask('text_to_video', rec, res);
    const taskMatch = /^\/v1\/tasks\/([^/]+)$/.exec(path);
    if (taskMatch) return handleTask(decodeURIComponent(taskMatch[1]!), rec, res);
    if (method === 'GET' && path === '/v1/organization') {
      sendJson(res, 200, organization());
      return;
    }
    if (method === 'POST' && path === '/v1/uploads') return createUpload(rec, res);
    apiError(res, 404, 'Not found');
    return;
  };

  const base = await startHttpEmulator({
    name: 'runway',
    handler,
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    faultBody: (status) => ({
      error: status === 429 ? DAILY_LIMIT_MESSAGE : status >= 500 ? 'An unexpected error occurred. Please try again.' : `Injected error ${status}`,
    }),
    onReset: () => {
      for (const t of tasks.values()) t.abort.abort(new Error('emulator reset'));
      tasks.clear();
      uploads.clear();
      sourceCache.clear();
      scriptQueue = [];
      defaultScript = undefined;
      revokedUpTo = urlCounter;
    },
  });

  const v1Match = (match?: FaultMatch): FaultMatch => match ?? { path: V1 };
  const inject = (fault: Fault): void => {
    base.faults.inject(fault);
  };

  const script: RunwayScript = {
    nextTask(shape, count = 1) {
      for (let i = 0; i < count; i++) scriptQueue.push({ ...shape });
    },
    allTasks(shape) {
      defaultScript = shape ? { ...shape } : undefined;
    },
    dailyLimit({ times = 1, retryAfterSeconds = 1, match } = {}) {
      inject({
        kind: 'status',
        status: 429,
        body: { error: DAILY_LIMIT_MESSAGE },
        headers: { 'retry-after': String(retryAfterSeconds) },
        times,
        match: match ?? { method: 'POST', path: /^\/v1\/(image_to_video|text_to_video)$/ },
      });
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
      revokedUpTo = urlCounter;
    },
    truncateDownload({ bytes = 1024, times = 1 } = {}) {
      inject({ kind: 'truncate', bytes, times, match: { method: 'GET', path: '/outputs/*' } });
    },
    crashDownload({ bytes, times = 1 } = {}) {
      inject({ kind: 'crash', ...(bytes !== undefined ? { bytes } : {}), times, match: { method: 'GET', path: '/outputs/*' } });
    },
  };

  const baseClose = base.close;
  emulator = Object.assign(base, {
    apiKey,
    workDir,
    tasks,
    script,
    stats(): RunwayStats {
      const creates = base.requests.filter((r) => r.method === 'POST' && CREATE_PATHS.includes(r.path));
      return {
        created: tasks.size,
        createAttempts: creates.length,
        polls: base.requestsTo('GET', '/v1/tasks/:id').length,
        cancels: base.requestsTo('DELETE', '/v1/tasks/:id').length,
        downloads: base.requestsTo('GET', '/outputs/*').length,
        uploads: base.requestsTo('POST', '/v1/uploads').length,
      };
    },
    creditBalance(): number {
      let spent = 0;
      for (const t of tasks.values()) {
        const status = t.terminal ?? (t.cancelled ? 'CANCELLED' : undefined);
        spent += status ? costOf(t, status) : t.request.credits;
      }
      return initialCredits - spent;
    },
    async idle(): Promise<void> {
      while (renders.size > 0) await Promise.allSettled([...renders]);
    },
  }) as RunwayEmulator;

  let closing: Promise<void> | undefined;
  emulator.close = () => {
    closing ??= (async () => {
      for (const t of tasks.values()) t.abort.abort(new Error('emulator closed'));
      await baseClose();
      await emulator.idle();
      if (ownWorkDir) await rm(workDir, { recursive: true, force: true });
    })();
    return closing;
  };
  return emulator;
}
