// Deliberately broken backends: each violates one rule of the spec, so the self-tests can check that the
// conformance suite catches it and says what to fix.
import { clipResult, encodeStill, type GenerateContext, type GenerateRequest, probeVideo, produceAtomic, TtvError, type VideoBackend } from '@ttv/core';
import { createIdentityBackend } from '../backends/identity.js';

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
      if (!base.models[0]!.resolutions.some((r) => r.width === request.width && r.height === request.height))
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
