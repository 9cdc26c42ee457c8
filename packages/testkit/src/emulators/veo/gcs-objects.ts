/** Cloud Storage buckets and objects: bucket metadata, listing, object metadata, media download (with Range) and delete. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RecordedRequest, sendBody, sendEmpty, sendJson } from '../http.js';
import type { GcsStats, InMemoryBuckets, StoredObject } from './gcs.js';
import { baseUrlOf, gcsError, objectJson } from './gcs-replies.js';

function handleDownload(stats: GcsStats, req: IncomingMessage, res: ServerResponse, obj: StoredObject): void {
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
}

/** `GET …/b/:bucket`. */
export function bucketMetadata(buckets: InMemoryBuckets, res: ServerResponse, rec: RecordedRequest, bucket: string): void {
  if (rec.method !== 'GET') {
    gcsError(res, 405, `Method ${rec.method} not allowed`);
    return;
  }
  if (!buckets.hasBucket(bucket)) gcsError(res, 404, `The specified bucket does not exist.`);
  else sendJson(res, 200, { kind: 'storage#bucket', id: bucket, name: bucket, location: 'US', storageClass: 'STANDARD' });
}

/** `GET …/b/:bucket/o?prefix=`. */
export function listObjects(buckets: InMemoryBuckets, req: IncomingMessage, res: ServerResponse, rec: RecordedRequest, bucket: string): void {
  if (rec.method !== 'GET') {
    gcsError(res, 405, `Method ${rec.method} not allowed`);
    return;
  }
  const prefix = rec.query['prefix'] ?? '';
  const items = buckets.list(bucket, prefix).map((o) => objectJson(o, baseUrlOf(req)));
  sendJson(res, 200, { kind: 'storage#objects', ...(items.length ? { items } : {}) });
}

/** `GET|HEAD|DELETE …/b/:bucket/o/:name` (media with `alt=media` or under `/download/`). */
export function handleObject(
  buckets: InMemoryBuckets,
  stats: GcsStats,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RecordedRequest,
  bucket: string,
  name: string,
): void {
  const obj = buckets.get(bucket, name);
  const notFound = (): void => gcsError(res, 404, `No such object: ${bucket}/${name}`);
  switch (rec.method) {
    case 'GET':
    case 'HEAD':
      if (!obj) notFound();
      else if (rec.query['alt'] === 'media' || rec.path.startsWith('/download/')) handleDownload(stats, req, res, obj);
      else sendJson(res, 200, objectJson(obj, baseUrlOf(req)));
      return;
    case 'DELETE':
      stats.deletes++;
      if (!obj) notFound();
      else {
        buckets.delete(bucket, name);
        sendEmpty(res, 204);
      }
      return;
    default:
      gcsError(res, 405, `Method ${rec.method} not allowed`);
  }
}
