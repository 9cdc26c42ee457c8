import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, type GenerateRequest, type GenerateResult, type JobHandle, type ModelCapabilities, SPECIFICATION_VERSION, TtvError } from '@ttv/core';
import { callBackend, durationAllowed } from '@ttv/core/backend';
import { capabilityProblems } from '@ttv/core/engine';
import { extractLastFrame, fitImage, imagePsnr } from '@ttv/core/media';
import { lastFrameSimilarity } from './checks/last-frame.js';
import { MONEY_CHECKS } from './checks/money.js';
import { fail, readCounter } from './context.js';
import {
  ABORT_LIMIT_MS,
  assertClip,
  describeError,
  END_FRAME_MIN_PSNR,
  findSecret,
  generateAndCheck,
  mask,
  modelsLacking,
  recorder,
  settle,
  sizeLabel,
  strayFiles,
  supportsImage,
  VALIDATE_LIMIT_MS,
} from './helpers.js';
import type { ConformanceCheck, ConformanceContext } from './types.js';

export { ABORT_LIMIT_MS, END_FRAME_MIN_PSNR, VALIDATE_LIMIT_MS } from './helpers.js';

/** Expects validate to reject `request` with INPUT_INVALID + field, fast, without spend or network. */
async function expectInputInvalid(ctx: ConformanceContext, what: string, request: GenerateRequest, howToFix: string): Promise<void> {
  await ctx.withBackend(async (backend) => {
    const spend0 = await readCounter(ctx.options.spend);
    const net0 = await readCounter(ctx.options.network);
    const outcome = await settle((async () => backend.validate(request))(), VALIDATE_LIMIT_MS + 3000);
    const spend1 = await readCounter(ctx.options.spend);
    const net1 = await readCounter(ctx.options.network);
    if (spend1 !== spend0) {
      fail(
        `validate spent while checking ${what} (spend counter ${spend0} → ${spend1}): validate must run before any job, upload or paid call; check inputs locally`,
      );
    }
    if (net1 !== net0) {
      fail(
        `validate made ${Number(net1) - Number(net0)} network request(s) while checking ${what}: validate must check the request locally, with no network call`,
      );
    }
    if ('timedOut' in outcome)
      fail(`validate did not settle within ${outcome.ms} ms for ${what}: validate must check locally and return fast (< ${VALIDATE_LIMIT_MS} ms)`);
    if (outcome.ok) fail(`validate accepted ${what}: ${howToFix}, and throw new TtvError('INPUT_INVALID', message, { field, value, fix })`);
    const error = outcome.error;
    if (!TtvError.is(error)) {
      fail(
        `validate rejected ${what} with a plain ${describeError(error)} instead of a TtvError: throw new TtvError('INPUT_INVALID', message, { field, value, fix }) ` +
          'from @ttv/core (check with TtvError.is, not instanceof)',
      );
    }
    if (error.code !== 'INPUT_INVALID') fail(`validate rejected ${what} with code ${error.code}: a bad request is INPUT_INVALID`);
    if (typeof error.field !== 'string' || !error.field) {
      fail(
        `the INPUT_INVALID error for ${what} has no field: pass { field: '<request field>' } (e.g. 'firstFrame', 'durationSec') so users know what to change`,
      );
    }
    if (outcome.ms > VALIDATE_LIMIT_MS)
      fail(`validate took ${outcome.ms} ms to reject ${what}: validate must check locally and return fast (< ${VALIDATE_LIMIT_MS} ms)`);
  });
}

function badSize(model: ModelCapabilities, base: { width: number; height: number }): { width: number; height: number } {
  const has = (r: { width: number; height: number }) => model.resolutions.some((x) => x.width === r.width && x.height === r.height);
  const candidates = [
    { width: base.width + 2, height: base.height },
    { width: base.width, height: base.height + 2 },
    { width: 202, height: 98 },
    { width: 98, height: 202 },
    { width: 4098, height: 2 },
  ];
  return candidates.find((c) => !has(c)) ?? { width: 2, height: 8190 };
}

