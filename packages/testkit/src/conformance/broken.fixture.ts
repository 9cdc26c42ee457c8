// Deliberately broken backends: each violates one rule of the spec, so the self-tests can check that the
// conformance suite catches it and says what to fix.

import {
  type GenerateContext,
  type GenerateRequest,
  type GenerateResult,
  type JobHandle,
  type RemoteVideoBackend,
  TtvError,
  type VideoBackend,
} from '@ttv/core';
import { callBackend, clipResult, produceAtomic } from '@ttv/core/backend';
import { encodeStill, probeVideo } from '@ttv/core/media';
import { createIdentityBackend, identityConfigSchema, identityPlugin } from '../backends/identity.js';
import { createPaidJobsBackend } from '../emulators/jobs/backend.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keeps working after an abort and resolves with a clip. */
export function ignoresAbort(): VideoBackend {
  const base = createIdentityBackend();
  return {
    ...base,
    async generate(request: GenerateRequest, ctx: GenerateContext) {
      ctx.onProgress({ fraction: 0.1 });
      await sleep(300);
      return base.generate(request, { ...ctx, signal: new AbortController().signal });
    },
  };
}

/** Writes a clip 60 pixels taller than requested. */
export function wrongSize(): VideoBackend {
  const base = createIdentityBackend();
  return {
    ...base,
    async generate(request, ctx) {
      const height = request.height + 60;
      await produceAtomic(request.outputPath, (tmp) =>
        encodeStill(request.firstFrame!, tmp, { durationSec: request.durationSec, fps: 16, width: request.width, height, signal: ctx.signal }),
      );
      const p = await probeVideo(request.outputPath);
      return clipResult(request.outputPath, p, { costUsd: 0 });
    },
  };
}

/** Accepts any size in validate, although the model declares a fixed list. */
export function acceptsAnySize(): VideoBackend {
  const base = createIdentityBackend();
  return {
    ...base,
    validate: (request) => base.validate({ ...request, width: 320, height: 180 }),
  };
}

/**
 * A plugin whose describe(config) declares a second model that its backend (the identity one, with its own
 * idea of its models) refuses: the capabilities are stated twice and disagree.
 */
export const describesAnotherModel = {
  ...identityPlugin,
  describe: (config: Parameters<typeof identityPlugin.describe>[0]) => {
    const described = identityPlugin.describe(config);
    return { ...described, models: [...described.models, { ...described.models[0]!, id: 'still-hd' }] };
  },
};

/** Accepts any model id in validate, although describe(config) declares one. */
export function acceptsAnyModel(): VideoBackend {
  const base = createIdentityBackend();
  return {
    ...base,
    validate: (request) => base.validate({ ...request, model: 'still' }),
  };
}

/** "Submits" (increments the counter) before checking the request. */
export function spendsBeforeValidate(counter: { n: number }): VideoBackend {
  const base = createIdentityBackend();
  return {
    ...base,
    async validate(request) {
      counter.n++;
      await base.validate(request);
    },
  };
}

/** Throws plain Errors: no code, no field. */
export function plainErrors(): VideoBackend {
  const base = createIdentityBackend();
  return {
    ...base,
    async validate(request) {
      if (!identityPlugin.describe(identityConfigSchema.parse({})).models[0]!.resolutions.some((r) => r.width === request.width && r.height === request.height))
        throw new Error(`bad size ${request.width}x${request.height}`);
      await base.validate(request).catch((e: Error) => {
        throw new Error(e.message);
      });
    },
    async generate(request, ctx) {
      if (ctx.signal.aborted) throw new Error('aborted');
      return base.generate(request, ctx);
    },
  };
}

