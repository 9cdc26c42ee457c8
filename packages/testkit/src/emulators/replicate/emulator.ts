/**
 * A loopback emulator of Replicate's predictions API for video models, as `@ai-sdk/replicate` 3.0.46 and the
 * `replicate` client use it (`Authorization: Bearer <token>`):
 *
 * - `POST /v1/models/{owner}/{name}/predictions` `{ input }` → 201 prediction `{ id, model, status: "starting",
 *   input, output: null, error: null, urls: { get, cancel, stream, web }, created_at }`. An unknown model is 404;
 *   an invalid input 422 `{ title: "Input validation failed", detail, status, invalid_fields }` (reference pictures
 *   too: `reference_images` on a model without them, more than 3, or not at 8 s 16:9 from the prompt alone).
 *   `stats().references` counts the reference pictures the accepted submissions carried.
 * - `GET /v1/predictions/{id}` → the prediction: `starting`/`processing`, then `succeeded` with `output` (the MP4's
 *   URL) and `metrics.predict_time`, `failed` with `error` (a moderation refusal carries Replicate's code E005),
 *   or `canceled`.
 * - `POST /v1/predictions/{id}/cancel` → the prediction, `canceled` when it was still running.
 * - `GET /delivery/{id}/output.mp4` (replicate.delivery) → the MP4.
 *
 * Errors have Replicate's problem-details shape `{ title, detail, status }`; 429 carries `retry-after`.
 */
import type { ServerResponse } from 'node:http';
import { type HostedEmulatorStats, type HostedJobsScript, hostedJobsScript } from '../hosted-jobs/controls.js';
import { checkInput, type FieldIssue, type InputSchema, listLength } from '../hosted-jobs/fields.js';
import { serveJobFile } from '../hosted-jobs/files.js';
import { type HostedJob, HostedJobs, type HostedJobsOptions, imageInput } from '../hosted-jobs/service.js';
import { type EmulatorServer, type RecordedRequest, sendJson, startHttpEmulator } from '../http.js';
import type { EmulatorConfigSnippet } from '../snippet.js';

export interface ReplicateEmulatorOptions extends HostedJobsOptions {
  /** Accepted token (`Authorization: Bearer <apiToken>`; default `r8_test_token`). */
  apiToken?: string;
  host?: string;
  port?: number;
}

export interface ReplicateEmulator extends EmulatorServer {
  apiToken: string;
  jobs: HostedJobs;
  script: HostedJobsScript;
  stats(): HostedEmulatorStats;
  configSnippet(): EmulatorConfigSnippet;
}

interface ReplicateModel extends InputSchema {
  shape(input: Record<string, unknown>): { width: number; height: number; durationSec: number; audio: boolean; usd: number };
  /** How many reference pictures an input carries. */
  references?(input: Record<string, unknown>): number;
}

const VEO_SIZES: Record<string, { width: number; height: number }> = {
  '16:9/720p': { width: 1280, height: 720 },
  '9:16/720p': { width: 720, height: 1280 },
  '16:9/1080p': { width: 1920, height: 1080 },
  '9:16/1080p': { width: 1080, height: 1920 },
};

const VEO_FIELDS: InputSchema['fields'] = {
  prompt: { type: 'string', maxLength: 2000 },
  aspect_ratio: { type: 'enum', values: ['16:9', '9:16'] },
  duration: { type: 'enum', values: [4, 6, 8] },
  image: { type: 'image' },
  last_frame: { type: 'image' },
  resolution: { type: 'enum', values: ['720p', '1080p'] },
  generate_audio: { type: 'boolean' },
  negative_prompt: { type: 'string', maxLength: 2000 },
  seed: { type: 'number', integer: true, min: 0, max: 4_294_967_295 },
};

/** A Veo 3.1 model on Replicate at its price per second without and with sound. */
function veo(usdPerSecond: number, usdPerSecondWithAudio: number): Pick<ReplicateModel, 'required' | 'shape'> {
  return {
    required: ['prompt'],
    shape(input) {
      const durationSec = Number(input['duration'] ?? 8);
      const audio = input['generate_audio'] !== false;
      const size = VEO_SIZES[`${input['aspect_ratio'] ?? '16:9'}/${input['resolution'] ?? '1080p'}`]!;
      return { ...size, durationSec, audio, usd: (audio ? usdPerSecondWithAudio : usdPerSecond) * durationSec };
    },
  };
}

