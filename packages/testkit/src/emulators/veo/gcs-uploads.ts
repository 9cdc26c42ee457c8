/**
 * Cloud Storage uploads (`/upload/storage/v1/b/:bucket/o`): `uploadType=multipart`, `media` and `resumable`
 * (session start, chunks with Content-Range, status queries), as `@google-cloud/storage` sends them.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RecordedRequest, sendEmpty, sendJson } from '../http.js';
import type { GcsStats, InMemoryBuckets } from './gcs.js';
import { baseUrlOf, gcsError, objectJson } from './gcs-replies.js';

interface UploadSession {
  bucket: string;
  name: string;
  contentType: string;
  metadata?: Record<string, string>;
  chunks: Buffer[];
  received: number;
}

interface UploadContext {
  buckets: InMemoryBuckets;
  stats: GcsStats;
  sessions: Map<string, UploadSession>;
}

/** Splits a `multipart/related` body into parts (headers + raw bytes). */
function parseMultipart(body: Buffer, contentType: string): Array<{ headers: Record<string, string>; data: Buffer }> {
  const m = /boundary="?([^";]+)"?/i.exec(contentType);
  if (!m?.[1]) throw new Error('multipart body without boundary');
  const delimiter = Buffer.from(`--${m[1]}`);
  const parts: Array<{ headers: Record<string, string>; data: Buffer }> = [];
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    let start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    if (body.subarray(start, start + 2).toString() === '\r\n') start += 2;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    let end = next;
    if (body.subarray(end - 2, end).toString() === '\r\n') end -= 2;
    const part = body.subarray(start, end);
    const sep = part.indexOf('\r\n\r\n');
    const headerText = sep >= 0 ? part.subarray(0, sep).toString('utf8') : '';
    const headers: Record<string, string> = {};
    for (const line of headerText.split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    parts.push({ headers, data: sep >= 0 ? part.subarray(sep + 4) : part });
    pos = next;
  }
  return parts;
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}

function finish(ctx: UploadContext, res: ServerResponse, req: IncomingMessage, session: UploadSession, data: Buffer): void {
  const obj = ctx.buckets.put(session.bucket, session.name, data, {
    contentType: session.contentType,
    ...(session.metadata ? { metadata: session.metadata } : {}),
  });
  ctx.stats.uploads++;
  sendJson(res, 200, objectJson(obj, baseUrlOf(req)));
}

const resumeIncomplete = (res: ServerResponse, session: UploadSession): void =>
  sendEmpty(res, 308, session.received > 0 ? { range: `bytes=0-${session.received - 1}` } : {});

/** A PUT (or POST) to a resumable session: a status query (`bytes *\/N`), a chunk, or the whole body. */
function resumableChunk(ctx: UploadContext, req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): void {
  const id = rec.query['upload_id'] ?? '';
  const session = ctx.sessions.get(id);
  if (!session) {
    gcsError(res, 404, `No such upload session: ${id}`);
    return;
  }
  const range = String(req.headers['content-range'] ?? '');
  // "bytes */N": status query; "bytes a-b/N" or "bytes a-b/*": a chunk; "bytes 0-*/*": everything at once.
  const status = /^bytes \*\/(\d+|\*)$/.exec(range);
  if (status) {
    if (status[1] !== '*' && Number(status[1]) === session.received) {
      ctx.sessions.delete(id);
      finish(ctx, res, req, session, Buffer.concat(session.chunks));
      return;
    }
    resumeIncomplete(res, session);
    return;
  }
  const chunk = /^bytes (\d+)-(\d+|\*)\/(\d+|\*)$/.exec(range);
  if (range && !chunk) {
    gcsError(res, 400, `Invalid Content-Range: ${range}`);
    return;
  }
  const start = chunk ? Number(chunk[1]) : 0;
  if (start !== session.received) {
    // Overlapping resend: keep the bytes we have, take the rest.
    const skip = session.received - start;
    if (skip < 0) {
      gcsError(res, 400, `Content-Range start ${start} beyond received ${session.received}`);
      return;
    }
    session.chunks.push(rec.body.subarray(skip));
  } else {
    session.chunks.push(rec.body);
  }
  session.received = session.chunks.reduce((n, c) => n + c.length, 0);
  const total = chunk?.[3];
  const endKnown = chunk?.[2] !== '*';
  if (!chunk || (total !== undefined && total !== '*' && Number(total) === session.received) || (!endKnown && total === '*')) {
    ctx.sessions.delete(id);
    finish(ctx, res, req, session, Buffer.concat(session.chunks));
    return;
  }
  resumeIncomplete(res, session);
}

