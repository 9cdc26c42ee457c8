/**
 * An in-memory Cloud Storage (JSON API subset) for the Veo emulator: the routes `@google-cloud/storage` uses
 * for multipart and resumable uploads, media download, metadata, listing and delete. Served under both
 * `/storage/v1/b/…` (what `apiEndpoint` produces) and `/b/…` (what `STORAGE_EMULATOR_HOST` produces).
 * Uploads are in gcs-uploads.ts, buckets and objects in gcs-objects.ts; this file holds the store and the router.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecordedRequest } from '../http.js';
import { bucketMetadata, handleObject, listObjects } from './gcs-objects.js';
import { createUploadHandler } from './gcs-uploads.js';
import { crc32cBase64, md5Base64 } from './hash.js';

export { gcsError, objectJson } from './gcs-replies.js';

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

export interface GcsStats {
  uploads: number;
  downloads: number;
  deletes: number;
}

/** `…/b/:bucket[/o[/:name]]` under one of the prefixes, or undefined when the path is no GCS route. */
function parseObjectPath(path: string): { bucket: string; hasO: boolean; name: string | undefined } | undefined {
  const prefix = ['/storage/v1/b/', '/download/storage/v1/b/', '/b/'].find((p) => path.startsWith(p));
  if (!prefix) return undefined;
  const rest = path.slice(prefix.length);
  const slash = rest.indexOf('/');
  const bucket = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
  const after = slash < 0 ? '' : rest.slice(slash);
  if (!bucket || (after !== '' && after !== '/' && after !== '/o' && after !== '/o/' && !after.startsWith('/o/'))) return undefined;
  const name = after.startsWith('/o/') && after.length > 3 ? decodeURIComponent(after.slice(3)) : undefined;
  return { bucket, hasO: after.startsWith('/o'), name };
}

/**
 * Creates the GCS request handler. It returns false when the path is not a GCS route, so the caller can
 * fall through to its own 404.
 */
export function createGcsHandler(buckets: InMemoryBuckets, stats: GcsStats) {
  const handleUpload = createUploadHandler(buckets, stats);
  return function handleGcs(req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): boolean {
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o\/?$/.exec(rec.path);
    if (upload) {
      handleUpload(req, res, rec, decodeURIComponent(upload[1]!));
      return true;
    }
    const target = parseObjectPath(rec.path);
    if (!target) return false;
    if (!target.hasO) bucketMetadata(buckets, res, rec, target.bucket);
    else if (target.name === undefined) listObjects(buckets, req, res, rec, target.bucket);
    else handleObject(buckets, stats, req, res, rec, target.bucket, target.name);
    return true;
  };
}