function badDuration(model: ModelCapabilities): number {
  const d = model.durations;
  const candidates = d.kind === 'range' ? [d.max + (d.step ?? 1), d.max * 2 + 1] : [Math.max(...d.values) + 1, Math.max(...d.values) * 2 + 3];
  return candidates.find((c) => !durationAllowed(d, c)) ?? 1e6;
}

/** Errors the backend throws for bad requests, an aborted signal and (unit tier) an unreadable input. */
async function provokeErrors(ctx: ConformanceContext): Promise<Array<{ what: string; error: unknown }>> {
  const errors: Array<{ what: string; error: unknown }> = [];
  const model = ctx.model;
  const base = await ctx.request();
  const variants: Array<[string, Partial<GenerateRequest>]> = [
    ['validate(size not declared)', badSize(model, base)],
    ['validate(duration out of range)', { durationSec: badDuration(model) }],
    ['validate(prompt too long)', { prompt: 'x'.repeat(model.maxPromptLength + 1) }],
  ];
  if (supportsImage(model)) {
    variants.push(['validate(missing first frame file)', { firstFrame: ctx.images.missing }]);
    variants.push(['validate(unreadable first frame)', { firstFrame: ctx.images.unreadable }]);
  }
  await ctx.withBackend(async (backend) => {
    for (const [what, overrides] of variants) {
      const outcome = await settle(
        Promise.resolve().then(async () => backend.validate(await ctx.request(overrides))),
        VALIDATE_LIMIT_MS + 3000,
      );
      if ('error' in outcome) errors.push({ what, error: outcome.error });
    }
    const aborted = await recorder(ctx);
    aborted.controller.abort();
    const outcome = await settle(
      Promise.resolve().then(async () => callBackend(backend, await ctx.request(), aborted.context)),
      ABORT_LIMIT_MS,
    );
    if ('error' in outcome) errors.push({ what: 'generate(already aborted signal)', error: outcome.error });
    if (ctx.tier === 'unit' && supportsImage(model)) {
      // Straight to generate (the engine validates first, but generate must still fail cleanly).
      const rec = await recorder(ctx);
      const bad = await settle(
        Promise.resolve().then(async () => callBackend(backend, await ctx.request({ firstFrame: ctx.images.unreadable }), rec.context)),
        60_000,
      );
      if ('error' in bad) errors.push({ what: 'generate(unreadable first frame)', error: bad.error });
    }
  });
  return errors;
}

// ---------------------------------------------------------------------------------------------------------
// The checks

