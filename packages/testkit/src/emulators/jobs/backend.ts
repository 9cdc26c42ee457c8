/**
 * A remote backend for the paid-job emulator (emulator.ts), written the way a real paid backend must be:
 * `create` does no network I/O; `generate` submits with the engine's idempotency key, hands the job id to the
 * engine (`onJob`) before waiting, re-attaches to `resumeJob` instead of resubmitting, polls with timeouts and
 * the run's AbortSignal, cancels the job through the API when aborted, and downloads atomically.
 * Load it by path from a config (`backend: ./paid-backend.mjs` re-exporting `paidJobsPlugin`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import {
  type BackendInfo,
  clipResult,
  defineBackend,
  type GenerateContext,
  type GenerateRequest,
  type GenerateResult,
  probeVideo,
  produceAtomic,
  sleep,
  TtvError,
  type TtvErrorCode,
  type VideoBackend,
} from '@ttv/core';
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

export function createPaidJobsBackend(config: z.input<typeof paidJobsConfigSchema>): VideoBackend {
  const cfg = paidJobsConfigSchema.parse(config);
  const base = cfg.url.replace(/\/+$/, '');

  async function call(method: string, path: string, signal: AbortSignal, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        signal: AbortSignal.any([signal, AbortSignal.timeout(cfg.requestTimeoutMs)]),
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      if (signal.aborted) throw new TtvError('CANCELLED', 'cancelled', { cause });
      throw new TtvError('UNAVAILABLE', `${method} ${path}: ${(cause as Error).message}`, { cause });
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      const retryAfter = Number(res.headers.get('retry-after'));
      throw new TtvError(codeForStatus(res.status), `${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`, {
        ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      });
    }
    return res;
  }

  return {
    specificationVersion: 1,
    ...info(cfg),
    async validate(request) {
      if (request.prompt.length > 2000) throw new TtvError('INPUT_INVALID', 'prompt is longer than 2000 characters', { field: 'prompt' });
    },
    estimateCost: (request) => ({
      usd: Number((request.durationSec * cfg.usdPerSecond).toFixed(6)),
      basis: `${cfg.usdPerSecond} USD/s × ${request.durationSec} s`,
    }),
    async generate(request: GenerateRequest, ctx: GenerateContext): Promise<GenerateResult> {
      const deadline = AbortSignal.any([ctx.signal, AbortSignal.timeout(cfg.jobTimeoutMs)]);
      let id: string;
      if (ctx.resumeJob) {
        id = ctx.resumeJob.id;
        ctx.log(`re-attaching to job ${id}`);
      } else {
        const image = request.firstFrame ? (await readFile(request.firstFrame)).toString('base64') : undefined;
        const res = await call(
          'POST',
          '/v1/jobs',
          ctx.signal,
          { prompt: request.prompt, durationSec: request.durationSec, width: request.width, height: request.height, fps: cfg.fps, ...(image ? { image } : {}) },
          ctx.idempotencyKey ? { 'idempotency-key': ctx.idempotencyKey } : {},
        );
        id = ((await res.json()) as { id: string }).id;
        await ctx.onJob({ id });
      }
      let costUsd = 0;
      try {
        for (;;) {
          const res = await call('GET', `/v1/jobs/${id}`, deadline);
          const s = (await res.json()) as { status: string; progress?: number; costUsd?: number };
          costUsd = s.costUsd ?? 0;
          if (s.status === 'succeeded') break;
          if (s.status === 'failed') throw new TtvError('GENERATION_FAILED', `job ${id} failed`, { chargedUsd: costUsd });
          if (s.status === 'cancelled') throw new TtvError('CANCELLED', `job ${id} was cancelled`);
          ctx.onProgress({ ...(s.progress !== undefined ? { fraction: s.progress } : {}), message: s.status });
          await sleep(cfg.pollMs, deadline);
        }
        const out = await call('GET', `/v1/jobs/${id}/output`, deadline);
        const data = Buffer.from(await out.arrayBuffer());
        await produceAtomic(request.outputPath, (tmp) => writeFile(tmp, data));
      } catch (error) {
        if (ctx.signal.aborted || deadline.aborted) {
          // Stop paying for a job nobody will collect (best effort, short timeout).
          await call('POST', `/v1/jobs/${id}/cancel`, AbortSignal.timeout(1000)).catch(() => {});
          if (ctx.signal.aborted) throw new TtvError('CANCELLED', 'cancelled', { cause: error });
          throw new TtvError('TIMEOUT', `job ${id} did not finish within ${cfg.jobTimeoutMs} ms`, { cause: error, chargedUsd: costUsd });
        }
        throw error;
      }
      const p = await probeVideo(request.outputPath);
      return clipResult(request.outputPath, p, { costUsd, jobId: id });
    },
  };
}

export const paidJobsPlugin = defineBackend({
  specificationVersion: 1,
  name: 'paidjobs',
  displayName: 'Paid jobs (testkit emulator)',
  kind: 'remote',
  configSchema: paidJobsConfigSchema,
  describe: info,
  create: (config) => createPaidJobsBackend(config),
});

export default paidJobsPlugin;
