// @ts-check
/**
 * ttv-backend-solid/remote: a minimal **remote** ttv backend, written against spec v2's job protocol.
 *
 * It talks to a generic paid-job HTTP API (the one `@ttv/testkit`'s `startJobsEmulator` serves):
 *   POST /v1/jobs {prompt, durationSec, width, height, fps, image?}  (Idempotency-Key header) → {id}
 *   GET  /v1/jobs/:id → {status: running|succeeded|failed|cancelled, progress, costUsd}
 *   GET  /v1/jobs/:id/output → the MP4;  POST /v1/jobs/:id/cancel
 *
 * It implements validate, estimateCost, submit, status and cancel, and nothing else of a job's life: ttv's core
 * records the job before waiting, polls, downloads the output with retries, cancels on Ctrl-C, and re-attaches
 * after a crash instead of paying again.
 */
import { readFile } from 'node:fs/promises';
import { checkImage, checkRequest, defineBackend, TtvError } from '@ttv/core/backend';
import { z } from 'zod';

/** @typedef {import('@ttv/core/backend').RemoteVideoBackend} RemoteVideoBackend */
/** @typedef {import('@ttv/core/backend').BackendCapabilities} BackendCapabilities */

export const relayConfigSchema = z
  .object({
    url: z.string().url().describe('Base URL of the job API.'),
    usdPerSecond: z.number().nonnegative().default(0.1).describe('Price per second of video.'),
    pollMs: z.number().int().positive().default(200).describe('Wait between status polls.'),
  })
  .strict();

/** @typedef {z.output<typeof relayConfigSchema>} RelayConfig */

/**
 * @param {RelayConfig} config
 * @returns {BackendCapabilities}
 */
export function describeRelay(config) {
  return {
    defaultModel: 'relay-1',
    models: [
      {
        id: 'relay-1',
        inputs: ['text', 'first-frame'],
        durations: { kind: 'range', min: 0.25, max: 10 },
        resolutions: [{ width: 320, height: 180 }],
        fps: 8,
        maxPromptLength: 2000,
        concurrency: 4,
        usdPerSecond: config.usdPerSecond,
      },
    ],
  };
}

/** HTTP status → ttv error code. */
const CODES = /** @type {Record<number, import('@ttv/core/backend').TtvErrorCode>} */ ({
  400: 'INPUT_INVALID',
  401: 'AUTH',
  402: 'QUOTA',
  403: 'AUTH',
  429: 'RATE_LIMITED',
});

/**
 * @param {RelayConfig} config
 * @param {import('@ttv/core/backend').BackendCreateContext} _context nothing here needs the config file's directory or the environment
 * @returns {RemoteVideoBackend}
 */
export function createRelayBackend(config, _context) {
  const info = describeRelay(config);
  const base = config.url.replace(/\/+$/, '');

  /** @param {string} method @param {string} path @param {AbortSignal} signal @param {unknown} [body] @param {Record<string, string>} [headers] */
  async function call(method, path, signal, body, headers = {}) {
    let res;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        signal,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      throw new TtvError(signal.aborted ? 'CANCELLED' : 'UNAVAILABLE', `${method} ${path}: ${/** @type {Error} */ (cause).message}`, { cause });
    }
    if (!res.ok) {
      const retryAfter = Number(res.headers.get('retry-after'));
      throw new TtvError(CODES[res.status] ?? (res.status >= 500 ? 'UNAVAILABLE' : 'GENERATION_FAILED'), `${method} ${path}: HTTP ${res.status}`, {
        ...(retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      });
    }
    return res.json();
  }

  return {
    specificationVersion: 2,
    jobPolicy: { intervalMs: config.pollMs, maxIntervalMs: config.pollMs * 4 },

    async validate(request) {
      const model = checkRequest('relay', info, request);
      if (request.firstFrame !== undefined && model.inputs.includes('first-frame')) await checkImage(request.firstFrame, 'firstFrame', { backend: 'relay' });
    },

    estimateCost: (request) => ({
      usd: Number((request.durationSec * config.usdPerSecond).toFixed(6)),
      basis: `${config.usdPerSecond} USD/s × ${request.durationSec} s`,
    }),

    // One paid job, returned as soon as the API accepted it. ctx.signal only fires on the request's own timeout.
    async submit(request, ctx) {
      const image = request.firstFrame ? (await readFile(request.firstFrame)).toString('base64') : undefined;
      const body = {
        prompt: request.prompt,
        durationSec: request.durationSec,
        width: request.width,
        height: request.height,
        fps: 8,
        ...(image ? { image } : {}),
      };
      const job = /** @type {{ id: string }} */ (await call('POST', '/v1/jobs', ctx.signal, body, { 'idempotency-key': ctx.idempotencyKey }));
      return { id: job.id };
    },

    // One look at the job.
    async status(job, ctx) {
      const s = /** @type {{ status: string, progress?: number, costUsd?: number }} */ (await call('GET', `/v1/jobs/${job.id}`, ctx.signal));
      if (s.status === 'succeeded') return { state: 'succeeded', costUsd: s.costUsd ?? 0, output: { url: `${base}/v1/jobs/${job.id}/output` } };
      if (s.status === 'failed') return { state: 'failed', error: new TtvError('GENERATION_FAILED', `job ${job.id} failed`, { chargedUsd: s.costUsd ?? 0 }) };
      if (s.status === 'cancelled') return { state: 'failed', error: new TtvError('CANCELLED', `job ${job.id} was cancelled`) };
      return { state: 'pending', progress: { ...(s.progress !== undefined ? { fraction: s.progress } : {}), message: s.status } };
    },

    async cancel(job, ctx) {
      await call('POST', `/v1/jobs/${job.id}/cancel`, ctx.signal);
    },
  };
}

/** `backend: ttv-backend-solid/remote`, or a path to this file, in a ttv config. */
export default defineBackend({
  specificationVersion: 2,
  name: 'relay',
  displayName: 'Relay (example remote backend)',
  kind: 'remote',
  configSchema: relayConfigSchema,
  describe: describeRelay,
  create: (config, ctx) => createRelayBackend(config, ctx),
});
