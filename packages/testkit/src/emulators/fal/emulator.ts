/**
 * A loopback emulator of fal's queue API for video endpoints, as `@ai-sdk/fal` 3.0.41 and fal's own client use it:
 *
 * - `POST /<endpoint>` (queue.fal.run) with `Authorization: Key <key>` → `{ request_id, response_url, status_url,
 *   cancel_url, queue_position }`. An unknown endpoint is 404. Input errors are **not** refused here: like fal,
 *   the request is queued and its result is a 422 with pydantic-style `detail: [{ loc, msg, type }]` (reference
 *   pictures too: a field the endpoint does not take, too many, one that is not an image). `stats().references`
 *   counts the reference pictures the accepted submissions carried.
 * - `GET /<app>/requests/<id>/status` → `{ status: IN_QUEUE | IN_PROGRESS | COMPLETED }` (a failed request is
 *   COMPLETED with `error` and `error_type`).
 * - `GET /<app>/requests/<id>` → the result `{ video: { url, content_type, file_name, file_size } }`, 400
 *   `{"detail":"Request is still in progress"}` before that, 422 for input errors and moderation refusals
 *   (`type: content_policy_violation`; the emulator names the flagged term in quotes, so a reworder can drop it),
 *   500 for a model failure.
 * - `PUT /<app>/requests/<id>/cancel` → 202 `CANCELLATION_REQUESTED` (400 `ALREADY_COMPLETED` once it ended).
 * - `GET /files/<id>/output.mp4` (v3.fal.media) → the MP4.
 *
 * URLs it hands out are fal's real hosts (`https://queue.fal.run/…`, `https://v3.fal.media/…`): the AI SDK only
 * sends credentials to, and trusts, the queue host it submitted to, so a client reaches the emulator with a fetch
 * that maps fal's hosts onto `url` (the backend's `baseURL` does that) — see `falFetch`.
 */
import type { ServerResponse } from 'node:http';
import { type HostedEmulatorStats, type HostedJobsScript, hostedJobsScript } from '../hosted-jobs/controls.js';
import { checkInput } from '../hosted-jobs/fields.js';
import { serveJobFile } from '../hosted-jobs/files.js';
import { HostedJobs, type HostedJobsOptions, imageInput } from '../hosted-jobs/service.js';
import { type EmulatorServer, type RecordedRequest, sendBody, sendJson, startHttpEmulator } from '../http.js';
import type { EmulatorConfigSnippet } from '../snippet.js';
import { FAL_MODELS, falApp } from './models.js';

export const FAL_QUEUE = 'https://queue.fal.run';
export const FAL_MEDIA = 'https://v3.fal.media';

export interface FalEmulatorOptions extends HostedJobsOptions {
  /** Accepted key (`Authorization: Key <apiKey>`; default `fal_test_key`). */
  apiKey?: string;
  host?: string;
  port?: number;
}

export interface FalEmulator extends EmulatorServer {
  apiKey: string;
  jobs: HostedJobs;
  script: HostedJobsScript;
  stats(): HostedEmulatorStats;
  configSnippet(): EmulatorConfigSnippet;
}

const errorBody = (status: number, detail: string): unknown => ({ detail: status === 401 ? `Authentication failed: ${detail}` : detail });

function authorized(jobs: HostedJobs, apiKey: string, rec: RecordedRequest, res: ServerResponse): boolean {
  const auth = rec.headers['authorization'];
  if (jobs.takeEcho()) {
    sendJson(res, 401, errorBody(401, `invalid credentials ${String(auth)}`));
    return false;
  }
  if (auth === `Key ${apiKey}`) return true;
  sendJson(res, 401, errorBody(401, 'No or invalid key. Pass `Authorization: Key <FAL_KEY>`.'));
  return false;
}

