/**
 * Streams a task output (a signed URL) to a file with a timeout and the caller's signal, and checks that the
 * body is complete. Signed URLs expire (24–48 h, or early when revoked): a 401/403/404/410 from the storage is
 * reported as `expired` so the caller can re-read the task for a fresh URL.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export class DownloadError extends Error {
  constructor(
    message: string,
    readonly kind: 'expired' | 'transient' | 'cancelled',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DownloadError';
  }
}

/** The URL without its query (signatures stay out of logs and errors). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

export interface DownloadOptions {
  signal: AbortSignal;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** Downloads `url` into `file` (overwritten); resolves with the byte count. */
export async function downloadTo(url: string, file: string, o: DownloadOptions): Promise<number> {
  const timeout = AbortSignal.timeout(o.timeoutMs);
  const signal = AbortSignal.any([o.signal, timeout]);
  const where = safeUrl(url);
  const fail = async (error: unknown): Promise<never> => {
    await rm(file, { force: true });
    if (o.signal.aborted) throw new DownloadError(`download of ${where} cancelled`, 'cancelled', { cause: error });
    if (timeout.aborted) throw new DownloadError(`download of ${where} timed out after ${o.timeoutMs} ms`, 'transient', { cause: error });
    if (error instanceof DownloadError) throw error;
    throw new DownloadError(`download of ${where} failed: ${error instanceof Error ? error.message : String(error)}`, 'transient', { cause: error });
  };
  let res: Response;
  try {
    res = await (o.fetch ?? fetch)(url, { signal, redirect: 'follow' });
  } catch (error) {
    return fail(error);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => {});
    const kind = [401, 403, 404, 410].includes(res.status) ? 'expired' : 'transient';
    return fail(new DownloadError(`download of ${where} answered ${res.status} ${res.statusText}`.trim(), kind));
  }
  const announced = Number(res.headers.get('content-length') ?? NaN);
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), counter, createWriteStream(file), { signal });
  } catch (error) {
    return fail(error);
  }
  if (Number.isFinite(announced) && bytes !== announced) {
    return fail(new DownloadError(`download of ${where} is incomplete: ${bytes} of ${announced} bytes`, 'transient'));
  }
  if (bytes === 0) return fail(new DownloadError(`download of ${where} is empty`, 'transient'));
  return bytes;
}