const capabilities: ConformanceCheck = {
  id: 'capabilities',
  title: 'declares well-formed capabilities',
  description:
    `the plugin has specificationVersion ${SPECIFICATION_VERSION}, a name, displayName and kind; describe(config)'s models are ` +
    'non-empty with unique ids, defaultModel is one of them, every model passes capabilityProblems; the backend has validate/estimateCost and either ' +
    'generate (local) or submit + status (remote, the job protocol).',
  applies: () => true,
  async run(ctx) {
    const { plugin } = ctx.options;
    const b = ctx.info;
    if (plugin.specificationVersion !== SPECIFICATION_VERSION) {
      fail(
        `specificationVersion is ${JSON.stringify(plugin.specificationVersion)}: set specificationVersion: ${SPECIFICATION_VERSION} in defineBackend (the @ttv/core spec this backend implements)`,
      );
    }
    if (typeof plugin.name !== 'string' || !plugin.name.trim()) fail('name is empty: set the short config name, e.g. "mybackend"');
    if (typeof plugin.displayName !== 'string' || !plugin.displayName.trim()) fail('displayName is empty: set a human-readable name');
    if (!['embedded', 'local', 'remote'].includes(plugin.kind)) fail(`kind is ${JSON.stringify(plugin.kind)}: use 'embedded', 'local' or 'remote'`);
    await ctx.withBackend(async (backend) => {
      if ((backend as { specificationVersion?: unknown }).specificationVersion !== SPECIFICATION_VERSION) {
        fail(`the backend's specificationVersion is ${JSON.stringify(backend.specificationVersion)}: set specificationVersion: ${SPECIFICATION_VERSION}`);
      }
      for (const m of ['validate', 'estimateCost'] as const) {
        if (typeof backend[m] !== 'function') fail(`${m} is not a function: implement VideoBackend.${m}`);
      }
      const local = typeof backend.generate === 'function';
      const remote = typeof backend.submit === 'function' && typeof backend.status === 'function';
      if (local === remote) {
        fail(
          local
            ? 'the backend has both generate and submit/status: a local backend implements generate, a remote one submit + status (+ cancel) and no generate'
            : 'the backend has neither generate nor submit + status: implement generate (local) or the job protocol submit + status (remote)',
        );
      }
    });
    if (!Array.isArray(b.models) || b.models.length === 0) fail('describe(config).models is empty: declare at least one ModelCapabilities');
    const ids = b.models.map((m) => m.id);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup !== undefined) fail(`model id ${dup} is declared twice: model ids must be unique`);
    if (!ids.includes(b.defaultModel))
      fail(`defaultModel ${JSON.stringify(b.defaultModel)} is not among the models (${ids.join(', ')}): name a declared model`);
    const problems = b.models.flatMap((m) => capabilityProblems(m));
    if (problems.length) fail(`capability problems: ${problems.join('; ')}`);
    for (const m of b.models) {
      if (m.usdPerSecond !== undefined && !(m.usdPerSecond >= 0)) fail(`${m.id}: usdPerSecond is ${m.usdPerSecond}: it must be ≥ 0`);
    }
    if (ctx.options.model !== undefined && !ids.includes(ctx.options.model)) {
      fail(`the suite was asked to test model ${ctx.options.model}, which describe(config) does not declare (${ids.join(', ')})`);
    }
    const req = await ctx.request();
    if (!durationAllowed(ctx.model.durations, req.durationSec)) {
      fail(`the suite's duration ${req.durationSec} s is not one model ${ctx.model.id} declares: pass a supported \`duration\` to the suite`);
    }
    if (!ctx.model.resolutions.some((r) => r.width === req.width && r.height === req.height)) {
      fail(`the suite's requestSize ${sizeLabel(req)} is not one model ${ctx.model.id} declares: pass a declared \`requestSize\``);
    }
  },
};

const describeMatches: ConformanceCheck = {
  id: 'describe-matches',
  title: 'accepts what describe(config) declares and refuses what it does not',
  description:
    'Capabilities come from describe(config) alone: validate accepts a request for every model describe declares (its smallest size, a declared ' +
    'duration, its inputs), and refuses a model id describe does not declare (INPUT_INVALID, field model).',
  applies: () => true,
  async run(ctx) {
    for (const model of ctx.info.models) {
      const request = await ctx.request({}, model);
      await ctx.withBackend(async (backend) => {
        const outcome = await settle((async () => backend.validate(request))(), VALIDATE_LIMIT_MS + 3000);
        if ('timedOut' in outcome) fail(`validate did not settle within ${outcome.ms} ms for model ${model.id}`);
        if (!outcome.ok) {
          fail(
            `validate refused a request for model ${model.id} (${sizeLabel(request)}, ${request.durationSec} s), which describe(config) declares, with ` +
              `${describeError(outcome.error)}: validate against describe(config) (checkRequest(name, describe(config), request) from @ttv/core/backend), not a second list`,
          );
        }
      });
    }
    const undeclared = `${ctx.model.id}-undeclared`;
    await expectInputInvalid(
      ctx,
      `model ${JSON.stringify(undeclared)}, which describe(config) does not declare`,
      await ctx.request({ model: undeclared }),
      'refuse models describe(config) does not declare (checkRequest from @ttv/core/backend does)',
    );
  },
};

