/**
 * A loopback emulator of Google Veo on Vertex AI (`:predictLongRunning` / `:fetchPredictOperation`, project
 * and express-mode routes) plus the Cloud Storage JSON API subset that Veo's `storageUri` output and
 * `@google-cloud/storage` need. Videos are real MP4s rendered with ffmpeg (see render.ts).
 *
 * Point the real clients at it:
 * - genai: `new GoogleGenAI({ vertexai: true, project, location, apiVersion: 'v1', httpOptions: { baseUrl: emu.url },
 *   googleAuthOptions: { authClient } })` (an OAuth2Client holding the access token, default `fake`), or express
 *   mode `new GoogleGenAI({ vertexai: true, apiKey, apiVersion: 'v1', httpOptions: { baseUrl: emu.url } })`.
 * - storage: `new Storage({ apiEndpoint: emu.url, projectId })`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault } from '../faults.js';
import { type EmulatorServer, type RecordedRequest, sendJson, startHttpEmulator } from '../http.js';
import { createGcsHandler, InMemoryBuckets, parseGsUri } from './gcs.js';
import { FRAME_INTERPOLATION_NOT_ALLOWLISTED, outputSize, VEO_MODELS, type VeoAspectRatio, type VeoModelSpec, type VeoResolution } from './models.js';
import { type ImageKind, type RenderImage, renderVeoVideo, sniffImage } from './render.js';

export const GENERATE_VIDEO_RESPONSE_TYPE = 'type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse';

/** Where a `lastFrame` request to a model without frame interpolation is rejected. */
export type LastFrameRejection = 'submit' | 'operation';

export interface VeoEmulatorOptions {
  project?: string;
  location?: string;
  /** The express-mode API key (`x-goog-api-key`). Unset: any non-empty key is accepted. */
  apiKey?: string;
  /** The accepted `Authorization: Bearer` token (default `fake`). */
  accessToken?: string;
  /** Real milliseconds from submit until the operation reports done (default 1500). */
  operationDurationMs?: number;
  /** Divides the output size (1280×720 at scale 8 → 160×90), keeping even dimensions (default 1). */
  outputScale?: number;
  port?: number;
  host?: string;
  /** `lastFrame` on a model without it: HTTP 400 FAILED_PRECONDITION on submit (default), or an operation error. */
  lastFrameRejection?: LastFrameRejection;
  /** How many ffmpeg renders may run at once (default 2); more submits queue. */
  renderConcurrency?: number;
  /** Allow `personGeneration: "allow_all"` (an allowlisted project); otherwise 403 PERMISSION_DENIED. */
  allowAllPersonGeneration?: boolean;
}

/** Scripted outcome of the next created operation (consumed in order, one per accepted submit). */
export interface VeoOperationScript {
  /** Drop `count` samples for safety reasons (`raiMediaFilteredCount`/`raiMediaFilteredReasons`, fewer videos). */
  raiFiltered?: { count: number; reasons?: string[] };
  /** End the operation with `done: true` and this error (gRPC code, e.g. 3 INVALID_ARGUMENT, 13 INTERNAL). */
  error?: { code: number; message: string; details?: unknown[] };
  /** The operation is done on this poll (1 = the first poll), regardless of time. */
  pollsUntilDone?: number;
  /** With `storageUri`: report the `gcsUri` but never write the object. */
  missingOutputObject?: boolean;
}

export interface VeoStats {
  /** `:predictLongRunning` requests handled (including ones rejected with 4xx; not ones taken by a fault). */
  submits: number;
  /** `:fetchPredictOperation` requests handled. */
  polls: number;
  /** Objects written through the GCS upload routes (not Veo's own output writes). */
  uploads: number;
  /** GCS media downloads served. */
  downloads: number;
  /** GCS object DELETE requests handled. */
  deletes: number;
}