async function submit(jobs: HostedJobs, endpoint: string, rec: RecordedRequest, res: ServerResponse): Promise<void> {
  const model = FAL_MODELS[endpoint];
  if (!model) {
    sendJson(res, 404, { detail: `Application '${endpoint.split('/')[1] ?? endpoint}' not found` });
    return;
  }
  const input = (rec.json ?? {}) as Record<string, unknown>;
  const issues = checkInput(rec.json, model);
  const shape = issues.length === 0 ? model.shape(input) : { width: 2, height: 2, durationSec: 1, audio: false, usd: 0 };
  const first = imageInput(input['image_url']);
  const last = imageInput(input['tail_image_url']);
  const key = rec.headers['idempotency-key'];
  const job = await jobs.accept({
    model: endpoint,
    prompt: String(input['prompt'] ?? ''),
    ...shape,
    ...(first ? { first } : {}),
    ...(last ? { last } : {}),
    ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
    references: model.references?.(input) ?? 0,
    ...(issues.length > 0
      ? { failure: 'invalid' as const, detail: issues.map((i) => ({ loc: ['body', ...locOf(i.field)], msg: i.message, type: i.type })) }
      : {}),
  });
  const base = `${FAL_QUEUE}/${falApp(endpoint)}/requests/${job.id}`;
  sendJson(res, 200, { request_id: job.id, response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel`, queue_position: 0 });
}

/** A dotted field (`elements.0.frontal_image_url`) as a pydantic `loc` (`["elements", 0, "frontal_image_url"]`). */
const locOf = (field: string): Array<string | number> => field.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));

const FAILURES = {
  moderation: (job: { flagged?: string }) => ({
    status: 422,
    body: {
      detail: [
        {
          loc: ['body', 'prompt'],
          msg: `The content could not be processed because it contained material flagged by a content checker${job.flagged ? `: '${job.flagged}'` : '.'}`,
          type: 'content_policy_violation',
        },
      ],
    },
  }),
  invalid: (job: { detail?: unknown; flagged?: string }) => ({ status: 422, body: { detail: job.detail } }),
  error: () => ({ status: 500, body: { detail: 'Internal server error: the model failed to generate a video' } }),
};

function result(jobs: HostedJobs, id: string, res: ServerResponse) {
  const job = jobs.look(id);
  if (!job) return sendJson(res, 404, { detail: `Request ${id} not found` });
  if (job.status === 'running') return sendJson(res, 400, { detail: 'Request is still in progress' });
  if (job.status === 'cancelled') return sendJson(res, 400, { detail: 'Request was cancelled' });
  if (job.status === 'failed') {
    const failure = FAILURES[job.failure ?? 'error'](job);
    return sendJson(res, failure.status, failure.body);
  }
  sendJson(res, 200, {
    video: { url: `${FAL_MEDIA}/files/${job.id}/output.mp4`, content_type: 'video/mp4', file_name: 'output.mp4', file_size: 0 },
    seed: 42,
  });
}

function status(jobs: HostedJobs, id: string, base: string, res: ServerResponse) {
  const job = jobs.look(id);
  if (!job) return sendJson(res, 404, { detail: `Request ${id} not found` });
  if (job.status === 'running') return sendJson(res, 202, { status: 'IN_PROGRESS', request_id: id, response_url: base, logs: [] });
  const error =
    job.status === 'succeeded' ? {} : { error: job.status === 'cancelled' ? 'cancelled' : (job.failure ?? 'error'), error_type: job.failure ?? 'error' };
  sendJson(res, 200, { status: 'COMPLETED', request_id: id, response_url: base, ...error });
}

async function route(jobs: HostedJobs, apiKey: string, rec: RecordedRequest, res: ServerResponse): Promise<void> {
  const { method, path } = rec;
  if (method === 'GET' && path.startsWith('/files/')) return serveJobFile(jobs, /^\/files\/([^/]+)\//.exec(path)?.[1], res);
  if (!authorized(jobs, apiKey, rec, res)) return;
  const request = /^\/([^/]+\/[^/]+)\/requests\/([^/]+)(\/status|\/cancel)?$/.exec(path);
  if (request) {
    const [, app, id, tail] = request as unknown as [string, string, string, string | undefined];
    const base = `${FAL_QUEUE}/${app}/requests/${id}`;
    if (method === 'GET' && tail === undefined) return result(jobs, id, res);
    if (method === 'GET' && tail === '/status') return status(jobs, id, base, res);
    if (method === 'PUT' && tail === '/cancel') {
      return jobs.cancel(id) ? sendJson(res, 202, { status: 'CANCELLATION_REQUESTED' }) : sendJson(res, 400, { status: 'ALREADY_COMPLETED' });
    }
  }
  if (method === 'POST') return submit(jobs, path.slice(1), rec, res);
  sendBody(res, 405, 'Method Not Allowed');
}

/** Starts the fal emulator on an ephemeral loopback port. */
export async function startFalEmulator(options: FalEmulatorOptions = {}): Promise<FalEmulator> {
  const apiKey = options.apiKey ?? 'fal_test_key';
  const jobs = new HostedJobs('fal', options);
  const server = await startHttpEmulator({
    name: 'fal',
    handler: (_req, res, rec) => route(jobs, apiKey, rec, res),
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    faultBody: (status) => errorBody(status, `injected HTTP ${status}`),
    onReset: () => jobs.reset(),
  });
  const close = server.close;
  const submitMatch = { method: 'POST', path: /^\/fal-ai\// };
  return Object.assign(server, {
    apiKey,
    jobs,
    script: hostedJobsScript(jobs, server, submitMatch, errorBody),
    stats: (): HostedEmulatorStats => ({
      ...jobs.stats(),
      submitAttempts: server.requestsTo('POST', submitMatch.path).length,
      polls: server.requestsTo('GET', /\/requests\/[^/]+(\/status)?$/).length,
      downloads: server.requestsTo('GET', '/files/*').length,
    }),
    configSnippet: (): EmulatorConfigSnippet => ({
      yaml: `backend: ai-sdk\nai-sdk:\n  provider: fal\n  model: fal-ai/kling-video/v2.1/pro/image-to-video\n  baseURL: ${server.url}\n  apiKey: ${apiKey}     # the emulator's test key (not a secret)`,
      env: {},
      notes: ['Needs @ttv/backend-ai-sdk and @ai-sdk/fal. Prompts containing "forbidden" are refused (moderation).'],
    }),
    close: async () => {
      await close();
      await jobs.close();
    },
  });
}
