import { existsSync } from 'node:fs';
import {
  type BackendInfo,
  defineBackend,
  encodeStill,
  type GenerateContext,
  type GenerateRequest,
  type GenerateResult,
  probeVideo,
  produceAtomic,
  TtvError,
  type VideoBackend,
} from '@ttv/core';
import { z } from 'zod';

const SIZES = [
  { width: 320, height: 180 },
  { width: 640, height: 360 },
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
];

export const identityConfigSchema = z.object({ fps: z.number().positive().default(16) }).strict();

function info(config: z.output<typeof identityConfigSchema>): BackendInfo {
  return {
    name: 'identity',
    displayName: 'Identity (testkit)',
    kind: 'embedded',
    defaultModel: 'still',
    models: [
      { id: 'still', inputs: ['first-frame', 'first-last-frame'], durations: { kind: 'range', min: 0.1, max: 60 }, resolutions: SIZES, fps: config.fps, maxPromptLength: 100_000, concurrency: 4 },
    ],
  };
}

/**
 * A backend whose clip is a still of its first frame (its last frame, for first-last-frame requests, is the
 * last image). It isolates the media path from any model: chaining through it must not drift.
 */
export function createIdentityBackend(config: Partial<z.input<typeof identityConfigSchema>> = {}): VideoBackend {
  const cfg = identityConfigSchema.parse(config);
  return {
    specificationVersion: 1,
    ...info(cfg),
    async validate(request: GenerateRequest) {
      if (!request.firstFrame) throw new TtvError('INPUT_INVALID', 'identity needs a first frame', { field: 'firstFrame', fix: 'set storyboard.image' });
      for (const field of ['firstFrame', 'lastFrame'] as const) {
        const p = request[field];
        if (p && !existsSync(p)) throw new TtvError('INPUT_INVALID', `${field} not found: ${p}`, { field, value: p, fix: 'check the image path' });
      }
    },
    estimateCost: () => ({ usd: 0, basis: 'free' }),
    async generate(request: GenerateRequest, ctx: GenerateContext): Promise<GenerateResult> {
      await this.validate(request);
      const frames = Math.max(1, Math.round(request.durationSec * cfg.fps));
      await produceAtomic(request.outputPath, async (tmp) => {
        if (request.lastFrame && frames > 1) {
          const { joinSegments } = await import('@ttv/core');
          const a = `${tmp}.a.mp4`;
          const b = `${tmp}.b.mp4`;
          await encodeStill(request.firstFrame!, a, { frames: frames - 1, fps: cfg.fps, width: request.width, height: request.height, signal: ctx.signal });
          await encodeStill(request.lastFrame, b, { frames: 1, fps: cfg.fps, width: request.width, height: request.height, signal: ctx.signal });
          await joinSegments([{ path: a }, { path: b }], tmp, { width: request.width, height: request.height, fps: cfg.fps }, { signal: ctx.signal });
        } else {
          await encodeStill(request.firstFrame!, tmp, { frames, fps: cfg.fps, width: request.width, height: request.height, signal: ctx.signal });
        }
      });
      ctx.onProgress({ fraction: 1 });
      const p = await probeVideo(request.outputPath);
      return { file: request.outputPath, durationSec: p.durationSec, frames: p.frames, width: p.width, height: p.height, fps: p.fps, costUsd: 0, warnings: [] };
    },
  };
}

/** The identity backend as a plugin (`backend: <path to this module>` or registered by tests). */
export const identityPlugin = defineBackend({
  specificationVersion: 1,
  name: 'identity',
  displayName: 'Identity (testkit)',
  kind: 'embedded',
  configSchema: identityConfigSchema,
  describe: info,
  create: (config) => createIdentityBackend(config),
});
