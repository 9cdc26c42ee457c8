import { pollingConfigSchema, timeoutsConfigSchema } from '@ttv/core/backend';
import { z } from 'zod';
import { connectionFields, contentModerationSchema, requestFields } from '../runway-config.js';
import { GEN4_IMAGE_RATIOS, IMAGE_MODEL_IDS } from './models.js';

/**
 * The `runway-images:` section (`images: runway`). Every field has a default or is optional, so an empty section
 * is valid: the key comes from `RUNWAYML_API_SECRET`, as for the `runway:` video backend (the same key serves both).
 */
export const imagesConfigSchema = z
  .object({
    ...connectionFields,
    model: z
      .enum(IMAGE_MODEL_IDS)
      .default('gen4_image')
      .describe(
        'gen4_image (5 credits at 720p, 8 at 1080p) or gen4_image_turbo (2 credits; needs at least one reference image: a still with none is made with gen4_image, and the result says so).',
      ),
    ratio: z
      .enum(GEN4_IMAGE_RATIOS)
      .optional()
      .describe('Force this output size (e.g. 1920:1080). Default: the nearest aspect ratio to the requested size, at the smallest size that covers it.'),
    fit: z
      .enum(['crop', 'pad'])
      .default('crop')
      .describe(
        "How Runway's picture is brought to exactly the requested size when the aspect ratios differ: crop (scale and cut the overflow) or pad (scale and add black bars).",
      ),
    chain: z
      .boolean()
      .default(true)
      .describe('Chain keyframes: pass the previous keyframe as a reference image tagged @previous (it then takes one of the three reference slots).'),
    seed: requestFields.seed,
    imageUpload: requestFields.imageUpload,
    contentModeration: contentModerationSchema.optional().describe('Content-moderation options of the gen4 image models.'),
    rateLimitRetries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(3)
      .describe('How often a create refused with 429 (rate limited, not the daily quota) is sent again, after the wait the API asks for.'),
    polling: pollingConfigSchema({ intervalMs: 5000, maxIntervalMs: 15_000, backoff: 1.3, jitter: 0.2, maxErrors: 6 }).describe(
      'Status polling. Runway updates a task at most every 5 s.',
    ),
    timeouts: timeoutsConfigSchema({
      requestMs: [60_000, 'Per HTTP request to the API.'],
      taskMs: [600_000, 'A task may take this long in total (queued + running) before it is cancelled (TIMEOUT).'],
      downloadMs: [120_000, 'The download of the finished picture.'],
    }),
  })
  .strict();

export type RunwayImagesConfig = z.output<typeof imagesConfigSchema>;
export type RunwayImagesConfigInput = z.input<typeof imagesConfigSchema>;
