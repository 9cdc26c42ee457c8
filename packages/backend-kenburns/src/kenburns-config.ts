import { z } from 'zod';

/**
 * The `kenburns:` section of a ttv config. Every field has a default, so an empty (or absent) section is valid.
 * Plugins must use a strict schema: a misspelt key is a CONFIG_INVALID error instead of a silently ignored one.
 */
export const configSchema = z
  .object({
    motion: z
      .enum(['zoom-in', 'zoom-out', 'pan', 'auto'])
      .default('auto')
      .describe(
        'Camera move. zoom-in: push in; pan: push in while drifting sideways; zoom-out: pull back to reveal a blurred backdrop; ' +
          'auto: zoom-in or pan, chosen deterministically from the segment index and seed.',
      ),
    zoom: z.number().min(1).max(3).default(1.15).describe('Zoom factor reached at the end of a clip (1 = no zoom; pan and zoom-in need > 1 to move).'),
    fps: z.number().positive().max(120).default(24).describe('Frames per second of the rendered clips.'),
    crf: z.number().int().min(0).max(51).default(18).describe('libx264 constant rate factor (lower = better quality, bigger files).'),
    preset: z
      .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'])
      .default('veryfast')
      .describe('libx264 preset (speed/size trade-off; quality is set by crf).'),
  })
  .strict();

/** The parsed config (all defaults applied). */
export type KenBurnsConfig = z.infer<typeof configSchema>;

export type Motion = KenBurnsConfig['motion'];

/** The defaults, e.g. for tests and for creating the backend without a config file. */
export const defaultConfig: KenBurnsConfig = configSchema.parse({});
