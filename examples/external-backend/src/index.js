// @ts-check
/**
 * ttv-backend-solid: a minimal third-party ttv backend.
 *
 *   model `solid`: text → a clip of one solid colour (the config's `color`)
 *   model `still`: first frame → a still clip of that picture
 *
 * Everything heavy comes from @ttv/core's media helpers (bundled ffmpeg), so this package has no binary of
 * its own. Plain JavaScript with JSDoc types: no build step.
 */
import {
  clipResult,
  defineBackend,
  describeDurations,
  durationAllowed,
  encodeStill,
  probeImage,
  probeVideo,
  produceAtomic,
  runFfmpeg,
  TtvError,
  throwIfAborted,
} from '@ttv/core';
import { z } from 'zod';

/** @typedef {import('@ttv/core').VideoBackend} VideoBackend */
/** @typedef {import('@ttv/core').GenerateRequest} GenerateRequest */
/** @typedef {import('@ttv/core').ModelCapabilities} ModelCapabilities */
/** @typedef {import('@ttv/core').BackendInfo} BackendInfo */

/** The `solid:` section of a ttv config. Strict: a misspelt key is a CONFIG_INVALID error. */
export const configSchema = z
  .object({
    color: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, 'color must be #rrggbb')
      .default('#336699')
      .describe('Colour of text-only (model solid) clips, #rrggbb.'),
    fps: z.number().positive().max(60).default(24).describe('Frames per second of the clips.'),
  })
  .strict();

/** @typedef {z.output<typeof configSchema>} SolidConfig */

const RESOLUTIONS = [
  { width: 320, height: 180 },
  { width: 640, height: 360 },
  { width: 1280, height: 720 },
];

/**
 * @param {SolidConfig} config
 * @returns {BackendInfo}
 */
export function describeSolid(config) {
  /** @type {Omit<ModelCapabilities, 'id' | 'inputs'>} */
  const common = {
    durations: { kind: 'range', min: 0.5, max: 10 },
    resolutions: RESOLUTIONS,
    fps: config.fps,
    maxPromptLength: 2000,
    concurrency: 2,
    audio: false,
    usdPerSecond: 0,
  };
  return {
    name: 'solid',
    displayName: 'Solid colour (example)',
    kind: 'local',
    models: [
      { id: 'still', inputs: ['first-frame'], ...common },
      { id: 'solid', inputs: ['text'], ...common },
    ],
    defaultModel: 'still',
  };
}

/**
 * @param {string} message
 * @param {string} field
 * @param {unknown} value
 * @param {string} fix
 */
function invalid(message, field, value, fix) {
  return new TtvError('INPUT_INVALID', message, { field, value, fix });
}

/**
 * @param {SolidConfig} config
 * @returns {VideoBackend}
 */
export function createSolidBackend(config) {
  const info = describeSolid(config);
  /** @param {number} seconds */
  const frameCount = (seconds) => Math.max(1, Math.round(seconds * config.fps));

  /** @type {VideoBackend} */
  const backend = {
    specificationVersion: 2,
    ...info,

    // 1. validate: local checks only (no spend, no network), INPUT_INVALID with field, value and fix.
    async validate(request) {
      const model = info.models.find((m) => m.id === request.model);
      if (!model) throw invalid(`solid has no model "${request.model}"`, 'model', request.model, 'use model: still or solid');
      if (!durationAllowed(model.durations, request.durationSec)) {
        throw invalid(
          `solid renders ${describeDurations(model.durations)} s clips, not ${request.durationSec} s`,
          'durationSec',
          request.durationSec,
          'choose a duration between 0.5 and 10 s',
        );
      }
      if (!model.resolutions.some((r) => r.width === request.width && r.height === request.height)) {
        const sizes = model.resolutions.map((r) => `${r.width}x${r.height}`).join(', ');
        throw invalid(`solid does not render ${request.width}x${request.height}`, 'resolution', `${request.width}x${request.height}`, `use one of ${sizes}`);
      }
      if (request.prompt.length > model.maxPromptLength) {
        throw invalid(`prompt is ${request.prompt.length} characters, over ${model.maxPromptLength}`, 'prompt', request.prompt.length, 'shorten the prompt');
      }
      if (request.lastFrame !== undefined) {
        throw invalid(`model ${model.id} cannot end on a given frame`, 'lastFrame', request.lastFrame, 'use chaining mode, or a backend with first-last-frame');
      }
      if (model.inputs.includes('first-frame')) {
        if (!request.firstFrame) throw invalid('model still needs a first frame', 'firstFrame', undefined, 'set storyboard.image, or use model: solid');
        try {
          await probeImage(request.firstFrame);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw invalid(`firstFrame is not a readable image: ${reason}`, 'firstFrame', request.firstFrame, 'point it at a PNG or JPEG file');
        }
      }
    },

    // 2. estimateCost: offline and deterministic. Rendering locally is free.
    estimateCost: () => ({ usd: 0, basis: 'local ffmpeg render' }),

    // 3. generate: honour the signal, report progress, write atomically, report what was written.
    async generate(request, ctx) {
      throwIfAborted(ctx.signal);
      await backend.validate(request);
      const frames = frameCount(request.durationSec);
      const { width, height } = request;
      ctx.onProgress({ fraction: 0, message: `rendering ${frames} frames` });
      await produceAtomic(request.outputPath, async (tmp) => {
        if (request.model === 'still') {
          await encodeStill(/** @type {string} */ (request.firstFrame), tmp, { frames, fps: config.fps, width, height, signal: ctx.signal });
        } else {
          const color = config.color.replace('#', '0x');
          await runFfmpeg(
            [
              ...['-f', 'lavfi', '-i', `color=c=${color}:s=${width}x${height}:r=${config.fps}`, '-frames:v', String(frames)],
              ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-f', 'mp4', tmp],
            ],
            { signal: ctx.signal },
          );
        }
      });
      const probe = await probeVideo(request.outputPath, { signal: ctx.signal });
      ctx.onProgress({ fraction: 1 });
      return clipResult(request.outputPath, probe, { costUsd: 0 });
    },
  };
  return backend;
}

/** The plugin: `backend: solid` in a ttv config resolves to this package (ttv-backend-solid). */
export default defineBackend({
  specificationVersion: 2,
  name: 'solid',
  displayName: 'Solid colour (example)',
  kind: 'local',
  configSchema,
  describe: describeSolid,
  create: (config) => createSolidBackend(config),
});
