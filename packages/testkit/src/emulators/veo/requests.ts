/** Request parsing of the Veo emulator: routes, authentication, input images and the submit body. */
import type { IncomingMessage } from 'node:http';
import type { RecordedRequest } from '../http.js';
import { HttpError, isObject } from './errors.js';
import { parseGsUri } from './gcs.js';
import type { VeoAspectRatio, VeoModelSpec, VeoResolution } from './models.js';
import { type ImageKind, type RenderImage, sniffImage } from './render.js';
import type { ParsedRequest, RouteMatch, VeoState } from './types.js';

const MIME_BY_KIND: Record<ImageKind, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

export function matchVeoRoute(path: string): RouteMatch | undefined {
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

export const resourceName = (route: RouteMatch): string =>
  route.project !== undefined
    ? `projects/${route.project}/locations/${route.location}/publishers/google/models/${route.model}`
    : `publishers/google/models/${route.model}`;

const MISSING_CREDENTIAL =
  'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
const INVALID_CREDENTIAL =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

/** An express-mode API key (`x-goog-api-key` or `?key=`) or the bearer access token. */
export function checkAuth(state: VeoState, req: IncomingMessage, rec: RecordedRequest): void {
  const key = req.headers['x-goog-api-key'] ?? rec.query['key'];
  const authz = req.headers.authorization;
  if (typeof key === 'string' && key.length > 0) {
    if (state.options.apiKey !== undefined && key !== state.options.apiKey) {
      throw new HttpError(403, 'API key not valid. Please pass a valid API key.', 'PERMISSION_DENIED');
    }
    return;
  }
  if (typeof authz === 'string' && /^Bearer\s+/i.test(authz)) {
    if (authz.replace(/^Bearer\s+/i, '').trim() !== state.accessToken) throw new HttpError(401, INVALID_CREDENTIAL);
    return;
  }
  throw new HttpError(401, MISSING_CREDENTIAL);
}

function imageBytes(state: VeoState, value: Record<string, unknown>, field: string): Buffer {
  const mimeType = value['mimeType'];
  if (typeof value['bytesBase64Encoded'] === 'string') {
    const b64 = value['bytesBase64Encoded'];
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64.replace(/\s+/g, ''))) throw new HttpError(400, `${field}.bytesBase64Encoded is not valid base64.`);
    const data = Buffer.from(b64, 'base64');
    if (typeof mimeType !== 'string' || !mimeType) throw new HttpError(400, `${field}.mimeType is required with bytesBase64Encoded.`);
    return data;
  }
  if (typeof value['gcsUri'] === 'string') {
    const uri = value['gcsUri'];
    if (!parseGsUri(uri)?.name) throw new HttpError(400, `${field}.gcsUri is not a valid gs:// object URI: ${uri}`);
    const obj = state.buckets.getUri(uri);
    if (!obj) throw new HttpError(404, `The object ${uri} does not exist or the service account has no access to it.`, 'NOT_FOUND');
    return obj.data;
  }
  throw new HttpError(400, `${field} must have bytesBase64Encoded or gcsUri.`);
}

/** An `image`/`lastFrame` instance field: inline bytes or a gs:// object, sniffed and checked against its mimeType. */
function decodeImage(state: VeoState, value: unknown, field: string): RenderImage {
  if (!isObject(value)) throw new HttpError(400, `${field} must be an object with bytesBase64Encoded or gcsUri.`);
  const mimeType = value['mimeType'];
  const data = imageBytes(state, value, field);
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
}

/** The single instance of a submit body, and its parameters. */
function splitBody(body: unknown): { inst: Record<string, unknown>; params: Record<string, unknown>; prompt: string | undefined } {
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
  return { inst, params, prompt };
}

type Shape = Pick<ParsedRequest, 'durationSeconds' | 'aspectRatio' | 'resolution' | 'sampleCount'>;

/** durationSeconds, aspectRatio, resolution, sampleCount and seed against the model's spec. */
function parseShape(spec: VeoModelSpec, params: Record<string, unknown>): Shape {
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
  return { durationSeconds, aspectRatio: aspectRatio as VeoAspectRatio, resolution: resolution as VeoResolution, sampleCount };
}

/** generateAudio, personGeneration and storageUri. */
function parseOutputOptions(state: VeoState, spec: VeoModelSpec, params: Record<string, unknown>): { generateAudio: boolean; storageUri?: string } {
  const generateAudio = params['generateAudio'] ?? false;
  if (typeof generateAudio !== 'boolean') throw new HttpError(400, 'generateAudio must be a boolean.');
  if (generateAudio && !spec.audio) throw new HttpError(400, `generateAudio is not supported by ${spec.id}.`);
  const personGeneration = params['personGeneration'];
  if (personGeneration !== undefined && !['allow_adult', 'dont_allow', 'allow_all'].includes(String(personGeneration))) {
    throw new HttpError(400, `Invalid personGeneration: ${String(personGeneration)}.`);
  }
  if (personGeneration === 'allow_all' && !state.options.allowAllPersonGeneration) {
    throw new HttpError(403, 'personGeneration allow_all is an allowlisted feature. Your project is not allowlisted for it.', 'PERMISSION_DENIED');
  }
  const storageUri = params['storageUri'];
  if (storageUri !== undefined && (typeof storageUri !== 'string' || !parseGsUri(storageUri))) {
    throw new HttpError(400, `storageUri must be a gs:// URI (got ${String(storageUri)}).`);
  }
  return { generateAudio, ...(typeof storageUri === 'string' ? { storageUri } : {}) };
}

/** Validates a submit body. Returns the parsed request and whether lastFrame is unsupported by the model. */
export function parseSubmit(state: VeoState, spec: VeoModelSpec, body: unknown): { request: ParsedRequest; lastFrameUnsupported: boolean } {
  const { inst, params, prompt } = splitBody(body);
  const shape = parseShape(spec, params);
  const { generateAudio, storageUri } = parseOutputOptions(state, spec, params);
  const image = inst['image'] === undefined ? undefined : decodeImage(state, inst['image'], 'image');
  let lastFrame: RenderImage | undefined;
  let lastFrameUnsupported = false;
  if (inst['lastFrame'] !== undefined) {
    if (!spec.lastFrame) lastFrameUnsupported = true;
    else {
      if (!image) throw new HttpError(400, 'lastFrame requires image (the first frame).');
      lastFrame = decodeImage(state, inst['lastFrame'], 'lastFrame');
    }
  }
  return {
    request: {
      ...(prompt ? { prompt } : {}),
      ...(image ? { image } : {}),
      ...(lastFrame ? { lastFrame } : {}),
      ...shape,
      generateAudio,
      ...(storageUri !== undefined ? { storageUri } : {}),
    },
    lastFrameUnsupported,
  };
}