export interface VeoScript {
  nextOperation(...scripts: VeoOperationScript[]): void;
  /** Switches where `lastFrame` on a model without frame interpolation is rejected. */
  lastFrameRejection(mode: LastFrameRejection): void;
  /** Pending operation scripts. */
  pending(): VeoOperationScript[];
  clear(): void;
}

export interface VeoOperationState {
  name: string;
  model: string;
  polls: number;
  done: boolean;
  createdAt: number;
}

export interface VeoEmulator extends EmulatorServer {
  project: string;
  location: string;
  buckets: InMemoryBuckets;
  script: VeoScript;
  stats(): VeoStats;
  operations(): VeoOperationState[];
}

/** gRPC status names by HTTP status, for Google's JSON error shape. */
const STATUS_BY_HTTP: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function googleErrorBody(
  code: number,
  message: string,
  status = STATUS_BY_HTTP[code] ?? 'UNKNOWN',
): { error: { code: number; message: string; status: string } } {
  return { error: { code, message, status } };
}

function sendGoogleError(res: ServerResponse, code: number, message: string, status?: string): void {
  sendJson(res, code, googleErrorBody(code, message, status));
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status?: string,
  ) {
    super(message);
  }
}

const MIME_BY_KIND: Record<ImageKind, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

// ---- fault helpers ----------------------------------------------------------------------------------------

export const VEO_SUBMIT_PATH = /:predictLongRunning$/;
export const VEO_POLL_PATH = /:fetchPredictOperation$/;
/** GCS object paths (metadata and media; faults match paths without the query). */
export const GCS_OBJECT_PATH = /^\/(?:download\/storage\/v1\/|storage\/v1\/)?b\/[^/]+\/o\/.+$/;
export const GCS_UPLOAD_PATH = /^\/upload\/storage\/v1\/b\/[^/]+\/o\/?$/;

type Target = 'submit' | 'poll';
const pathOf = (t: Target): RegExp => (t === 'submit' ? VEO_SUBMIT_PATH : VEO_POLL_PATH);

/** Ready-made faults for `emulator.faults.inject(...)`. */
export const veoFaults = {
  /** 429 RESOURCE_EXHAUSTED on submit (per-minute quota). */
  quotaExceeded(times = 1, model = 'veo-3.1-generate'): Fault {
    return {
      kind: 'status',
      status: 429,
      times,
      match: { method: 'POST', path: VEO_SUBMIT_PATH },
      body: googleErrorBody(
        429,
        `Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model with base model: ${model}. Please submit a quota increase request. https://cloud.google.com/vertex-ai/docs/generative-ai/quotas-genai.`,
      ),
    };
  },
  /** A 5xx (default 503 UNAVAILABLE) on submit or poll. */
  serverError(target: Target = 'submit', status = 503, times = 1): Fault {
    return {
      kind: 'status',
      status,
      times,
      match: { method: 'POST', path: pathOf(target) },
      body: googleErrorBody(status, status === 503 ? 'The service is currently unavailable.' : 'Internal error encountered.'),
    };
  },
  /** 403 PERMISSION_DENIED on submit (missing IAM permission / not allowlisted). */
  permissionDenied(message = "Permission 'aiplatform.endpoints.predict' denied on resource (or it may not exist).", times = 1): Fault {
    return { kind: 'status', status: 403, times, match: { method: 'POST', path: VEO_SUBMIT_PATH }, body: googleErrorBody(403, message) };
  },
  /** Waits `ms` before handling a submit or poll. */
  slow(target: Target, ms: number, times = 1): Fault {
    return { kind: 'delay', ms, times, match: { method: 'POST', path: pathOf(target) } };
  },
  /** Destroys the connection without a reply. */
  connectionReset(target: Target = 'submit', times = 1): Fault {
    return { kind: 'reset', times, match: { method: 'POST', path: pathOf(target) } };
  },
  /** The next GCS object GET (a download) ends after `bytes` body bytes although Content-Length promised more. */
  truncatedDownload(bytes = 1024, times = 1): Fault {
    return { kind: 'truncate', bytes, times, match: { method: 'GET', path: GCS_OBJECT_PATH } };
  },
  /** A GCS upload request answered with `status`. */
  uploadError(status = 503, times = 1): Fault {
    return {
      kind: 'status',
      status,
      times,
      match: { path: GCS_UPLOAD_PATH },
      body: { error: { code: status, message: 'Backend Error', errors: [{ reason: 'backendError', message: 'Backend Error' }] } },
    };
  },
} as const;

