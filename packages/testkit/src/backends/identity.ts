import { existsSync } from 'node:fs';
import { type BackendInfo, defineBackend, type GenerateContext, type GenerateRequest, type GenerateResult, type LocalVideoBackend, TtvError } from '@ttv/core';
import { clipResult, describeDurations, durationAllowed, produceAtomic } from '@ttv/core/backend';
import { encodeStill, probeImage, probeVideo, runFfmpeg } from '@ttv/core/media';
import { z } from 'zod';

/** Colour-accurate scaler flags (no luma drift across RGB→YUV→RGB round trips). */
const SWS = 'spline+accurate_rnd+full_chroma_int';

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
      {
        id: 'still',
        inputs: ['first-frame', 'first-last-frame'],
        durations: { kind: 'range', min: 0.1, max: 60 },
        resolutions: SIZES,
        fps: config.fps,
        maxPromptLength: 100_000,
        concurrency: 4,
      },
    ],
  };
}

/**
 * A backend whose clip is a still of its first frame (for first-last-frame requests, the last frame is the last
 * image). It isolates the media path from any model: chaining through it must not drift.
 */
export function createIdentityBackend(config: Partial<z.input<typeof identityConfigSchema>> = {}): LocalVideoBackend {
  const cfg = identityConfigSchema.parse(config);
  const described = info(cfg);
  const model = described.models[0]!;
  const invalid = (field: string, message: string, value: unknown, fix: string) => new TtvError('INPUT_INVALID', `identity: ${message}`, { field, value, fix });
  return {
    specificationVersion: 2,
    async validate(request: GenerateRequest) {
      if (request.model !== model.id) throw invalid('model', `unknown model ${request.model}`, request.model, `use "${model.id}"`);
      if (!request.firstFrame) throw invalid('firstFrame', 'needs a first frame', undefined, 'set storyboard.image');
      if (request.prompt.length > model.maxPromptLength)
        throw invalid('prompt', `prompt is ${request.prompt.length} characters`, request.prompt.length, `at most ${model.maxPromptLength}`);
      if (!durationAllowed(model.durations, request.durationSec))
        throw invalid('durationSec', `${request.durationSec} s is out of range`, request.durationSec, `use ${describeDurations(model.durations)} s`);
      if (!model.resolutions.some((r) => r.width === request.width && r.height === request.height)) {
        throw invalid(
          'width',
          `${request.width}x${request.height} is not a supported size`,
          `${request.width}x${request.height}`,
          `use one of ${model.resolutions.map((r) => `${r.width}x${r.height}`).join(', ')}`,
        );
      }
      for (const field of ['firstFrame', 'lastFrame'] as const) {
        const path = request[field];
        if (!path) continue;
        if (!existsSync(path)) throw invalid(field, `${field} not found: ${path}`, path, 'check the image path');
        await probeImage(path).catch((cause: unknown) => {
          throw new TtvError('INPUT_INVALID', `identity: ${field} is not a readable image: ${path}`, { field, value: path, fix: 'use a PNG or JPEG', cause });
        });
      }
    },
    estimateCost: () => ({ usd: 0, basis: 'free' }),
    async generate(request: GenerateRequest, ctx: GenerateContext): Promise<GenerateResult> {
      await this.validate(request);
      const fps = cfg.fps;
      const frames = Math.max(1, Math.round(request.durationSec * fps));
      const { width: w, height: h } = request;
      await produceAtomic(request.outputPath, async (tmp) => {
        if (!request.lastFrame || frames < 2) {
          await encodeStill(request.firstFrame!, tmp, { frames, fps, width: w, height: h, signal: ctx.signal });
          return;
        }
        // frames-1 stills of the first image, then one of the last, in one encode (colour-accurate RGB→YUV).
        const fit = `scale=${w}:${h}:flags=${SWS},setsar=1`;
        await runFfmpeg(
          [
            ...['-loop', '1', '-framerate', String(fps), '-i', request.firstFrame!],
            ...['-loop', '1', '-framerate', String(fps), '-i', request.lastFrame],
            '-filter_complex',
            `[0:v]${fit},trim=end_frame=${frames - 1}[a];[1:v]${fit},trim=end_frame=1[b];[a][b]concat=n=2:v=1:a=0[c];[c]scale=${w}:${h}:flags=${SWS},format=yuv420p[v]`,
            ...['-map', '[v]', '-frames:v', String(frames), '-r', String(fps), '-an'],
            ...['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'stillimage', '-crf', '12', '-pix_fmt', 'yuv420p', '-video_track_timescale', '90000'],
            '-f',
            'mp4',
            tmp,
          ],
          { signal: ctx.signal },
        );
      });
      ctx.onProgress({ fraction: 1 });
      const p = await probeVideo(request.outputPath);
      return clipResult(request.outputPath, p, { costUsd: 0 });
    },
  };
}

/** The identity backend as a plugin (`backend: <path to this module>` or registered by tests). */
export const identityPlugin = defineBackend({
  specificationVersion: 2,
  name: 'identity',
  displayName: 'Identity (testkit)',
  kind: 'embedded',
  configSchema: identityConfigSchema,
  describe: info,
  create: (config) => createIdentityBackend(config),
});