const validateValid: ConformanceCheck = {
  id: 'validate-valid',
  title: 'validate accepts a valid request, fast and without spend',
  description: 'validate resolves for a request the model supports, within 2 s, without moving the spend or network counters.',
  applies: () => true,
  async run(ctx) {
    const request = await ctx.request();
    await ctx.withBackend(async (backend) => {
      const spend0 = await readCounter(ctx.options.spend);
      const net0 = await readCounter(ctx.options.network);
      const outcome = await settle((async () => backend.validate(request))(), VALIDATE_LIMIT_MS + 3000);
      if ('timedOut' in outcome || outcome.ms > VALIDATE_LIMIT_MS) fail(`validate took over ${VALIDATE_LIMIT_MS} ms: it must check locally and return fast`);
      if (!outcome.ok) {
        fail(
          `validate rejected a valid request (${sizeLabel(request)}, ${request.durationSec} s, inputs ${
            Object.keys(request)
              .filter((k) => k.endsWith('Frame'))
              .join('+') || 'text'
          }) with ${describeError(outcome.error)}`,
        );
      }
      if ((await readCounter(ctx.options.spend)) !== spend0)
        fail('validate spent (the spend counter moved): validate must not submit, upload or call paid APIs');
      if ((await readCounter(ctx.options.network)) !== net0) fail('validate made network requests: validate must check the request locally');
    });
  },
};

const validateMissingImage: ConformanceCheck = {
  id: 'validate-missing-image',
  title: 'validate rejects a first frame that does not exist (INPUT_INVALID, field)',
  description: 'A firstFrame path with no file behind it is INPUT_INVALID naming the field, before any spend or network call.',
  applies: (ctx) => (supportsImage(ctx.model) ? true : 'the model takes no image input'),
  async run(ctx) {
    await expectInputInvalid(
      ctx,
      'a firstFrame path that does not exist',
      await ctx.request({ firstFrame: ctx.images.missing }),
      'check that request.firstFrame exists (probeImage from @ttv/core)',
    );
  },
};

const validateUnreadableImage: ConformanceCheck = {
  id: 'validate-unreadable-image',
  title: 'validate rejects an unreadable image (a text file named .png)',
  description: 'An input image that is not a decodable PNG/JPEG is INPUT_INVALID before any upload.',
  applies: (ctx) => (supportsImage(ctx.model) ? true : 'the model takes no image input'),
  async run(ctx) {
    await expectInputInvalid(
      ctx,
      'a firstFrame that is a text file named .png',
      await ctx.request({ firstFrame: ctx.images.unreadable }),
      'probe the image (probeImage from @ttv/core) and check its format',
    );
  },
};

const validateSize: ConformanceCheck = {
  id: 'validate-size',
  title: 'validate rejects a size the model does not declare',
  description: 'A width x height not in the model’s resolutions is INPUT_INVALID: the engine negotiates sizes before calling, so anything else is a bug.',
  applies: () => true,
  async run(ctx) {
    const base = await ctx.request();
    const size = badSize(ctx.model, base);
    await expectInputInvalid(
      ctx,
      `a ${sizeLabel(size)} request (model ${ctx.model.id} declares ${ctx.model.resolutions.map(sizeLabel).join(', ')})`,
      await ctx.request(size),
      'compare request.width/height with the declared resolutions',
    );
  },
};

const validateDuration: ConformanceCheck = {
  id: 'validate-duration',
  title: 'validate rejects a duration outside the declared durations',
  description: 'A durationSec the model does not declare is INPUT_INVALID (durationAllowed from @ttv/core).',
  applies: () => true,
  async run(ctx) {
    const d = badDuration(ctx.model);
    await expectInputInvalid(
      ctx,
      `a ${d} s request`,
      await ctx.request({ durationSec: d }),
      'check request.durationSec with durationAllowed(model.durations, seconds)',
    );
  },
};

const validatePrompt: ConformanceCheck = {
  id: 'validate-prompt-length',
  title: 'validate rejects a prompt over maxPromptLength',
  description: 'A prompt one character over the declared maxPromptLength is INPUT_INVALID (field prompt).',
  applies: (ctx) => (ctx.model.maxPromptLength < 5_000_000 ? true : 'maxPromptLength is too large to test'),
  async run(ctx) {
    const n = ctx.model.maxPromptLength + 1;
    await expectInputInvalid(
      ctx,
      `a ${n}-character prompt (maxPromptLength ${n - 1})`,
      await ctx.request({ prompt: 'x'.repeat(n) }),
      'compare request.prompt.length with maxPromptLength',
    );
  },
};