// ---- request parsing ----------------------------------------------------------------------------------------

interface RouteMatch {
  version: string;
  project?: string;
  location?: string;
  model: string;
  verb: string;
}

function matchVeoRoute(path: string): RouteMatch | undefined {
  const m = /^\/(v1|v1beta1)\/(?:projects\/([^/]+)\/locations\/([^/]+)\/)?publishers\/google\/models\/([^/:]+):([A-Za-z]+)$/.exec(path);
  if (!m) return undefined;
  return {
    version: m[1]!,
    ...(m[2] ? { project: decodeURIComponent(m[2]) } : {}),
    ...(m[3] ? { location: decodeURIComponent(m[3]) } : {}),
    model: decodeURIComponent(m[4]!),
    verb: m[5]!,
  };
}

interface ParsedRequest {
  prompt?: string;
  image?: RenderImage;
  lastFrame?: RenderImage;
  durationSeconds: number;
  aspectRatio: VeoAspectRatio;
  resolution: VeoResolution;
  sampleCount: number;
  generateAudio: boolean;
  storageUri?: string;
}

interface Operation {
  name: string;
  id: string;
  model: string;
  createdAt: number;
  polls: number;
  script: VeoOperationScript;
  request: ParsedRequest;
  render?: Promise<{ video?: Buffer; error?: string }>;
  rendered: boolean;
  final?: Record<string, unknown>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startVeoEmulator(options: VeoEmulatorOptions = {}): Promise<VeoEmulator> {
  const project = options.project ?? 'test-project';
  const location = options.location ?? 'us-central1';
  const accessToken = options.accessToken ?? 'fake';
  const operationDurationMs = options.operationDurationMs ?? 1500;
  const outputScale = options.outputScale ?? 1;
  if (!(outputScale >= 1)) throw new RangeError(`outputScale must be >= 1 (got ${outputScale})`);
  let lastFrameRejection: LastFrameRejection = options.lastFrameRejection ?? 'submit';

  const buckets = new InMemoryBuckets();
  const counters: VeoStats = { submits: 0, polls: 0, uploads: 0, downloads: 0, deletes: 0 };
  const handleGcs = createGcsHandler(buckets, counters);
  const operations = new Map<string, Operation>();
  let scripts: VeoOperationScript[] = [];
  const pendingRenders = new Set<Promise<unknown>>();
  const renderSlots = Math.max(1, options.renderConcurrency ?? 2);
  let activeRenders = 0;
  const waiting: Array<() => void> = [];
  const withRenderSlot = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (activeRenders >= renderSlots) await new Promise<void>((resolve) => waiting.push(resolve));
    activeRenders++;
    try {
      return await fn();
    } finally {
      activeRenders--;
      waiting.shift()?.();
    }
  };

  const resourceName = (route: RouteMatch): string =>
    route.project !== undefined
      ? `projects/${route.project}/locations/${route.location}/publishers/google/models/${route.model}`
      : `publishers/google/models/${route.model}`;

