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
import { checkImage, checkRequest, clipResult, defineBackend, produceAtomic, throwIfAborted } from '@ttv/core/backend';
import { encodeStill, probeVideo, runFfmpeg } from '@ttv/core/media';
import { z } from 'zod';

/** @typedef {import('@ttv/core/backend').LocalVideoBackend} LocalVideoBackend */
/** @typedef {import('@ttv/core/backend').ModelCapabilities} ModelCapabilities */
/** @typedef {import('@ttv/core/backend').BackendCapabilities} BackendCapabilities */

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
 * The capabilities: stated here once. The registry, the engine and the conformance suite read them from
 * `describe(config)`; the backend validates against them.
 * @param {SolidConfig} config
 * @returns {BackendCapabilities}
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
    models: [
      { id: 'still', inputs: ['first-frame'], ...common },
      { id: 'solid', inputs: ['text'], ...common },
    ],
    defaultModel: 'still',
  };
}

/**
 * @param {SolidConfig} config
 * @param {import('@ttv/core/backend').BackendCreateContext} _context nothing here needs the config file's directory or the environment
 * @returns {LocalVideoBackend}
 */
export function createSolidBackend(config, _context) {
  const info = describeSolid(config);
  /** @param {number} seconds */
  const frameCount = (seconds) => Math.max(1, Math.round(seconds * config.fps));

  /** @type {LocalVideoBackend} */
  const backend = {
    specificationVersion: 2,

    // 1. validate: local checks only (no spend, no network). The kit's checkRequest covers model, size,
    //    duration, prompt length and which inputs the model takes, with INPUT_INVALID naming field, value and fix.
    async validate(request) {
      const model = checkRequest('solid', info, request);
      if (model.inputs.includes('first-frame')) await checkImage(request.firstFrame, 'firstFrame', { backend: 'solid' });
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
  create: (config, ctx) => createSolidBackend(config, ctx),
});