const validateLastFrame: ConformanceCheck = {
  id: 'validate-last-frame',
  title: 'validate rejects a last frame for a model without first-last-frame',
  description: 'A lastFrame sent to a model that does not declare first-last-frame is INPUT_INVALID rather than silently ignored.',
  applies: (ctx) => (modelsLacking(ctx, 'first-last-frame') ? true : 'every model supports first-last-frame'),
  async run(ctx) {
    const model = modelsLacking(ctx, 'first-last-frame')!;
    await expectInputInvalid(
      ctx,
      `a lastFrame for model ${model.id} (no first-last-frame)`,
      await ctx.request({ lastFrame: ctx.images.last }, model),
      "reject request.lastFrame unless the model's inputs include first-last-frame",
    );
  },
};

const validateTextOnly: ConformanceCheck = {
  id: 'validate-text-only',
  title: "validate rejects a text-only request for a model without 'text'",
  description: "A request without firstFrame to a model that does not declare 'text' is INPUT_INVALID (field firstFrame).",
  applies: (ctx) => (modelsLacking(ctx, 'text') ? true : 'every model supports text-only requests'),
  async run(ctx) {
    const model = modelsLacking(ctx, 'text')!;
    await expectInputInvalid(
      ctx,
      `a text-only request (no firstFrame) for model ${model.id}`,
      await ctx.request({ firstFrame: undefined, lastFrame: undefined }, model),
      "require request.firstFrame unless the model's inputs include 'text'",
    );
  },
};

const generate: ConformanceCheck = {
  id: 'generate',
  title: 'generate writes a clip at outputPath with the declared fps, requested size and duration',
  description:
    'The MP4 at outputPath probes at the declared fps, the requested size and duration ±1 frame; the result matches the probe; ' +
    'costUsd ≥ 0; onProgress is called; nothing else is left in the output directory.',
  applies: () => true,
  async run(ctx) {
    const request = await ctx.request();
    await ctx.withBackend((backend) => generateAndCheck(ctx, backend, request));
  },
};

const generateText: ConformanceCheck = {
  id: 'generate-text',
  title: 'generate works from text alone',
  description: "For a model that declares 'text' (and image inputs): a request without images yields a valid clip.",
  applies: (ctx) => (ctx.model.inputs.includes('text') && supportsImage(ctx.model) ? true : "the model lacks 'text' or the generate check already covers text"),
  async run(ctx) {
    const request = await ctx.request({ firstFrame: undefined, lastFrame: undefined });
    await ctx.withBackend((backend) => generateAndCheck(ctx, backend, request));
  },
};

const firstLastFrame: ConformanceCheck = {
  id: 'first-last-frame',
  title: 'first-last-frame generation works (and ends on the last image when expectExactEndFrame)',
  description: `A request with firstFrame and lastFrame yields a valid clip; with expectExactEndFrame its last frame is ≥ ${END_FRAME_MIN_PSNR} dB PSNR from the last image fitted to the size.`,
  applies: (ctx) => (ctx.model.inputs.includes('first-last-frame') ? true : 'the model lacks first-last-frame'),
  async run(ctx) {
    const request = await ctx.request({ firstFrame: ctx.images.first, lastFrame: ctx.images.last });
    await ctx.withBackend((backend) => generateAndCheck(ctx, backend, request));
    if (!ctx.options.expectExactEndFrame) return;
    const frame = join(ctx.dir, `last-frame-${Date.now()}.png`);
    const fitted = join(ctx.dir, `last-fitted-${Date.now()}.png`);
    await extractLastFrame(request.outputPath, frame);
    await fitImage(ctx.images.last, fitted, { width: request.width, height: request.height, fit: 'cover', format: 'png' });
    const psnr = await imagePsnr(frame, fitted);
    if (psnr < END_FRAME_MIN_PSNR) {
      fail(
        `the clip's last frame is ${psnr.toFixed(1)} dB PSNR from request.lastFrame (need ≥ ${END_FRAME_MIN_PSNR}): end exactly on the last image — ` +
          "send request.lastFrame to the service as the clip's end frame, and do not crop, scale or re-time the clip's tail away from it",
      );
    }
  },
};

