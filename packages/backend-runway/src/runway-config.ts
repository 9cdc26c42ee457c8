import { pollingConfigSchema, timeoutsConfigSchema } from '@ttv/core/backend';
import { z } from 'zod';
import { ALL_RATIOS, durationFits, MODEL_IDS, MODELS } from './runway-models.js';

/** The key and endpoint fields every Runway section has (`runway:`, `runway-images:`): the same key serves both. */
export const connectionFields = {
  apiKey: z
    .string()
    .min(1)
    .optional()
    .describe('Runway API key (secret). Default: the RUNWAYML_API_SECRET environment variable (preferred: keep keys out of config files).'),
  baseUrl: z.url().optional().describe('API base URL (for proxies and emulators). Default: RUNWAYML_BASE_URL, else https://api.dev.runwayml.com.'),
};

/** Request fields the video and image sections share. */
export const requestFields = {
  seed: z
    .number()
    .int()
    .min(0)
    .max(4_294_967_295)
    .optional()
    .describe('Seed sent when a segment has none (a segment seed wins). Default: random, chosen by Runway.'),
  imageUpload: z
    .enum(['auto', 'inline', 'ephemeral'])
    .default('auto')
    .describe(
      'How images are sent. inline: data URI (PNG, or a JPEG re-encoded to fit the 5 MB data-URI limit); ephemeral: upload to Runway first (runway:// URI); auto: inline, falling back to an upload when even a small JPEG would not fit.',
    ),
};

/** `contentModeration` (gen4 models). */
export const contentModerationSchema = z
  .object({
    publicFigureThreshold: z
      .enum(['auto', 'low'])
      .default('auto')
      .describe('gen4_turbo / gen4.5: how strictly recognisable public figures are refused (low = less strict).'),
  })
  .strict();

/**
 * The `runway:` section of a ttv config. Every field has a default or is optional, so an empty section is
 * valid: the API key then comes from `RUNWAYML_API_SECRET` when the backend is created, and a missing key is
 * reported (AUTH) only when a clip is generated, so `ttv plan`/`ttv estimate` work without one.
 */
export const configSchema = z
  .object({
    apiKey: connectionFields.apiKey,
    model: z
      .enum(MODEL_IDS)
      .default('gen4_turbo')
      .describe(
        'Preferred model. gen4_turbo (5 credits/s) and gen4.5 (12/s) take a first frame; veo3.1 (20/s, 40 with audio) and veo3.1_fast (10/s, 15 with audio) also a last frame (keyframe mode); seedance2 (36/s, 40 at 1080p), seedance2_fast (29/s), seedance2_mini (16/s) and seedance2_5 (20/s at 480p, 30 at 720p) also make clips from text with up to 9 (2.5: 30) reference pictures and a reference audio clip.',
      ),
    ratio: z
      .enum(ALL_RATIOS as [string, ...string[]])
      .optional()
      .describe('Force this output ratio (pixel size, e.g. 1280:720) for the models that support it. Default: the one nearest output.width × output.height.'),
    duration: z
      .number()
      .positive()
      .optional()
      .describe('Force this clip length in seconds for the models that support it. Default: the one nearest the segment duration.'),
    seed: requestFields.seed,
    baseUrl: connectionFields.baseUrl,
    fit: z
      .enum(['cover', 'contain'])
      .default('cover')
      .describe('How input images are fitted to the ratio: cover (scale and crop) or contain (scale and pad with black).'),
    imageUpload: requestFields.imageUpload,
    audio: z
      .boolean()
      .default(false)
      .describe(
        'Generate an audio track where the model makes one (Veo: costs more; Seedance: same price; ignored by the gen4 models), unless audio.generate says otherwise. Sent explicitly as false otherwise.',
      ),
    contentModeration: contentModerationSchema.optional().describe('Content-moderation options (gen4_turbo and gen4.5 only; ignored for Veo).'),
    concurrency: z.number().int().min(1).max(20).default(1).describe('Tasks run at once (your Runway tier allows 1–2 at tier 1; extra tasks wait THROTTLED).'),
    polling: pollingConfigSchema({ intervalMs: 5000, maxIntervalMs: 20_000, backoff: 1.3, jitter: 0.2, maxErrors: 6 }).describe(
      'Status polling. Runway updates a task at most every 5 s; THROTTLED tasks are polled at maxIntervalMs.',
    ),
    timeouts: timeoutsConfigSchema({
      requestMs: [60_000, 'Per HTTP request to the API.'],
      taskMs: [1_800_000, 'A task may take this long in total (queued + running) before it is cancelled (TIMEOUT).'],
      downloadMs: [300_000, 'Per output download attempt.'],
    }),
  })
  .strict()
  .superRefine((c, ctx) => {
    const model = MODELS[c.model];
    if (c.ratio !== undefined && !(model.ratios as readonly string[]).includes(c.ratio)) {
      ctx.addIssue({ code: 'custom', path: ['ratio'], message: `${c.model} does not make ratio ${c.ratio}; it makes ${model.ratios.join(', ')}` });
    }
    if (c.duration !== undefined && !durationFits(model.durations, c.duration)) {
      const allowed = model.durations.kind === 'discrete' ? model.durations.values.join(', ') : `whole seconds ${model.durations.min}–${model.durations.max}`;
      ctx.addIssue({ code: 'custom', path: ['duration'], message: `${c.model} makes ${allowed} s clips, not ${c.duration} s` });
    }
  });

export type RunwayConfig = z.output<typeof configSchema>;
export type RunwayConfigInput = z.input<typeof configSchema>;

export const defaultConfig: RunwayConfig = configSchema.parse({});
