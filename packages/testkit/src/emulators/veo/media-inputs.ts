/** The media fields of a submit body (`image`, `lastFrame`, `video`, reference images): inline base64 or a gs:// object. */
import { HttpError, isObject } from './errors.js';
import { parseGsUri } from './gcs.js';
import { type ImageKind, type RenderImage, sniffImage } from './render.js';
import type { VeoState } from './types.js';

const MIME_BY_KIND: Record<ImageKind, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/** The bytes of a media field (`image`, `lastFrame`, `video`, a reference's `image`): inline base64 or a gs:// object of the emulator's buckets. */
export function mediaBytes(state: VeoState, value: Record<string, unknown>, field: string): Buffer {
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
export function decodeImage(state: VeoState, value: unknown, field: string): RenderImage {
  if (!isObject(value)) throw new HttpError(400, `${field} must be an object with bytesBase64Encoded or gcsUri.`);
  const mimeType = value['mimeType'];
  const data = mediaBytes(state, value, field);
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