const abortMidway: ConformanceCheck = {
  id: 'abort',
  title: `abort mid-generation rejects with CANCELLED within ${ABORT_LIMIT_MS / 1000} s and leaves no file`,
  description:
    'The signal is aborted at the first onJob or in-progress onProgress (or after 50 ms); generate must reject with CANCELLED within 3 s, ' +
    'leave nothing at outputPath or beside it. (Whether a paid job is cancelled or kept is `abort-paid-job`, synchronised on the submission.)',
  applies: () => true,
  async run(ctx) {
    await ctx.withBackend(async (backend) => {
      for (const mode of ['midway', 'same-tick'] as const) {
        const request = await ctx.request();
        let abortedAt: number | undefined;
        let controller: AbortController | undefined;
        let doneAtAbort = false;
        let fired!: () => void;
        const abortFired = new Promise<'aborted'>((r) => {
          fired = () => r('aborted');
        });
        const abort = () => {
          if (abortedAt !== undefined || !controller) return;
          abortedAt = performance.now();
          // The abort raced with the end of the call: the clip was already in place.
          doneAtAbort = existsSync(request.outputPath);
          controller.abort(new Error('conformance: abort'));
          fired();
        };
        const rec = await recorder(ctx, { onJob: abort, onProgress: (u) => (u.fraction === undefined || u.fraction < 1 ? abort() : undefined) });
        controller = rec.controller;
        const t0 = performance.now();
        // An async IIFE calls generate synchronously, so a same-tick abort lands after generate has started.
        const running = (async () => callBackend(backend, request, rec.context))();
        const timer = mode === 'midway' ? setTimeout(abort, 50) : undefined;
        if (mode === 'same-tick') abort();
        const first = await Promise.race([
          running.then(
            () => 'settled' as const,
            () => 'settled' as const,
          ),
          abortFired,
        ]);
        clearTimeout(timer);
        if (first === 'settled' && abortedAt === undefined) {
          // Finished before the abort could be sent: try again, aborting in the same tick as the call.
          if (mode === 'midway') continue;
          fail('generate settled before it could be aborted');
        }
        if (abortedAt === undefined) fail('internal: abort not recorded');
        const outcome = await settle(running, ABORT_LIMIT_MS + 500);
        const settledAt = performance.now();
        if (mode === 'midway' && doneAtAbort && 'ok' in outcome && outcome.ok) continue;
        const sinceAbort = Math.round(settledAt - abortedAt);
        if ('timedOut' in outcome || sinceAbort > ABORT_LIMIT_MS) {
          fail(
            `generate took ${sinceAbort} ms to settle after ctx.signal was aborted (limit ${ABORT_LIMIT_MS} ms): listen for the signal's abort event, stop waiting, kill processes and cancel remote jobs`,
          );
        }
        if (outcome.ok) {
          fail(
            `generate resolved ${sinceAbort} ms after ctx.signal was aborted (${Math.round(abortedAt - t0)} ms into the call): honour ctx.signal — ` +
              "reject with new TtvError('CANCELLED', …) and leave no file at outputPath",
          );
        }
        const error = outcome.error;
        if (!TtvError.is(error) || error.code !== 'CANCELLED') {
          fail(
            `generate rejected after an abort with ${describeError(error)}: an abort must reject with TtvError code CANCELLED (toTtvError maps AbortError to CANCELLED)`,
          );
        }
        if (existsSync(request.outputPath))
          fail('generate was aborted but left a file at outputPath: write to a temp file and rename only on success (produceAtomic)');
        const stray = await strayFiles(request.outputPath);
        if (stray.length) fail(`generate was aborted but left ${stray.join(', ')} beside the output: remove temp files on failure (produceAtomic does)`);
        return;
      }
    });
  },
};