/** Puts its API key into error messages. */
export function leaksSecret(apiKey: string): VideoBackend {
  const base = createIdentityBackend();
  return {
    ...base,
    async validate(request) {
      if (request.durationSec > 60) {
        throw new TtvError('INPUT_INVALID', `POST https://api.example.test/v1/videos?key=${apiKey} rejected duration ${request.durationSec}`, {
          field: 'durationSec',
        });
      }
      await base.validate(request);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Paid-job backends (against the paid-job emulator) that lose money in one way each.

type PaidConfig = Parameters<typeof createPaidJobsBackend>[0];

/** v2: submit waits for the job to finish before returning its handle (a crash meanwhile pays twice). */
export function blockingSubmit(config: PaidConfig): RemoteVideoBackend {
  const good = createPaidJobsBackend(config);
  return {
    ...good,
    async submit(request, ctx) {
      const job = await good.submit(request, ctx);
      while ((await good.status(job, ctx)).state === 'pending') await sleep(20);
      return job;
    },
  };
}

/**
 * What a v1-style backend expected from its context: since v2 a local backend's context has no job hooks (core
 * strips them), so such a backend can never record its job — the checks must catch that.
 */
type LegacyContext = GenerateContext & { onJob?: (job: JobHandle) => Promise<void>; idempotencyKey?: string };

/**
 * A legacy (v1) backend over the paid-job backend: the v2 pieces without submit/status, and `generate`, which gets the
 * v2 backend to drive and the context split into its `onJob` and the rest.
 */
function legacy(
  config: PaidConfig,
  generate: (good: RemoteVideoBackend, request: GenerateRequest, rest: Omit<LegacyContext, 'onJob'>, ctx: LegacyContext) => Promise<GenerateResult>,
): VideoBackend {
  const good = createPaidJobsBackend(config);
  const { submit: _submit, status: _status, cancel: _cancel, release: _release, jobPolicy: _policy, generate: _generate, ...base } = good;
  return {
    ...base,
    async generate(request: GenerateRequest, ctx: LegacyContext) {
      const { onJob: _onJob, ...rest } = ctx;
      return generate(good, request, rest, ctx);
    },
  } as VideoBackend;
}

/** Legacy generate: runs the whole job, then reports it through onJob (too late: the job is already paid and done). */
export function lateOnJob(config: PaidConfig): VideoBackend {
  return legacy(config, async (good, request, rest, ctx) => {
    const result = await callBackend(good, request, rest);
    await ctx.onJob?.({ id: result.jobId ?? 'unknown' });
    return result;
  });
}

/** Legacy generate that passes the run's signal to the submit request: an abort cuts it off after the service charged. */
export function signalPassedToSubmit(config: PaidConfig): VideoBackend {
  return legacy(config, async (good, request, rest, ctx) => {
    const job = await good.submit(request, { ...rest, idempotencyKey: ctx.idempotencyKey ?? `k-${Math.random()}` });
    await ctx.onJob?.(job);
    return callBackend(good, request, { ...rest, resumeJob: job });
  });
}

/** v2: claims a remote cancel that does nothing (the job runs on and bills, and the engine does not keep it). */
export function noopCancel(config: PaidConfig): RemoteVideoBackend {
  return { ...createPaidJobsBackend(config), async cancel() {} };
}

/** Declares first-last-frame but never sends the last image. */
export function ignoresLastFrame(config: PaidConfig): RemoteVideoBackend {
  const good = createPaidJobsBackend(config);
  return {
    ...good,
    submit: (request, ctx) => {
      const { lastFrame: _lastFrame, ...rest } = request;
      return good.submit(rest, ctx);
    },
  };
}

/** Wraps submit and status errors. */
function mapErrors(good: RemoteVideoBackend, map: (error: unknown) => unknown): RemoteVideoBackend {
  return {
    ...good,
    submit: (request, ctx) =>
      good.submit(request, ctx).catch((e: unknown) => {
        throw map(e);
      }),
    status: (job, ctx) =>
      good.status(job, ctx).catch((e: unknown) => {
        throw map(e);
      }),
  };
}

/** Copies the request's Authorization header into HTTP errors. */
export function leaksKeyInHttpError(config: PaidConfig & { apiKey: string }): RemoteVideoBackend {
  return mapErrors(createPaidJobsBackend(config), (e) =>
    TtvError.is(e) && /HTTP \d/.test(e.message) ? new TtvError(e.code, `${e.message} (sent Authorization: Bearer ${config.apiKey})`) : e,
  );
}

/** Lets failed requests out as plain Errors. */
export function plainNetworkErrors(config: PaidConfig): RemoteVideoBackend {
  return mapErrors(createPaidJobsBackend(config), (e) => new Error(`request failed: ${(e as Error).message}`));
}

/** Estimates every request at $0. */
export function zeroEstimate(config: PaidConfig): RemoteVideoBackend {
  return { ...createPaidJobsBackend(config), estimateCost: () => ({ usd: 0, basis: 'free!' }) };
}
