/**
 * A remote backend for the paid-job emulator (emulator.ts), written against the v2 job protocol the way a real
 * paid backend should be: `create` does no network I/O; `submit` sends the engine's idempotency key and returns
 * the job id at once; `status` maps the job's state; `cancel` stops it at the service. It holds no poll loop,
 * no download and no resume logic: core's `callBackend` owns the lifecycle. With `cancel: false` it behaves
 * like a service without a remote cancel (Veo): an interrupted job is kept and re-attached, never paid twice.
 * Load it by path from a config (`backend: ./paid-backend.mjs` re-exporting `paidJobsPlugin`).
 */
import { readFile } from 'node:fs/promises';
import { type BackendInfo, defineBackend, type GenerateRequest, type JobStatus, type RemoteVideoBackend, TtvError, type TtvErrorCode } from '@ttv/core';
import { z } from 'zod';

export const paidJobsConfigSchema = z
  .object({
    url: z.string().url(),
    usdPerSecond: z.number().nonnegative().default(0.1),
    fps: z.number().positive().default(8),
    pollMs: z.number().int().positive().default(40),
    /** Per HTTP request. */
    requestTimeoutMs: z.number().int().positive().default(5000),
    /** Whole job. */
    jobTimeoutMs: z.number().int().positive().default(120_000),
    /** Whether to offer a remote cancel (false: behave like an API that cannot cancel, e.g. Veo). */
    cancel: z.boolean().default(true),
    /** Sent as `Authorization: Bearer <apiKey>` when set (a secret: never in errors, logs or job handles). */
    apiKey: z.string().min(1).optional(),
  })
  .strict();
export type PaidJobsConfig = z.output<typeof paidJobsConfigSchema>;

function info(cfg: PaidJobsConfig): BackendInfo {
  return {
    name: 'paidjobs',
    displayName: 'Paid jobs (testkit emulator)',
    kind: 'remote',
    defaultModel: 'paid-1',
    models: [
      {
        id: 'paid-1',
        inputs: ['text', 'first-frame', 'first-last-frame'],
        durations: { kind: 'range', min: 0.25, max: 10 },
        resolutions: [
          { width: 160, height: 90 },
          { width: 320, height: 180 },
        ],
        fps: cfg.fps,
        maxPromptLength: 2000,
        concurrency: 4,
        usdPerSecond: cfg.usdPerSecond,
      },
    ],
  };
}

function codeForStatus(status: number): TtvErrorCode {
  if (status === 429) return 'RATE_LIMITED';
  if (status === 401 || status === 403) return 'AUTH';
  if (status === 402) return 'QUOTA';
  if (status === 400 || status === 422) return 'INPUT_INVALID';
  if (status >= 500) return 'UNAVAILABLE';
  return 'GENERATION_FAILED';
}

/**
 * HTTP calls to the jobs service at `base`: JSON bodies, the bearer key, the request timeout. A failed call or a
 * non-2xx reply is a TtvError (code from the status, Retry-After kept), with the key masked out of the message.
 */
function jobsCaller(cfg: z.output<typeof paidJobsConfigSchema>, base: string) {
  return async (method: string, path: string, signal: AbortSignal, body?: unknown, headers: Record<string, string> = {}): Promise<Response> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        signal: AbortSignal.any([signal, AbortSignal.timeout(cfg.requestTimeoutMs)]),
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(cfg.apiKey ? { authorization: `Bearer ${cfg.apiKey}` } : {}),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      if (signal.aborted) throw new TtvError('CANCELLED', 'cancelled', { cause });
      throw new TtvError('UNAVAILABLE', `${method} ${path}: ${(cause as Error).message}`, { cause });
    }
    if (!res.ok) {
      // Services echo credentials in error bodies: never let the key into a message.
      const raw = await res.text().catch(() => '');
      const text = cfg.apiKey ? raw.split(cfg.apiKey).join('***') : raw;
      const retryAfter = Number(res.headers.get('retry-after'));
      throw new TtvError(codeForStatus(res.status), `${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`, {
        ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      });
    }
    return res;
  };
}

/**
 * The backend, with what `paidJobsPlugin.describe` declares for its config as `info`: not part of the backend
 * (capabilities come from `describe`), for harnesses that wrap the instance in a plugin.
 */
export function createPaidJobsBackend(config: z.input<typeof paidJobsConfigSchema>): RemoteVideoBackend & { readonly info: BackendInfo } {
  const cfg = paidJobsConfigSchema.parse(config);
  const base = cfg.url.replace(/\/+$/, '');

  const call = jobsCaller(cfg, base);

  const backend: RemoteVideoBackend & { readonly info: BackendInfo } = {
    specificationVersion: 2,
    info: info(cfg),
    jobPolicy: { intervalMs: cfg.pollMs, maxIntervalMs: cfg.pollMs, backoff: 1, timeoutMs: cfg.jobTimeoutMs, requestTimeoutMs: cfg.requestTimeoutMs },
    async validate(request) {
      if (request.prompt.length > 2000) throw new TtvError('INPUT_INVALID', 'prompt is longer than 2000 characters', { field: 'prompt' });
    },
    estimateCost: (request) => ({
      usd: Number((request.durationSec * cfg.usdPerSecond).toFixed(6)),
      basis: `${cfg.usdPerSecond} USD/s × ${request.durationSec} s`,
    }),
    async submit(request: GenerateRequest, ctx) {
      const image = request.firstFrame ? (await readFile(request.firstFrame)).toString('base64') : undefined;
      const lastImage = request.lastFrame ? (await readFile(request.lastFrame)).toString('base64') : undefined;
      const body = {
        prompt: request.prompt,
        durationSec: request.durationSec,
        width: request.width,
        height: request.height,
        fps: cfg.fps,
        ...(image ? { image } : {}),
        ...(lastImage ? { lastImage } : {}),
      };
      const res = await call('POST', '/v1/jobs', ctx.signal, body, { 'idempotency-key': ctx.idempotencyKey });
      return { id: ((await res.json()) as { id: string }).id };
    },
    async status(job, ctx): Promise<JobStatus> {
      const s = (await (await call('GET', `/v1/jobs/${job.id}`, ctx.signal)).json()) as { status: string; progress?: number; costUsd?: number };
      if (s.status === 'succeeded')
        return {
          state: 'succeeded',
          costUsd: s.costUsd ?? 0,
          output: { url: `${base}/v1/jobs/${job.id}/output`, ...(cfg.apiKey ? { headers: { authorization: `Bearer ${cfg.apiKey}` } } : {}) },
        };
      if (s.status === 'failed') return { state: 'failed', error: new TtvError('GENERATION_FAILED', `job ${job.id} failed`, { chargedUsd: s.costUsd ?? 0 }) };
      if (s.status === 'cancelled') return { state: 'failed', error: new TtvError('CANCELLED', `job ${job.id} was cancelled`) };
      return { state: 'pending', progress: { ...(s.progress !== undefined ? { fraction: s.progress } : {}), message: s.status } };
    },
    ...(cfg.cancel
      ? {
          async cancel(job, ctx) {
            await call('POST', `/v1/jobs/${job.id}/cancel`, ctx.signal);
          },
        }
      : {}),
  };
  return backend;
}

export const paidJobsPlugin = defineBackend({
  specificationVersion: 2,
  name: 'paidjobs',
  displayName: 'Paid jobs (testkit emulator)',
  kind: 'remote',
  configSchema: paidJobsConfigSchema,
  secretFields: ['apiKey'],
  describe: info,
  create: (config) => createPaidJobsBackend(config),
});

export default paidJobsPlugin;