  const checkAuth = (req: IncomingMessage, rec: RecordedRequest): void => {
    const key = req.headers['x-goog-api-key'] ?? rec.query['key'];
    const authz = req.headers.authorization;
    if (typeof key === 'string' && key.length > 0) {
      if (options.apiKey !== undefined && key !== options.apiKey) {
        throw new HttpError(403, 'API key not valid. Please pass a valid API key.', 'PERMISSION_DENIED');
      }
      return;
    }
    if (typeof authz === 'string' && /^Bearer\s+/i.test(authz)) {
      if (authz.replace(/^Bearer\s+/i, '').trim() !== accessToken) {
        throw new HttpError(
          401,
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
        );
      }
      return;
    }
    throw new HttpError(
      401,
      'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    );
  };

  const decodeImage = (value: unknown, field: string): RenderImage => {
    if (!isObject(value)) throw new HttpError(400, `${field} must be an object with bytesBase64Encoded or gcsUri.`);
    const mimeType = value['mimeType'];
    let data: Buffer;
    if (typeof value['bytesBase64Encoded'] === 'string') {
      const b64 = value['bytesBase64Encoded'];
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64.replace(/\s+/g, ''))) throw new HttpError(400, `${field}.bytesBase64Encoded is not valid base64.`);
      data = Buffer.from(b64, 'base64');
      if (typeof mimeType !== 'string' || !mimeType) throw new HttpError(400, `${field}.mimeType is required with bytesBase64Encoded.`);
    } else if (typeof value['gcsUri'] === 'string') {
      const uri = value['gcsUri'];
      if (!parseGsUri(uri)?.name) throw new HttpError(400, `${field}.gcsUri is not a valid gs:// object URI: ${uri}`);
      const obj = buckets.getUri(uri);
      if (!obj) throw new HttpError(404, `The object ${uri} does not exist or the service account has no access to it.`, 'NOT_FOUND');
      data = obj.data;
    } else {
      throw new HttpError(400, `${field} must have bytesBase64Encoded or gcsUri.`);
    }
    if (data.length === 0) throw new HttpError(400, `${field} is empty.`);
    const kind = sniffImage(data);
    if (!kind) throw new HttpError(400, `Unable to decode ${field}: the bytes are not a PNG, JPEG or WebP image.`);
    if (typeof mimeType === 'string' && mimeType) {
      if (!Object.values(MIME_BY_KIND).includes(mimeType))
        throw new HttpError(400, `${field}.mimeType ${mimeType} is not supported. Use image/png, image/jpeg or image/webp.`);
      if (MIME_BY_KIND[kind] !== mimeType) {
        throw new HttpError(400, `${field}.mimeType is ${mimeType} but the bytes are ${MIME_BY_KIND[kind]}.`);
      }
    }
    return { data, kind };
  };

  /** Validates a submit body. Returns the parsed request and whether lastFrame is unsupported by the model. */
  const parseSubmit = (spec: VeoModelSpec, body: unknown): { request: ParsedRequest; lastFrameUnsupported: boolean } => {
    if (!isObject(body)) throw new HttpError(400, 'Invalid JSON payload: expected an object with instances and parameters.');
    const instances = body['instances'];
    if (!Array.isArray(instances) || instances.length === 0) throw new HttpError(400, 'instances must be a non-empty list.');
    if (instances.length > 1) throw new HttpError(400, 'Only one instance is supported per request.');
    const inst = instances[0];
    if (!isObject(inst)) throw new HttpError(400, 'instances[0] must be an object.');
    const params = body['parameters'] === undefined ? {} : body['parameters'];
    if (!isObject(params)) throw new HttpError(400, 'parameters must be an object.');
    for (const unsupported of ['video', 'mask']) {
      if (inst[unsupported] !== undefined) throw new HttpError(400, `instances[0].${unsupported} is not supported by the ttv emulator.`);
    }
    const prompt = inst['prompt'];
    if (prompt !== undefined && typeof prompt !== 'string') throw new HttpError(400, 'instances[0].prompt must be a string.');
    if (!prompt && inst['image'] === undefined) throw new HttpError(400, 'A prompt or an image is required.');

    const durationSeconds = params['durationSeconds'] ?? 8;
    if (typeof durationSeconds !== 'number' || !Number.isInteger(durationSeconds) || !spec.durations.includes(durationSeconds)) {
      throw new HttpError(
        400,
        `Unsupported output video duration ${String(durationSeconds)} seconds for ${spec.id}, supported durations are [${spec.durations.join(',')}] for feature text_to_video.`,
      );
    }
    const aspectRatio = params['aspectRatio'] ?? '16:9';
    if (typeof aspectRatio !== 'string' || !spec.aspectRatios.includes(aspectRatio as VeoAspectRatio)) {
      throw new HttpError(400, `Unsupported aspect ratio ${String(aspectRatio)} for ${spec.id}. Supported: ${spec.aspectRatios.join(', ')}.`);
    }
    const resolution = params['resolution'] ?? '720p';
    if (typeof resolution !== 'string' || !spec.resolutions.includes(resolution as VeoResolution)) {
      throw new HttpError(400, `Unsupported resolution ${String(resolution)} for ${spec.id}. Supported: ${spec.resolutions.join(', ')}.`);
    }
    const sampleCount = params['sampleCount'] ?? 1;
    if (typeof sampleCount !== 'number' || !Number.isInteger(sampleCount) || sampleCount < 1 || sampleCount > 4) {
      throw new HttpError(400, `sampleCount must be an integer from 1 to 4 (got ${String(sampleCount)}).`);
    }
    const seed = params['seed'];
    if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 4294967295)) {
      throw new HttpError(400, `seed must be an integer from 0 to 4294967295 (got ${String(seed)}).`);
    }
    const generateAudio = params['generateAudio'] ?? false;
    if (typeof generateAudio !== 'boolean') throw new HttpError(400, 'generateAudio must be a boolean.');
    if (generateAudio && !spec.audio) throw new HttpError(400, `generateAudio is not supported by ${spec.id}.`);
    const personGeneration = params['personGeneration'];
    if (personGeneration !== undefined && !['allow_adult', 'dont_allow', 'allow_all'].includes(String(personGeneration))) {
      throw new HttpError(400, `Invalid personGeneration: ${String(personGeneration)}.`);
    }
    if (personGeneration === 'allow_all' && !options.allowAllPersonGeneration) {
      throw new HttpError(403, 'personGeneration allow_all is an allowlisted feature. Your project is not allowlisted for it.', 'PERMISSION_DENIED');
    }
    const storageUri = params['storageUri'];
    if (storageUri !== undefined && (typeof storageUri !== 'string' || !parseGsUri(storageUri))) {
      throw new HttpError(400, `storageUri must be a gs:// URI (got ${String(storageUri)}).`);
    }
    const image = inst['image'] === undefined ? undefined : decodeImage(inst['image'], 'image');
    let lastFrame: RenderImage | undefined;
    let lastFrameUnsupported = false;
    if (inst['lastFrame'] !== undefined) {
      if (!spec.lastFrame) lastFrameUnsupported = true;
      else {
        if (!image) throw new HttpError(400, 'lastFrame requires image (the first frame).');
        lastFrame = decodeImage(inst['lastFrame'], 'lastFrame');
      }
    }
    return {
      request: {
        ...(prompt ? { prompt } : {}),
        ...(image ? { image } : {}),
        ...(lastFrame ? { lastFrame } : {}),
        durationSeconds,
        aspectRatio: aspectRatio as VeoAspectRatio,
        resolution: resolution as VeoResolution,
        sampleCount,
        generateAudio,
        ...(typeof storageUri === 'string' ? { storageUri } : {}),
      },
      lastFrameUnsupported,
    };
  };

  const startRender = (op: Operation): void => {
    const { request } = op;
    const size = outputSize(request.aspectRatio, request.resolution, outputScale);
    const promise = withRenderSlot(() =>
      renderVeoVideo({
        ...size,
        durationSeconds: request.durationSeconds,
        ...(request.image ? { image: request.image } : {}),
        ...(request.lastFrame ? { lastFrame: request.lastFrame } : {}),
        audio: request.generateAudio,
      }),
    ).then(
      (video) => ({ video }),
      (error: unknown) => ({ error: (error as Error)?.message ?? String(error) }),
    );
    op.render = promise;
    pendingRenders.add(promise);
    void promise.finally(() => {
      op.rendered = true;
      pendingRenders.delete(promise);
    });
  };

  const submit = (res: ServerResponse, route: RouteMatch, spec: VeoModelSpec, rec: RecordedRequest): void => {
    counters.submits++;
    if (rec.json === undefined && rec.body.length > 0) throw new HttpError(400, 'Invalid JSON payload received.');
    const { request, lastFrameUnsupported } = parseSubmit(spec, rec.json);
    if (lastFrameUnsupported && lastFrameRejection === 'submit') {
      throw new HttpError(400, FRAME_INTERPOLATION_NOT_ALLOWLISTED, 'FAILED_PRECONDITION');
    }
    const script: VeoOperationScript = { ...(scripts.shift() ?? {}) };
    if (lastFrameUnsupported) script.error ??= { code: 9, message: FRAME_INTERPOLATION_NOT_ALLOWLISTED };
    const id = randomUUID();
    const name = `${resourceName(route)}/operations/${id}`;
    const op: Operation = { name, id, model: route.model, createdAt: Date.now(), polls: 0, script, request, rendered: false };
    operations.set(name, op);
    const filteredAll = (script.raiFiltered?.count ?? 0) >= request.sampleCount;
    if (!script.error && !filteredAll) startRender(op);
    sendJson(res, 200, { name });
  };

  const complete = async (op: Operation): Promise<Record<string, unknown>> => {
    const { script, request } = op;
    if (script.error) {
      return {
        name: op.name,
        done: true,
        error: { code: script.error.code, message: script.error.message, ...(script.error.details ? { details: script.error.details } : {}) },
      };
    }
    const filtered = Math.min(request.sampleCount, Math.max(0, script.raiFiltered?.count ?? 0));
    const response: Record<string, unknown> = { '@type': GENERATE_VIDEO_RESPONSE_TYPE, raiMediaFilteredCount: filtered };
    if (filtered > 0) {
      response['raiMediaFilteredReasons'] = script.raiFiltered?.reasons ?? [
        "The video couldn't be generated because it may violate Vertex AI's usage guidelines. Support codes: 15236754",
      ];
    }
    const count = request.sampleCount - filtered;
    if (count > 0) {
      const result = op.render ? await op.render : { error: 'no render' };
      if (!result.video)
        return { name: op.name, done: true, error: { code: 13, message: `Internal error while generating the video: ${result.error ?? 'unknown'}` } };
      const videos: Array<Record<string, string>> = [];
      for (let i = 0; i < count; i++) {
        if (request.storageUri) {
          const prefix = request.storageUri.endsWith('/') ? request.storageUri : `${request.storageUri}/`;
          const gcsUri = `${prefix}${op.id.replace(/-/g, '').slice(0, 19)}/sample_${i}.mp4`;
          if (!script.missingOutputObject) buckets.putUri(gcsUri, result.video, { contentType: 'video/mp4' });
          videos.push({ gcsUri, mimeType: 'video/mp4' });
        } else {
          videos.push({ bytesBase64Encoded: result.video.toString('base64'), mimeType: 'video/mp4' });
        }
      }
      response['videos'] = videos;
    }
    return { name: op.name, done: true, response };
  };

  const poll = async (res: ServerResponse, rec: RecordedRequest): Promise<void> => {
    counters.polls++;
    const body = rec.json;
    const operationName = isObject(body) ? body['operationName'] : undefined;
    if (typeof operationName !== 'string' || !operationName) throw new HttpError(400, 'operationName is required.');
    const op = operations.get(operationName);
    if (!op) throw new HttpError(404, `Operation ${operationName} not found.`, 'NOT_FOUND');
    op.polls++;
    if (op.final) {
      sendJson(res, 200, op.final);
      return;
    }
    // Time-based: done once the duration has passed and the video exists (big renders take seconds).
    // Poll-count-based: done on exactly that poll, waiting for the render if needed.
    const due =
      op.script.pollsUntilDone !== undefined
        ? op.polls >= op.script.pollsUntilDone
        : Date.now() - op.createdAt >= operationDurationMs && (op.render === undefined || op.rendered);
    if (!due) {
      sendJson(res, 200, { name: op.name, done: false });
      return;
    }
    op.final = await complete(op);
    sendJson(res, 200, op.final);
  };

  const handler = async (req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): Promise<void> => {
    try {
      if (handleGcs(req, res, rec)) return;
      const route = matchVeoRoute(rec.path);
      if (!route) throw new HttpError(404, `The requested URL ${rec.path} was not found on this server.`, 'NOT_FOUND');
      if (rec.method !== 'POST') throw new HttpError(405, `Method ${rec.method} not allowed.`, 'INVALID_ARGUMENT');
      checkAuth(req, rec);
      if (route.project !== undefined && (route.project !== project || route.location !== location)) {
        throw new HttpError(
          403,
          `Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/${resourceName(route)}' (or it may not exist).`,
          'PERMISSION_DENIED',
        );
      }
      const spec = VEO_MODELS[route.model];
      if (!spec) throw new HttpError(404, `Publisher Model \`${resourceName(route)}\` was not found or your project does not have access to it.`, 'NOT_FOUND');
      if (route.version === 'v1beta1' && spec.id.startsWith('veo-3.1-')) {
        throw new HttpError(400, `Request contains an invalid argument: RESOURCE_PROJECT_INVALID (${spec.id} is served on v1; set apiVersion: 'v1').`);
      }
      if (route.verb === 'predictLongRunning') {
        submit(res, route, spec, rec);
        return;
      }
      if (route.verb === 'fetchPredictOperation') {
        await poll(res, rec);
        return;
      }
      throw new HttpError(404, `Method ${route.verb} not found for ${spec.id}.`, 'NOT_FOUND');
    } catch (error) {
      if (error instanceof HttpError) {
        sendGoogleError(res, error.code, error.message, error.status);
        return;
      }
      throw error;
    }
  };

  const server = await startHttpEmulator({
    name: 'veo',
    handler,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.host !== undefined ? { host: options.host } : {}),
    faultBody: (status) => googleErrorBody(status, status === 429 ? 'Resource has been exhausted (e.g. check quota).' : `Injected HTTP ${status}.`),
    onReset: () => {
      operations.clear();
      scripts = [];
      buckets.clear();
      lastFrameRejection = options.lastFrameRejection ?? 'submit';
      for (const k of Object.keys(counters) as Array<keyof VeoStats>) counters[k] = 0;
    },
  });

  const baseClose = server.close;
  const emulator = server as VeoEmulator;
  emulator.close = async () => {
    await baseClose();
    // Let running ffmpeg processes finish so that no temp files are left behind.
    await Promise.race([Promise.allSettled([...pendingRenders]), sleep(30_000)]);
  };
  emulator.project = project;
  emulator.location = location;
  emulator.buckets = buckets;
  emulator.stats = () => ({ ...counters });
  emulator.operations = () =>
    [...operations.values()].map((op) => ({ name: op.name, model: op.model, polls: op.polls, done: op.final !== undefined, createdAt: op.createdAt }));
  emulator.script = {
    nextOperation(...s) {
      scripts.push(...s.map((x) => ({ ...x })));
    },
    lastFrameRejection(mode) {
      lastFrameRejection = mode;
    },
    pending: () => scripts.map((s) => ({ ...s })),
    clear() {
      scripts = [];
    },
  };
  return emulator;
}