/** Veo 3.1's reference-to-video: 1–3 `reference_images`, 8 s 16:9 only, from the prompt (no image, no last frame). */
function veoReferenceRules(input: Record<string, unknown>): FieldIssue[] {
  if (listLength(input['reference_images']) === 0) return [];
  const issue = (message: string): FieldIssue[] => [{ field: 'reference_images', type: 'value_error', message }];
  if (Number(input['duration'] ?? 8) !== 8) return issue('reference images only work with an 8-second duration');
  if ((input['aspect_ratio'] ?? '16:9') !== '16:9') return issue('reference images only work with the 16:9 aspect ratio');
  if (input['image'] !== undefined || input['last_frame'] !== undefined) return issue('reference images cannot be combined with image or last_frame');
  return [];
}

/**
 * Veo 3.1 on Replicate as its model pages document them: `google/veo-3.1-fast` ($0.10/s, $0.15/s with audio) takes no
 * references (the field is refused as unknown); `google/veo-3.1` ($0.20/s, $0.40/s with audio) takes 1–3.
 */
export const REPLICATE_MODELS: Record<string, ReplicateModel> = {
  'google/veo-3.1-fast': { fields: VEO_FIELDS, ...veo(0.1, 0.15) },
  'google/veo-3.1': {
    fields: { ...VEO_FIELDS, reference_images: { type: 'imageList', max: 3 } },
    ...veo(0.2, 0.4),
    check: veoReferenceRules,
    references: (input) => listLength(input['reference_images']),
  },
};

export const REPLICATE_MODERATION_ERROR = 'The input or output was flagged as sensitive. Please try again with different inputs. (E005)';

const problem = (status: number, detail: string, title = status === 429 ? 'Request was throttled' : 'Error'): Record<string, unknown> => ({
  title,
  detail,
  status,
});

function predictionJson(base: string, job: HostedJob, input: unknown): Record<string, unknown> {
  const status = job.status === 'running' ? (job.polls > 0 ? 'processing' : 'starting') : job.status === 'cancelled' ? 'canceled' : job.status;
  const error =
    job.status === 'failed' ? (job.failure === 'moderation' ? REPLICATE_MODERATION_ERROR : 'Prediction failed: the model could not generate a video.') : null;
  return {
    id: job.id,
    model: job.model,
    version: 'hidden',
    input,
    logs: '',
    output: job.status === 'succeeded' ? `${base}/delivery/${job.id}/output.mp4` : null,
    error,
    status,
    created_at: new Date(job.createdAt).toISOString(),
    urls: {
      get: `${base}/v1/predictions/${job.id}`,
      cancel: `${base}/v1/predictions/${job.id}/cancel`,
      stream: `${base}/v1/predictions/${job.id}/stream`,
      web: `https://replicate.com/p/${job.id}`,
    },
    ...(job.status === 'succeeded' ? { metrics: { predict_time: job.runMs / 1000 }, completed_at: new Date().toISOString() } : {}),
  };
}

function invalid(res: ServerResponse, issues: FieldIssue[]): void {
  const lines = issues.map((i) => `- input.${i.field}: ${i.message}`);
  sendJson(res, 422, {
    ...problem(422, `${lines.join('\n')}\n`, 'Input validation failed'),
    invalid_fields: issues.map((i) => ({ type: i.type, field: `input.${i.field}`, description: i.message })),
  });
}

