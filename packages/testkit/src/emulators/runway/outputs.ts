/** Runway's outputs: signed, expiring URLs of the rendered MP4s and PNGs (`GET|HEAD /outputs/:id.mp4|png?exp&n&sig`). */
import { createHmac } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RecordedRequest, sendBody } from '../http.js';
import type { TaskRoute } from './models.js';
import { s3Error } from './replies.js';
import type { RunwayState, RunwayTask } from './types.js';

/** The file extension of a task's output: a still for text_to_image, else a clip. */
export const outputExtension = (route: TaskRoute): 'png' | 'mp4' => (route === 'text_to_image' ? 'png' : 'mp4');

const sign = (state: RunwayState, id: string, exp: number, n: number): string =>
  createHmac('sha256', state.secret).update(`${id}:${exp}:${n}`).digest('hex').slice(0, 32);

/** Hands out a fresh signed URL of a task's output (the first one already expired when the task's script says so). */
export function issueUrl(state: RunwayState, task: RunwayTask): string {
  const n = ++state.urlCounter;
  const expired = task.script.expiredOutputUrl === true && task.outputUrls.length === 0;
  const exp = Math.floor((Date.now() + (expired ? -60_000 : state.ttlMs)) / 1000);
  const url = `${state.emulator.url}/outputs/${task.id}.${outputExtension(task.route)}?exp=${exp}&n=${n}&sig=${sign(state, task.id, exp, n)}`;
  task.outputUrls.push(url);
  return url;
}

const xml = (res: ServerResponse, status: number, body: string): void => sendBody(res, status, body, 'application/xml');

/** Checks the URL's signature and expiry; false when a 403 was sent. */
function checkSignature(state: RunwayState, id: string, rec: RecordedRequest, res: ServerResponse): boolean {
  const exp = Number(rec.query['exp']);
  const n = Number(rec.query['n']);
  const sig = rec.query['sig'] ?? '';
  if (!Number.isFinite(exp) || !Number.isFinite(n) || sig !== sign(state, id, exp, n)) {
    xml(res, 403, s3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'));
    return false;
  }
  if (exp * 1000 <= Date.now() || n <= state.revokedUpTo) {
    xml(res, 403, s3Error('AccessDenied', 'Request has expired', { Expires: new Date(exp * 1000).toISOString(), ServerTime: new Date().toISOString() }));
    return false;
  }
  return true;
}

/** `GET|HEAD /outputs/:file`. */
export async function serveOutput(state: RunwayState, file: string, req: IncomingMessage, rec: RecordedRequest, res: ServerResponse): Promise<void> {
  const id = file.replace(/\.(mp4|png)$/, '');
  if (!checkSignature(state, id, rec, res)) return;
  const task = state.tasks.get(id);
  if (!task || task.deleted || task.terminal !== 'SUCCEEDED') return xml(res, 404, s3Error('NoSuchKey', 'The specified key does not exist.'));
  await task.render;
  const size = (await stat(task.outputPath)).size;
  const headers = {
    'content-type': task.route === 'text_to_image' ? 'image/png' : 'video/mp4',
    'content-length': String(size),
    'accept-ranges': 'none',
    etag: `"${createHmac('md5', state.secret).update(id).digest('hex')}"`,
    'cache-control': 'private, max-age=86400',
  };
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const stream = createReadStream(task.outputPath);
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
}