/** `uploadType=multipart`: a JSON metadata part and a media part. */
function multipartUpload(ctx: UploadContext, req: IncomingMessage, res: ServerResponse, rec: RecordedRequest, bucket: string): void {
  const contentType = String(req.headers['content-type'] ?? '');
  let parts: Array<{ headers: Record<string, string>; data: Buffer }>;
  try {
    parts = parseMultipart(rec.body, contentType);
  } catch (error) {
    gcsError(res, 400, (error as Error).message);
    return;
  }
  const metaPart = parts[0];
  const dataPart = parts[1];
  if (!metaPart || !dataPart) {
    gcsError(res, 400, 'multipart upload needs a metadata part and a media part');
    return;
  }
  let meta: Record<string, unknown> = {};
  try {
    meta = JSON.parse(metaPart.data.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    gcsError(res, 400, 'invalid JSON metadata part');
    return;
  }
  const name = rec.query['name'] ?? (typeof meta['name'] === 'string' ? meta['name'] : undefined);
  if (!name) {
    gcsError(res, 400, 'Required parameter: name');
    return;
  }
  const metadata = stringRecord(meta['metadata']);
  const session: UploadSession = {
    bucket,
    name,
    contentType: (typeof meta['contentType'] === 'string' ? meta['contentType'] : undefined) ?? dataPart.headers['content-type'] ?? 'application/octet-stream',
    ...(metadata ? { metadata } : {}),
    chunks: [],
    received: 0,
  };
  finish(ctx, res, req, session, dataPart.data);
}

/** `uploadType=resumable` (POST): opens a session and answers its URL in `Location`. */
function startResumable(ctx: UploadContext, req: IncomingMessage, res: ServerResponse, rec: RecordedRequest, bucket: string): void {
  const meta = (rec.json && typeof rec.json === 'object' ? rec.json : {}) as Record<string, unknown>;
  const name = rec.query['name'] ?? (typeof meta['name'] === 'string' ? meta['name'] : undefined);
  if (!name) {
    gcsError(res, 400, 'Required parameter: name');
    return;
  }
  const id = randomUUID().replace(/-/g, '');
  const metadata = stringRecord(meta['metadata']);
  ctx.sessions.set(id, {
    bucket,
    name,
    contentType:
      (typeof meta['contentType'] === 'string' ? meta['contentType'] : undefined) ??
      (typeof req.headers['x-upload-content-type'] === 'string' ? req.headers['x-upload-content-type'] : 'application/octet-stream'),
    ...(metadata ? { metadata } : {}),
    chunks: [],
    received: 0,
  });
  const location = `${baseUrlOf(req)}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
  sendJson(res, 200, {}, { location });
}

/** The upload route's handler (one session table per emulator). */
export function createUploadHandler(buckets: InMemoryBuckets, stats: GcsStats) {
  const ctx: UploadContext = { buckets, stats, sessions: new Map() };
  return (req: IncomingMessage, res: ServerResponse, rec: RecordedRequest, bucket: string): void => {
    const type = rec.query['uploadType'] ?? '';
    const method = rec.method;
    if (method === 'PUT' || (method === 'POST' && rec.query['upload_id'])) {
      resumableChunk(ctx, req, res, rec);
      return;
    }
    if (method !== 'POST') {
      gcsError(res, 405, `Method ${method} not allowed`);
      return;
    }
    if (type === 'multipart') {
      multipartUpload(ctx, req, res, rec, bucket);
      return;
    }
    if (type === 'media') {
      const name = rec.query['name'];
      if (!name) {
        gcsError(res, 400, 'Required parameter: name');
        return;
      }
      const session: UploadSession = { bucket, name, contentType: String(req.headers['content-type'] ?? 'application/octet-stream'), chunks: [], received: 0 };
      finish(ctx, res, req, session, rec.body);
      return;
    }
    if (type === 'resumable') {
      startResumable(ctx, req, res, rec, bucket);
      return;
    }
    gcsError(res, 400, `Unsupported uploadType: ${type || '(none)'}`);
  };
}
