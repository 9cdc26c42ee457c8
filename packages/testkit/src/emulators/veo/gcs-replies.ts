/** Replies shared by the Cloud Storage modules: object resources and Google's JSON errors. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http.js';
import type { StoredObject } from './gcs.js';

export function baseUrlOf(req: IncomingMessage): string {
  return `http://${req.headers.host ?? '127.0.0.1'}`;
}

export function objectJson(obj: StoredObject, baseUrl: string): Record<string, unknown> {
  const enc = encodeURIComponent(obj.name);
  return {
    kind: 'storage#object',
    id: `${obj.bucket}/${obj.name}/${obj.generation}`,
    selfLink: `${baseUrl}/storage/v1/b/${obj.bucket}/o/${enc}`,
    mediaLink: `${baseUrl}/download/storage/v1/b/${obj.bucket}/o/${enc}?generation=${obj.generation}&alt=media`,
    name: obj.name,
    bucket: obj.bucket,
    generation: obj.generation,
    metageneration: obj.metageneration,
    contentType: obj.contentType,
    storageClass: 'STANDARD',
    size: String(obj.data.length),
    md5Hash: obj.md5Hash,
    crc32c: obj.crc32c,
    etag: `${obj.generation}`,
    timeCreated: obj.created,
    updated: obj.created,
    ...(obj.metadata ? { metadata: obj.metadata } : {}),
  };
}

/** Google's JSON error body for GCS. */
export function gcsError(res: ServerResponse, code: number, message: string): void {
  const reason = code === 404 ? 'notFound' : code === 400 ? 'invalid' : code === 403 ? 'forbidden' : 'backendError';
  sendJson(res, code, { error: { code, message, errors: [{ message, domain: 'global', reason }] } });
}
