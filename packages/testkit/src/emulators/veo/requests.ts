/** Request parsing of the Veo emulator: routes, authentication, input images and the submit body. */
import type { IncomingMessage } from 'node:http';
import type { RecordedRequest } from '../http.js';
import { HttpError, isObject } from './errors.js';
import { parseInputVideo } from './extension.js';
import { parseGsUri } from './gcs.js';
import { decodeImage } from './media-inputs.js';
import { EXTENSION_SECONDS, REFERENCE_DURATION_SECONDS, type VeoAspectRatio, type VeoModelSpec, type VeoResolution } from './models.js';
import { parseReferenceImages } from './references.js';
import type { RenderImage } from './render.js';
import type { ParsedRequest, RouteMatch, VeoState } from './types.js';

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
  if (inst['mask'] !== undefined) throw new HttpError(400, 'instances[0].mask is not supported by the ttv emulator.');
  const prompt = inst['prompt'];
  if (prompt !== undefined && typeof prompt !== 'string') throw new HttpError(400, 'instances[0].prompt must be a string.');
  if (!prompt && inst['image'] === undefined && inst['video'] === undefined) throw new HttpError(400, 'A prompt, an image or a video is required.');
  if (inst['image'] !== undefined && inst['video'] !== undefined)
    throw new HttpError(400, 'image and video cannot both be set: a video is extended, an image animated.');
  return { inst, params, prompt };
}

type Shape = Pick<ParsedRequest, 'durationSeconds' | 'aspectRatio' | 'resolution' | 'sampleCount'>;

/** What a request does: its durations, ratios and resolutions differ (extension: 7 s at 720p; references: 8 s at 16:9). */
export type Feature = 'text_to_video' | 'video_extension' | 'reference_to_video';

function featureLimits(
  spec: VeoModelSpec,
  feature: Feature,
): { durations: readonly number[]; aspectRatios: readonly VeoAspectRatio[]; resolutions: readonly VeoResolution[] } {
  if (feature === 'video_extension') return { durations: [EXTENSION_SECONDS], aspectRatios: spec.aspectRatios, resolutions: ['720p'] };
  if (feature === 'reference_to_video') return { durations: [REFERENCE_DURATION_SECONDS], aspectRatios: ['16:9'], resolutions: spec.resolutions };
  return spec;
}

/** durationSeconds, aspectRatio, resolution, sampleCount and seed against the model's spec for the feature used. */
function parseShape(spec: VeoModelSpec, params: Record<string, unknown>, feature: Feature): Shape {
  const limits = featureLimits(spec, feature);
  const durationSeconds = params['durationSeconds'] ?? Math.max(...limits.durations);
  if (typeof durationSeconds !== 'number' || !Number.isInteger(durationSeconds) || !limits.durations.includes(durationSeconds)) {
    throw new HttpError(
      400,
      `Unsupported output video duration ${String(durationSeconds)} seconds for ${spec.id}, supported durations are [${limits.durations.join(',')}] for feature ${feature}.`,
    );
  }
  const aspectRatio = params['aspectRatio'] ?? '16:9';
  if (typeof aspectRatio !== 'string' || !limits.aspectRatios.includes(aspectRatio as VeoAspectRatio)) {
    throw new HttpError(400, `Unsupported aspect ratio ${String(aspectRatio)} for ${spec.id} (${feature}). Supported: ${limits.aspectRatios.join(', ')}.`);
  }
  const resolution = params['resolution'] ?? '720p';
  if (typeof resolution !== 'string' || !limits.resolutions.includes(resolution as VeoResolution)) {
    throw new HttpError(400, `Unsupported resolution ${String(resolution)} for ${spec.id} (${feature}). Supported: ${limits.resolutions.join(', ')}.`);
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
export async function parseSubmit(state: VeoState, spec: VeoModelSpec, body: unknown): Promise<{ request: ParsedRequest; lastFrameUnsupported: boolean }> {
  const { inst, params, prompt } = splitBody(body);
  const referenceImages = parseReferenceImages(state, spec, inst, prompt);
  const feature: Feature = inst['video'] !== undefined ? 'video_extension' : referenceImages ? 'reference_to_video' : 'text_to_video';
  const shape = parseShape(spec, params, feature);
  const video = inst['video'] === undefined ? undefined : await parseInputVideo(state, spec, inst['video']);
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
      ...(video ? { video } : {}),
      ...(referenceImages ? { referenceImages } : {}),
      ...shape,
      generateAudio,
      ...(storageUri !== undefined ? { storageUri } : {}),
    },
    lastFrameUnsupported,
  };
}