async function create(jobs: HostedJobs, base: string, name: string, rec: RecordedRequest, res: ServerResponse): Promise<void> {
  const model = REPLICATE_MODELS[name];
  if (!model) return sendJson(res, 404, problem(404, 'The requested resource could not be found.', 'Not found'));
  const body = rec.json as { input?: unknown } | undefined;
  const input = (body?.input ?? {}) as Record<string, unknown>;
  const issues = body?.input === undefined ? [{ field: 'input', type: 'missing', message: 'input is required' }] : checkInput(input, model);
  if (input['last_frame'] !== undefined && input['image'] === undefined) {
    issues.push({ field: 'last_frame', type: 'dependency', message: 'last_frame requires image' });
  }
  if (issues.length > 0) return invalid(res, issues);
  const first = imageInput(input['image']);
  const last = imageInput(input['last_frame']);
  const key = rec.headers['idempotency-key'];
  const job = await jobs.accept({
    model: name,
    prompt: String(input['prompt']),
    ...model.shape(input),
    ...(first ? { first } : {}),
    ...(last ? { last } : {}),
    ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
    references: model.references?.(input) ?? 0,
  });
  sendJson(res, 201, predictionJson(base, job, input));
}

async function route(jobs: HostedJobs, token: string, base: () => string, rec: RecordedRequest, res: ServerResponse): Promise<void> {
  const { method, path } = rec;
  if (method === 'GET' && path.startsWith('/delivery/')) return serveJobFile(jobs, /^\/delivery\/([^/]+)\//.exec(path)?.[1], res);
  const auth = rec.headers['authorization'];
  if (jobs.takeEcho()) return sendJson(res, 401, problem(401, `Invalid token: ${String(auth)}`, 'Unauthenticated'));
  if (auth !== `Bearer ${token}`) return sendJson(res, 401, problem(401, 'You did not pass a valid authentication token', 'Unauthenticated'));
  const createMatch = /^\/v1\/models\/([^/]+\/[^/]+)\/predictions$/.exec(path);
  if (method === 'POST' && createMatch) return create(jobs, base(), createMatch[1]!, rec, res);
  const prediction = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/.exec(path);
  const job = prediction ? jobs.jobs.get(prediction[1]!) : undefined;
  if (!prediction || !job) return sendJson(res, 404, problem(404, 'The requested resource could not be found.', 'Not found'));
  if (method === 'GET' && !prediction[2]) return sendJson(res, 200, predictionJson(base(), jobs.look(job.id)!, {}));
  if (method === 'POST' && prediction[2]) {
    jobs.cancel(job.id);
    return sendJson(res, 200, predictionJson(base(), job, {}));
  }
  sendJson(res, 405, problem(405, 'Method not allowed'));
}

/** Starts the Replicate emulator on an ephemeral loopback port. */
export async function startReplicateEmulator(options: ReplicateEmulatorOptions = {}): Promise<ReplicateEmulator> {
  const apiToken = options.apiToken ?? 'r8_test_token';
  const jobs = new HostedJobs('replicate', options);
  let url = '';
  const server = await startHttpEmulator({
    name: 'replicate',
    handler: (_req, res, rec) => route(jobs, apiToken, () => url, rec, res),
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    faultBody: (status) => problem(status, `injected HTTP ${status}`),
    onReset: () => jobs.reset(),
  });
  url = server.url;
  const close = server.close;
  const submitMatch = { method: 'POST', path: /^\/v1\/models\/[^/]+\/[^/]+\/predictions$/ };
  return Object.assign(server, {
    apiToken,
    jobs,
    script: hostedJobsScript(jobs, server, submitMatch, (status: number, detail: string) => problem(status, detail)),
    stats: (): HostedEmulatorStats => ({
      ...jobs.stats(),
      submitAttempts: server.requestsTo('POST', submitMatch.path).length,
      polls: server.requestsTo('GET', '/v1/predictions/:id').length,
      downloads: server.requestsTo('GET', '/delivery/*').length,
    }),
    configSnippet: (): EmulatorConfigSnippet => ({
      yaml: `backend: ai-sdk\nai-sdk:\n  provider: replicate\n  model: google/veo-3.1-fast\n  baseURL: ${url}/v1\n  apiKey: ${apiToken}     # the emulator's test token (not a secret)`,
      env: {},
      notes: ['Needs @ttv/backend-ai-sdk and @ai-sdk/replicate. Prompts containing "forbidden" are refused (moderation, E005).'],
    }),
    close: async () => {
      await close();
      await jobs.close();
    },
  });
}