const abortBefore: ConformanceCheck = {
  id: 'abort-before-start',
  title: 'an already-aborted signal rejects with CANCELLED without spending',
  description: 'generate called with an aborted signal rejects with CANCELLED, moves no spend counter and writes no file.',
  applies: () => true,
  async run(ctx) {
    const request = await ctx.request();
    await ctx.withBackend(async (backend) => {
      const rec = await recorder(ctx);
      rec.controller.abort(new Error('conformance: aborted before start'));
      const spend0 = await readCounter(ctx.options.spend);
      const outcome = await settle((async () => callBackend(backend, request, rec.context))(), ABORT_LIMIT_MS);
      const spend1 = await readCounter(ctx.options.spend);
      if ('timedOut' in outcome)
        fail(`generate with an aborted signal did not settle within ${ABORT_LIMIT_MS} ms: check ctx.signal first (throwIfAborted from @ttv/core)`);
      if (outcome.ok) fail('generate resolved although ctx.signal was already aborted: call throwIfAborted(ctx.signal) before doing anything');
      if (!TtvError.is(outcome.error) || outcome.error.code !== 'CANCELLED') {
        fail(`generate with an aborted signal rejected with ${describeError(outcome.error)}: reject with TtvError CANCELLED (throwIfAborted(ctx.signal))`);
      }
      if (spend1 !== spend0) fail(`generate with an aborted signal spent (spend counter ${spend0} → ${spend1}): check ctx.signal before submitting`);
      if (existsSync(request.outputPath)) fail('generate with an aborted signal wrote outputPath');
    });
  },
};

const estimateCost: ConformanceCheck = {
  id: 'estimate-cost',
  title: 'estimateCost is synchronous, finite, ≥ 0, deterministic and offline',
  description: 'Two calls with the same request return the same finite usd ≥ 0, synchronously, without network or spend.',
  applies: () => true,
  async run(ctx) {
    const request = await ctx.request();
    await ctx.withBackend(async (backend) => {
      const net0 = await readCounter(ctx.options.network);
      const spend0 = await readCounter(ctx.options.spend);
      const a = backend.estimateCost(request);
      const b = backend.estimateCost({ ...request });
      if (a && typeof (a as unknown as Promise<unknown>).then === 'function')
        fail('estimateCost returned a Promise: it must be synchronous and offline (compute from the request and a price table)');
      if (!a || typeof a.usd !== 'number' || !Number.isFinite(a.usd) || a.usd < 0)
        fail(`estimateCost returned usd ${JSON.stringify(a?.usd)}: return { usd } as a finite number ≥ 0`);
      if (b.usd !== a.usd) fail(`estimateCost is not deterministic (${a.usd} then ${b.usd} for the same request): derive it from the request only`);
      if ((await readCounter(ctx.options.network)) !== net0) fail('estimateCost made network requests: it must be offline');
      if ((await readCounter(ctx.options.spend)) !== spend0) fail('estimateCost spent: it must be offline');
    });
  },
};

const errorCodes: ConformanceCheck = {
  id: 'error-codes',
  title: 'errors are TtvErrors with stable codes',
  description:
    'Errors from bad requests, an aborted signal and (unit tier) an unreadable input are TtvErrors (TtvError.is) whose code is one of ERROR_CODES and whose message is non-empty.',
  applies: () => true,
  async run(ctx) {
    const errors = await provokeErrors(ctx);
    if (errors.length === 0) fail('no call failed: validate accepted every bad request and generate ignored an aborted signal');
    for (const { what, error } of errors) {
      if (!TtvError.is(error)) {
        fail(
          `${what} threw a plain ${describeError(error)} without a code: throw TtvError from @ttv/core (wrap unknown failures with toTtvError(e, 'GENERATION_FAILED'))`,
        );
      }
      if (!Object.hasOwn(ERROR_CODES, error.code)) fail(`${what} threw code ${JSON.stringify(error.code)}, which is not one of ERROR_CODES: use a stable code`);
      if (typeof error.message !== 'string' || !error.message.trim()) fail(`${what} threw a ${error.code} with an empty message: say what went wrong`);
    }
  },
};

