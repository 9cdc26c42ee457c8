/** Runway's ephemeral uploads: `POST /v1/uploads` hands out a presigned S3-style form, `POST /uploads/:id` receives it. */
import { createHmac, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { type RecordedRequest, sendBody, sendEmpty, sendJson } from '../http.js';
import { AUDIO_MEDIA_TYPES, type GenerationRequest, IMAGE_MEDIA_TYPES, RunwayValidationError } from './models.js';
import { apiError, s3Error } from './replies.js';
import type { RunwayState, Upload } from './types.js';

const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

function guessImageType(filename: string): string | undefined {
  const ext = filename.toLowerCase().split('.').pop();
  return ext === 'png' ? 'image/png' : ext === 'jpg' || ext === 'jpeg' ? 'image/jpeg' : ext === 'webp' ? 'image/webp' : ext === 'gif' ? 'image/gif' : undefined;
}

/** The upload a `runway://ephemeral/<id>/…` URI names. */
export function uploadForUri(state: RunwayState, uri: string): Upload | undefined {
  const m = /^runway:\/\/ephemeral\/([^/]+)\//.exec(uri);
  return m ? state.uploads.get(m[1]!) : undefined;
}

/** Rejects a generation whose `runway://` images or audio are unknown, incomplete, expired or of the wrong kind. */
export function checkUploads(state: RunwayState, req: GenerationRequest): void {
  const images = [
    ...[req.first, req.last].flatMap((ref) =>
      ref ? [{ uri: ref.uri, field: req.body['promptImage'] === ref.uri ? 'promptImage' : `promptImage[${ref.position === 'first' ? 0 : 1}].uri` }] : [],
    ),
    ...(req.references ?? []).map((ref, i) => ({ uri: ref.uri, field: ref.field ?? `referenceImages[${i}].uri` })),
  ];
  for (const { uri, field } of images) checkUpload(state, uri, field, IMAGE_MEDIA_TYPES, 'an image');
  for (const { uri, field } of req.referenceAudio ?? []) checkUpload(state, uri, field, AUDIO_MEDIA_TYPES, 'audio');
}

/** A `runway://` URI names a finished, unexpired upload of the right kind. */
function checkUpload(state: RunwayState, uri: string, field: string, types: ReadonlySet<string>, kind: string): void {
  if (!uri.startsWith('runway://')) return;
  const upload = uploadForUri(state, uri);
  if (!upload?.path) throw new RunwayValidationError(field, 'unknown or incomplete runway:// upload');
  if (Date.now() - upload.createdAt > 24 * 3600_000) throw new RunwayValidationError(field, 'the runway:// upload has expired');
  if (!upload.contentType || !types.has(upload.contentType)) {
    throw new RunwayValidationError(field, `unsupported media type '${upload.contentType ?? 'unknown'}' (expected ${kind})`);
  }
}

/** `POST /v1/uploads`. */
export function createUpload(state: RunwayState, rec: RecordedRequest, res: ServerResponse): void {
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
  state.uploads.set(id, { id, filename, key, createdAt: Date.now() });
  const policy = Buffer.from(JSON.stringify({ expiration: new Date(Date.now() + 3600_000).toISOString(), conditions: [{ key }] })).toString('base64');
  sendJson(res, 200, {
    uploadUrl: `${state.emulator.url}/uploads/${id}`,
    fields: {
      key,
      policy,
      'x-amz-algorithm': 'AWS4-HMAC-SHA256',
      'x-amz-signature': createHmac('sha256', state.secret).update(policy).digest('hex'),
    },
    runwayUri: `runway://${key}`,
  });
}

const xml = (res: ServerResponse, status: number, body: string): void => sendBody(res, status, body, 'application/xml');

/** `POST /uploads/:id`: the multipart form the presigned upload sends. */
export async function receiveUpload(state: RunwayState, id: string, req: IncomingMessage, rec: RecordedRequest, res: ServerResponse): Promise<void> {
  const upload = state.uploads.get(id);
  if (!upload) return xml(res, 404, s3Error('NoSuchUpload', 'The specified upload does not exist.'));
  if (rec.body.length > MAX_UPLOAD_BYTES) return xml(res, 400, s3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.'));
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(rec.body), { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
  } catch {
    return xml(res, 400, s3Error('MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.'));
  }
  if (form.get('key') !== upload.key) {
    return xml(res, 403, s3Error('AccessDenied', 'Invalid according to Policy: Policy Condition failed: ["eq", "$key"]'));
  }
  const file = form.get('file');
  if (!file || typeof file === 'string') return xml(res, 400, s3Error('InvalidArgument', 'POST requires exactly one file upload per request.'));
  const data = Buffer.from(await file.arrayBuffer());
  const path = join(state.workDir, 'uploads', `${id}-${upload.filename}`);
  await writeFile(path, data);
  upload.path = path;
  upload.size = data.length;
  upload.contentType = (file.type && file.type !== 'application/octet-stream' ? file.type : guessImageType(upload.filename)) ?? 'application/octet-stream';
  sendEmpty(res, 204);
}
