/**
 * An in-memory Cloud Storage (JSON API subset) for the Veo emulator: the routes `@google-cloud/storage` uses
 * for multipart and resumable uploads, media download, metadata, listing and delete. Served under both
 * `/storage/v1/b/…` (what `apiEndpoint` produces) and `/b/…` (what `STORAGE_EMULATOR_HOST` produces).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RecordedRequest, sendBody, sendEmpty, sendJson } from '../http.js';
import { crc32cBase64, md5Base64 } from './hash.js';

export interface StoredObject {
  bucket: string;
  name: string;
  data: Buffer;
  contentType: string;
  crc32c: string;
  md5Hash: string;
  generation: string;
  metageneration: string;
  created: string;
  metadata?: Record<string, string>;
}

export interface PutOptions {
  contentType?: string;
  metadata?: Record<string, string>;
}

/** Parses `gs://bucket/path/to/object` (the object part may be empty for a prefix). */
export function parseGsUri(uri: string): { bucket: string; name: string } | undefined {
  const m = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m?.[1]) return undefined;
  return { bucket: m[1], name: m[2] ?? '' };
}

/** The emulator's in-memory buckets. Buckets are created on first write. */
export class InMemoryBuckets {
  readonly #buckets = new Map<string, Map<string, StoredObject>>();
  #generation = Date.now() * 1000;