const secrets: ConformanceCheck = {
  id: 'secrets',
  title: 'errors never contain secrets',
  description: 'No provoked error contains any of the given secrets in its message, fix, format() or JSON.',
  applies: (ctx) => (ctx.options.secrets?.some((s) => s.length > 0) ? true : 'no secrets given'),
  async run(ctx) {
    const list = (ctx.options.secrets ?? []).filter((s) => s.length > 0);
    const errors = await provokeErrors(ctx);
    for (const { what, error } of errors) {
      const leak = findSecret(error, list);
      if (leak) {
        fail(
          `the error from ${what} contains the secret ${mask(leak.secret)} in its ${leak.where}: never put credentials (or request headers/URLs carrying them) in errors`,
        );
      }
    }
  },
};

const remoteResume: ConformanceCheck = {
  id: 'remote-resume',
  title: 'remote: onJob is awaited before waiting, and resumeJob re-attaches without a new submission',
  description:
    'generate calls ctx.onJob with a JSON-serialisable job id and awaits it before it resolves; a fresh instance given that job as ctx.resumeJob ' +
    'produces a valid clip without submitting again (spend +0, no new onJob).',
  applies: (ctx) => (ctx.options.remote?.resume ? true : 'not a resumable remote backend (set remote: { resume: true })'),
  async run(ctx) {
    const first = await ctx.request();
    let job: JobHandle | undefined;
    await ctx.withBackend(async (backend) => {
      const rec = await recorder(ctx, { jobDelayMs: 30 });
      let resolvedAt = 0;
      let result: GenerateResult;
      try {
        result = await callBackend(backend, first, rec.context);
        resolvedAt = performance.now();
      } catch (error) {
        fail(`generate rejected a valid request with ${describeError(error)}`);
      }
      const entry = rec.jobs[0];
      if (!entry) fail('generate never called ctx.onJob: call await ctx.onJob({ id }) as soon as the service accepts the job, before waiting for it');
      if (typeof entry.job.id !== 'string' || !entry.job.id)
        fail(`onJob got job id ${JSON.stringify(entry.job.id)}: pass the service's job id as a non-empty string`);
      if (entry.persistedAt === undefined || entry.persistedAt > resolvedAt)
        fail('generate resolved before the onJob promise settled: await ctx.onJob(job) before waiting for the job');
      let roundTrip: unknown;
      try {
        roundTrip = JSON.parse(JSON.stringify(entry.job));
      } catch {
        fail('the job handle is not JSON: keep JobHandle.data to plain JSON values');
      }
      const text = JSON.stringify(roundTrip);
      for (const s of ctx.options.secrets ?? [])
        if (s && text.includes(s)) fail(`the job handle contains the secret ${mask(s)}: never put credentials in JobHandle.data`);
      job = roundTrip as JobHandle;
      await assertClip(ctx.model, first, result, rec);
    });
    const second = await ctx.request();
    await ctx.withBackend(async (backend) => {
      const spend0 = await readCounter(ctx.options.spend);
      const rec = await recorder(ctx, { resumeJob: job! });
      let result: GenerateResult;
      try {
        result = await callBackend(backend, second, rec.context);
      } catch (error) {
        fail(`generate with ctx.resumeJob (${job!.id}) rejected with ${describeError(error)}: re-attach to the job (poll and download it) instead of failing`);
      }
      const spend1 = await readCounter(ctx.options.spend);
      if (spend1 !== spend0)
        fail(`resuming job ${job!.id} submitted again (spend counter ${spend0} → ${spend1}): when ctx.resumeJob is set, re-attach to that job, never submit`);
      const other = rec.jobs.find((j) => j.job.id !== job!.id);
      if (other) fail(`resuming job ${job!.id} reported a new job ${other.job.id} through onJob: when ctx.resumeJob is set, do not submit a new job`);
      await assertClip(ctx.model, second, result, rec);
    });
  },
};

/** Every check, in the order the suite runs them. */
export const CHECKS: readonly ConformanceCheck[] = [
  capabilities,
  describeMatches,
  validateValid,
  validateMissingImage,
  validateUnreadableImage,
  validateSize,
  validateDuration,
  validatePrompt,
  validateLastFrame,
  validateTextOnly,
  estimateCost,
  generate,
  generateText,
  firstLastFrame,
  abortBefore,
  abortMidway,
  lastFrameSimilarity,
  errorCodes,
  secrets,
  remoteResume,
  ...MONEY_CHECKS,
];
