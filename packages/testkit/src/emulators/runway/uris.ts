/** The Runway emulator's 400 error and its checks of input URIs (images and audio: data URIs, https URLs, uploads). */

export const MAX_DATA_URI_BYTES = 5 * 1024 * 1024;
export const MAX_URL_LENGTH = 2048;
export const IMAGE_MEDIA_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/jpg', 'image/png', 'image/webp']);
/** Audio the API takes (docs.dev.runwayml.com/assets/inputs: MP3, AAC, FLAC, PCM/WAV, ALAC). */
export const AUDIO_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'audio/mpeg',
  'audio/mp3',
  'audio/wav',
  'audio/x-wav',
  'audio/wave',
  'audio/aac',
  'audio/mp4',
  'audio/flac',
  'audio/x-flac',
]);

/** A 400 reply of the emulated API. */
export class RunwayValidationError extends Error {
  constructor(
    readonly field: string,
    detail?: string,
  ) {
    super(detail ? `Invalid parameter '${field}': ${detail}` : `Invalid parameter '${field}'`);
    this.name = 'RunwayValidationError';
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkDataUri(uri: string, field: string, kind: 'image' | 'audio'): string {
  const m = /^data:([^;,]*)((?:;[^;,]*)*),/.exec(uri);
  if (!m?.[1])
    throw new RunwayValidationError(field, `data URIs must carry a media type, e.g. data:${kind === 'image' ? 'image/png' : 'audio/mp3'};base64,...`);
  const mediaType = m[1].toLowerCase();
  const types = kind === 'image' ? IMAGE_MEDIA_TYPES : AUDIO_MEDIA_TYPES;
  if (!types.has(mediaType)) {
    const expected = kind === 'image' ? 'image/jpeg, image/png or image/webp' : 'an audio type such as audio/mpeg or audio/wav';
    throw new RunwayValidationError(field, `unsupported media type '${mediaType}' (expected ${expected})`);
  }
  if (!/;base64$/i.test(m[2] ?? '')) throw new RunwayValidationError(field, 'data URIs must be base64-encoded');
  if (uri.length > MAX_DATA_URI_BYTES) {
    throw new RunwayValidationError(field, `data URI is ${uri.length} bytes; the limit is ${MAX_DATA_URI_BYTES} bytes (use an ephemeral upload)`);
  }
  return uri;
}

/** An image (default) or audio URI as the API takes it, or a 400 naming the field. */
export function checkUri(uri: unknown, field: string, kind: 'image' | 'audio' = 'image'): string {
  if (typeof uri !== 'string' || uri.length === 0) throw new RunwayValidationError(field, 'expected a non-empty string');
  if (uri.startsWith('data:')) return checkDataUri(uri, field, kind);
  if (uri.startsWith('runway://')) return uri;
  if (uri.startsWith('https://')) {
    if (uri.length > MAX_URL_LENGTH) throw new RunwayValidationError(field, `URL longer than ${MAX_URL_LENGTH} characters`);
    try {
      new URL(uri);
    } catch {
      throw new RunwayValidationError(field, 'malformed URL');
    }
    return uri;
  }
  throw new RunwayValidationError(field, 'expected an https:// URL, a data URI or a runway:// upload URI');
}