  createBucket(bucket: string): void {
    if (!this.#buckets.has(bucket)) this.#buckets.set(bucket, new Map());
  }

  hasBucket(bucket: string): boolean {
    return this.#buckets.has(bucket);
  }

  bucketNames(): string[] {
    return [...this.#buckets.keys()];
  }

  put(bucket: string, name: string, data: Uint8Array, options: PutOptions = {}): StoredObject {
    this.createBucket(bucket);
    const buf = Buffer.from(data);
    const now = new Date().toISOString();
    const obj: StoredObject = {
      bucket,
      name,
      data: buf,
      contentType: options.contentType ?? 'application/octet-stream',
      crc32c: crc32cBase64(buf),
      md5Hash: md5Base64(buf),
      generation: String(++this.#generation),
      metageneration: '1',
      created: now,
      ...(options.metadata ? { metadata: options.metadata } : {}),
    };
    this.#buckets.get(bucket)!.set(name, obj);
    return obj;
  }

  /** Writes to a `gs://bucket/name` URI. */
  putUri(uri: string, data: Uint8Array, options: PutOptions = {}): StoredObject {
    const parsed = parseGsUri(uri);
    if (!parsed?.name) throw new TypeError(`not a gs:// object URI: ${uri}`);
    return this.put(parsed.bucket, parsed.name, data, options);
  }

  get(bucket: string, name: string): StoredObject | undefined {
    return this.#buckets.get(bucket)?.get(name);
  }

  getUri(uri: string): StoredObject | undefined {
    const parsed = parseGsUri(uri);
    return parsed ? this.get(parsed.bucket, parsed.name) : undefined;
  }

  delete(bucket: string, name: string): boolean {
    return this.#buckets.get(bucket)?.delete(name) ?? false;
  }

  list(bucket: string, prefix = ''): StoredObject[] {
    const objects = [...(this.#buckets.get(bucket)?.values() ?? [])].filter((o) => o.name.startsWith(prefix));
    return objects.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  clear(): void {
    this.#buckets.clear();
  }
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

interface UploadSession {
  bucket: string;
  name: string;
  contentType: string;
  metadata?: Record<string, string>;
  chunks: Buffer[];
  received: number;
}

export interface GcsStats {
  uploads: number;
  downloads: number;
  deletes: number;
}

function baseUrlOf(req: IncomingMessage): string {
  return `http://${req.headers.host ?? '127.0.0.1'}`;
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

/**
 * Creates the GCS request handler. It returns false when the path is not a GCS route, so the caller can
 * fall through to its own 404.
 */
export function createGcsHandler(buckets: InMemoryBuckets, stats: GcsStats) {
  const sessions = new Map<string, UploadSession>();

  const finish = (res: ServerResponse, req: IncomingMessage, session: UploadSession, data: Buffer): void => {
    const obj = buckets.put(session.bucket, session.name, data, {
      contentType: session.contentType,
      ...(session.metadata ? { metadata: session.metadata } : {}),
    });
    stats.uploads++;
    sendJson(res, 200, objectJson(obj, baseUrlOf(req)));
  };

  const handleUpload = (req: IncomingMessage, res: ServerResponse, rec: RecordedRequest, bucket: string): void => {
    const type = rec.query['uploadType'] ?? '';
    const method = rec.method;
    if (method === 'PUT' || (method === 'POST' && rec.query['upload_id'])) {
      const id = rec.query['upload_id'] ?? '';
      const session = sessions.get(id);
      if (!session) {
        gcsError(res, 404, `No such upload session: ${id}`);
        return;
      }
      const range = String(req.headers['content-range'] ?? '');
      // "bytes */N": status query; "bytes a-b/N" or "bytes a-b/*": a chunk; "bytes 0-*/*": everything at once.
      const status = /^bytes \*\/(\d+|\*)$/.exec(range);
      if (status) {
        if (status[1] !== '*' && Number(status[1]) === session.received) {
          sessions.delete(id);
          finish(res, req, session, Buffer.concat(session.chunks));
          return;
        }
        const headers: Record<string, string> = session.received > 0 ? { range: `bytes=0-${session.received - 1}` } : {};
        sendEmpty(res, 308, headers);
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
        sessions.delete(id);
        finish(res, req, session, Buffer.concat(session.chunks));
        return;
      }
      sendEmpty(res, 308, session.received > 0 ? { range: `bytes=0-${session.received - 1}` } : {});
      return;
    }
    if (method !== 'POST') {
      gcsError(res, 405, `Method ${method} not allowed`);
      return;
    }
    if (type === 'multipart') {
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
        contentType:
          (typeof meta['contentType'] === 'string' ? meta['contentType'] : undefined) ?? dataPart.headers['content-type'] ?? 'application/octet-stream',
        ...(metadata ? { metadata } : {}),
        chunks: [],
        received: 0,
      };
      finish(res, req, session, dataPart.data);
      return;
    }
    if (type === 'media') {
      const name = rec.query['name'];
      if (!name) {
        gcsError(res, 400, 'Required parameter: name');
        return;
      }
      const session: UploadSession = { bucket, name, contentType: String(req.headers['content-type'] ?? 'application/octet-stream'), chunks: [], received: 0 };
      finish(res, req, session, rec.body);
      return;
    }
    if (type === 'resumable') {
      const meta = (rec.json && typeof rec.json === 'object' ? rec.json : {}) as Record<string, unknown>;
      const name = rec.query['name'] ?? (typeof meta['name'] === 'string' ? meta['name'] : undefined);
      if (!name) {
        gcsError(res, 400, 'Required parameter: name');
        return;
      }
      const id = randomUUID().replace(/-/g, '');
      const metadata = stringRecord(meta['metadata']);
      sessions.set(id, {
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
      return;
    }
    gcsError(res, 400, `Unsupported uploadType: ${type || '(none)'}`);
    return;
  };

  const handleDownload = (req: IncomingMessage, res: ServerResponse, obj: StoredObject): void => {
    stats.downloads++;
    const headers: Record<string, string> = {
      'x-goog-hash': `crc32c=${obj.crc32c},md5=${obj.md5Hash}`,
      'x-goog-generation': obj.generation,
      'x-goog-stored-content-encoding': 'identity',
      'x-goog-stored-content-length': String(obj.data.length),
      etag: obj.generation,
      'accept-ranges': 'bytes',
    };
    const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
    if (range && (range[1] || range[2])) {
      const size = obj.data.length;
      let start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
      let end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) {
        gcsError(res, 416, 'Requested range not satisfiable');
        return;
      }
      start = Math.max(0, start);
      end = Math.max(start, end);
      // A partial reply cannot be validated against the whole object's hashes.
      delete headers['x-goog-hash'];
      delete headers['x-goog-stored-content-encoding'];
      sendBody(res, 206, obj.data.subarray(start, end + 1), obj.contentType, {
        ...headers,
        'content-range': `bytes ${start}-${end}/${size}`,
      });
      return;
    }
    sendBody(res, 200, obj.data, obj.contentType, headers);
  };

  return function handleGcs(req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): boolean {
    const path = rec.path;
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o\/?$/.exec(path);
    if (upload) {
      handleUpload(req, res, rec, decodeURIComponent(upload[1]!));
      return true;
    }
    const prefix = ['/storage/v1/b/', '/download/storage/v1/b/', '/b/'].find((p) => path.startsWith(p));
    if (!prefix) return false;
    const rest = path.slice(prefix.length);
    const slash = rest.indexOf('/');
    const bucket = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
    const after = slash < 0 ? '' : rest.slice(slash);
    if (!bucket || (after !== '' && after !== '/' && after !== '/o' && after !== '/o/' && !after.startsWith('/o/'))) return false;
    const hasO = after.startsWith('/o');
    const name = after.startsWith('/o/') && after.length > 3 ? decodeURIComponent(after.slice(3)) : undefined;
    const base = baseUrlOf(req);
    if (!hasO) {
      // Bucket metadata.
      if (rec.method !== 'GET') {
        gcsError(res, 405, `Method ${rec.method} not allowed`);
        return true;
      }
      if (!buckets.hasBucket(bucket)) gcsError(res, 404, `The specified bucket does not exist.`);
      else sendJson(res, 200, { kind: 'storage#bucket', id: bucket, name: bucket, location: 'US', storageClass: 'STANDARD' });
      return true;
    }
    if (name === undefined) {
      if (rec.method !== 'GET') {
        gcsError(res, 405, `Method ${rec.method} not allowed`);
        return true;
      }
      const prefix = rec.query['prefix'] ?? '';
      const items = buckets.list(bucket, prefix).map((o) => objectJson(o, base));
      sendJson(res, 200, { kind: 'storage#objects', ...(items.length ? { items } : {}) });
      return true;
    }
    const obj = buckets.get(bucket, name);
    const notFound = (): void => gcsError(res, 404, `No such object: ${bucket}/${name}`);
    switch (rec.method) {
      case 'GET':
      case 'HEAD':
        if (!obj) notFound();
        else if (rec.query['alt'] === 'media' || path.startsWith('/download/')) handleDownload(req, res, obj);
        else sendJson(res, 200, objectJson(obj, base));
        return true;
      case 'DELETE':
        stats.deletes++;
        if (!obj) notFound();
        else {
          buckets.delete(bucket, name);
          sendEmpty(res, 204);
        }
        return true;
      default:
        gcsError(res, 405, `Method ${rec.method} not allowed`);
        return true;
    }
  };
}
