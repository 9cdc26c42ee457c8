import { createWriteStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { CallContext, JobOutput } from '../spec/backend.js';
import { TtvError } from '../spec/errors.js';
import { fsError, isMappedFsError } from '../util/fs.js';

/** A URL without its query string and credentials (signed URLs carry tokens there): safe to print. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** Writes a finished job's output to `target` (a temp path the caller renames). Throws TtvErrors. */
export async function fetchOutput(output: JobOutput, target: string, context: CallContext): Promise<void> {
  try {
    if ('url' in output) await download(output.url, output.headers ?? {}, target, context);
    else if ('data' in output) await writeFile(target, output.data);
    else await output.write(target, context);
  } catch (error) {
    if (isMappedFsError(error)) throw fsError(error, target, 'the downloaded clip');
    if (TtvError.is(error)) throw error;
    if (context.signal.aborted) throw new TtvError('CANCELLED', 'cancelled during the download', { cause: error });
    throw new TtvError('UNAVAILABLE', `download failed: ${(error as Error).message}`, { retryable: true, cause: error });
  }
}

async function download(url: string, headers: Record<string, string>, target: string, context: CallContext): Promise<void> {
  const response = await fetch(url, { headers, signal: context.signal, redirect: 'follow' });
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => {});
    // 403/404/410 on a signed URL usually means it expired: the caller asks for a fresh one and tries again.
    throw new TtvError('UNAVAILABLE', `GET ${safeUrl(url)} answered HTTP ${response.status}`, { retryable: true, details: { status: response.status } });
  }
  await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(target), { signal: context.signal });
  const expected = Number(response.headers.get('content-length'));
  if (Number.isFinite(expected) && expected > 0) {
    const size = (await stat(target)).size;
    if (size !== expected) throw new TtvError('UNAVAILABLE', `GET ${safeUrl(url)}: got ${size} of ${expected} bytes`, { retryable: true });
  }
  context.log(`downloaded ${safeUrl(url)}`);
}
