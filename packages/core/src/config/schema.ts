import { z } from 'zod';

/** Film and frame limits checked before anything is generated. */
export const LIMITS = {
  minSize: 16,
  maxSize: 7680,
  minFps: 1,
  maxFps: 240,
  /** Longest film the planner plans for, in seconds (10 hours). */
  maxTotalDurationSec: 36_000,
  /** Most segments a plan may have. */
  maxSegments: 2000,
} as const;

/** ffmpeg's libx264 presets, fastest first. */
export const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow', 'placebo'] as const;

const size = (what: 'width' | 'height', fallback: number) =>
  z
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number of pixels`)
    .min(LIMITS.minSize, `${what} must be at least ${LIMITS.minSize} pixels; use e.g. 1280x720`)
    .max(LIMITS.maxSize, `${what} must be at most ${LIMITS.maxSize} pixels (8K); use e.g. 1920x1080 or 3840x2160`)
    .multipleOf(2, `${what} must be even`)
    .default(fallback);

const positive = (what: string) => z.number({ error: `${what} must be a number` }).positive(`${what} must be > 0`);

export const segmentSchema = z
  .object({
    prompt: z.string().min(1, 'prompt must not be empty').describe('What happens in this segment.'),
    duration: positive('duration').optional().describe('Seconds; defaults to segmentDuration.'),
    keyframe: z.string().min(1).optional().describe('Keyframe mode: the image this segment ends on (PNG/JPEG, relative to the config file).'),
    keyframePrompt: z
      .string()
      .min(1)
      .optional()
      .describe('Keyframe mode without a keyframe image: the still this segment ends on, for the image generator (default: from the prompt).'),
    negativePrompt: z.string().optional().describe('What to avoid, for backends that take one.'),
    seed: z.number().int().nonnegative().optional(),
    narration: z.string().min(1).optional().describe('The line spoken over this segment: the subtitle with `subtitles.from: narration`.'),
    keyframesAt: z
      .array(
        z
          .object({
            image: z.string().min(1).describe('The picture (PNG/JPEG, relative to the config file).'),
            at: positive('at').describe('Seconds from the start of the segment (inside it).'),
          })
          .strict(),
      )
      .max(16)
      .optional()
      .describe('Pictures pinned at times inside this segment, for models that take timed keyframes (LTX-2); left out, with a warning, elsewhere.'),
    references: z
      .array(z.string().min(1))
      .max(20)
      .optional()
      .describe('Names of cast members whose pictures this segment is given as references, besides those its prompt names.'),
  })
  .strict();

export const storyboardSchema = z
  .object({
    image: z.string().min(1).optional().describe('The first frame of the film (PNG/JPEG, relative to the config file).'),
    segments: z
      .array(segmentSchema)
      .min(1, 'segments must list at least one segment')
      .max(LIMITS.maxSegments, `segments may list at most ${LIMITS.maxSegments} segments; make several films`)
      .optional(),
    prompt: z.string().min(1).optional().describe('One long script; the built-in planner splits it into segments of segmentDuration.'),
    totalDuration: positive('totalDuration')
      .max(LIMITS.maxTotalDurationSec, `totalDuration must be at most ${LIMITS.maxTotalDurationSec} seconds (10 hours); make several films`)
      .optional()
      .describe('With prompt: the film length in seconds to plan for.'),
    keyframes: z.array(z.string().min(1)).optional().describe('With prompt in keyframe mode: the images segments end on, in order.'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.segments && !s.prompt) {
      ctx.addIssue({ code: 'custom', message: 'the storyboard needs either segments (a list) or prompt (one long script)' });
    }
    if (s.segments && s.prompt) {
      ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'use either segments or prompt, not both' });
    }
  });

/** The continuity modes: `chaining` (each segment starts from the previous last frame) or `keyframe` (between keyframes). */
export const MODES = ['chaining', 'keyframe', 'extend'] as const;
export type Mode = (typeof MODES)[number];

export const coreConfigShape = {
  $schema: z.string().optional(),
  name: z
    .string()
    .regex(/^[\w.-]+$/, 'name may contain letters, digits, ".", "_" and "-" only')
    .optional()
    .describe('Run name; the default output folder is runs/<name> beside the config file.'),
  mode: z
    .enum(MODES)
    .default('chaining')
    .describe(
      'chaining: image-to-video, each segment starts from the previous last frame (sequential). keyframe: first+last-frame-to-video between keyframes (parallel). extend: each segment continues the previous clip by native extension where the backend offers it (sequential; see extend.fallback).',
    ),
  extend: z
    .object({
      fallback: z
        .enum(['chain', 'next'])
        .default('chain')
        .describe(
          'Extend mode, where a backend cannot extend a clip: chain (continue from the exact last frame, as chaining mode does) or next (try the next backend of the chain).',
        ),
    })
    .strict()
    .prefault({})
    .describe('Extend mode: what happens where a backend cannot continue a clip natively.'),
  backend: z.string().min(1).optional().describe('The backend to use: a name (kenburns, runway, veo3, wan21, …), "auto", or a module path.'),
  backends: z.array(z.string().min(1)).min(1).optional().describe('A fallback chain: tried in order per segment.'),
  cast: z
    .array(
      z
        .object({
          name: z.string().min(1).describe('How the script names it (matched as a whole word, any case).'),
          kind: z.enum(['character', 'place', 'style']).default('character'),
          description: z.string().min(1).describe('Its full description, repeated in every prompt it appears in (each segment is generated alone).'),
          image: z
            .string()
            .min(1)
            .optional()
            .describe('A reference picture (PNG/JPEG, relative to the config file), given to image generators and video models that take references.'),
          required: z
            .boolean()
            .default(false)
            .describe(
              'true: a segment showing this member goes to a backend whose model takes its picture (others are skipped); false: a model that cannot take it gets the segment without it, with a warning.',
            ),
        })
        .strict(),
    )
    .max(50, 'cast may list at most 50 members')
    .default([])
    .describe('The named characters and places of the film, for consistency across segments.'),
  images: z
    .string()
    .min(1)
    .default('card')
    .describe(
      'Keyframe mode: the image generator that makes the keyframes (and the first frame) the storyboard does not give as images: card (storyboard cards, embedded, free), a package name or a module path. Its settings go in a section named after it.',
    ),
  segmentDuration: positive('segmentDuration').default(5).describe('Target seconds per segment.'),
  seed: z.number().int().nonnegative().optional().describe('Base seed; segment i uses seed + i.'),
  output: z
    .object({
      width: size('width', 1280).describe(`Film width in pixels: even, ${LIMITS.minSize}–${LIMITS.maxSize}.`),
      height: size('height', 720).describe(`Film height in pixels: even, ${LIMITS.minSize}–${LIMITS.maxSize}.`),
      fps: z
        .number({ error: 'fps must be a number' })
        .min(LIMITS.minFps, `fps must be at least ${LIMITS.minFps}; use e.g. 24, 25 or 30`)
        .max(LIMITS.maxFps, `fps must be at most ${LIMITS.maxFps}; use e.g. 24, 25, 30 or 60`)
        .default(24)
        .describe(`Frames per second of the film, ${LIMITS.minFps}–${LIMITS.maxFps}.`),
      dir: z.string().optional().describe('Run folder (default runs/<name>); --out overrides it.'),
    })
    .strict()
    .prefault({})
    .describe('The final film: size, frame rate, folder.'),
  concurrency: z.number().int().min(1).default(2).describe('Keyframe mode: segments generated at once.'),
  retries: z
    .object({
      maxAttempts: z.number().int().min(1).max(20).default(3).describe('Attempts per backend for retryable errors.'),
      baseDelayMs: z.number().int().min(0).default(2000),
      maxDelayMs: z.number().int().min(0).default(60_000),
    })
    .strict()
    .prefault({}),
  onModeration: z
    .enum(['fail', 'next', 'reword'])
    .default('fail')
    .describe("When a backend refuses content: stop, try the next backend, or reword the prompt (the backend's own hook, else the planner) and try again."),
  planner: z
    .string()
    .min(1)
    .default('deterministic')
    .describe(
      'The planner that turns storyboard.prompt (one long script) into segments, and rewords refused prompts (onModeration: reword). deterministic: embedded, free (groups sentences; a keyframe is the last sentence as a still); ai: an LLM through the Vercel AI SDK (@ttv/ai); a package name or a module path. Its settings go in a section named after it.',
    ),
  budget: z
    .object({
      maxUsd: z.number().nonnegative().optional().describe('Stop before any call that would make the run cost more.'),
      warnUsd: z.number().nonnegative().optional().describe('Warn once when the run passes this cost.'),
    })
    .strict()
    .prefault({}),
  join: z
    .object({
      dropSeamFrames: z.boolean().default(true).describe('Drop the first frame of every segment after the first (it repeats the seam frame).'),
      crf: z.number().int().min(0).max(51).default(18),
      preset: z.enum(X264_PRESETS).default('veryfast').describe('ffmpeg x264 preset of the final encode (slower = smaller file).'),
      audio: z
        .enum(['auto', 'off'])
        .default('auto')
        .describe(
          'auto: when any segment has sound, the film gets one continuous track (silence under silent segments, cut with dropped seam frames); off: a silent film.',
        ),
      audioFadeMs: z.number().int().min(0).max(1000).default(50).describe('Fade-out + fade-in at each audio seam, in ms (0: hard cuts; clicks are likely).'),
      colorMatch: z
        .enum(['off', 'on'])
        .default('off')
        .describe(
          "on: each segment's colour and exposure are matched to the previous segment's (corrected) last frame, one transform a segment; in chaining mode the next segment starts from the corrected frame.",
        ),
      colorMatchStrength: z.number().min(0).max(1).default(1).describe('How far the colour match goes: 0 = unchanged, 1 = full match.'),
      crossfadeFrames: z
        .number()
        .int()
        .min(0)
        .max(240)
        .default(0)
        .describe('Frames over which each segment dissolves into the next (0: a hard cut). The film is that much shorter per seam.'),
    })
    .strict()
    .prefault({}),
  audio: z
    .object({
      generate: z
        .enum(['auto', 'off', 'on', 'required'])
        .default('auto')
        .describe(
          "Sound from the video models: auto (each backend's own setting), off, on (asked where a model makes sound; a warning where it cannot), required (a backend whose model makes no sound is skipped).",
        ),
      reference: z
        .string()
        .min(1)
        .optional()
        .describe('A reference audio clip (a voice, a sound to match), for models that take one; relative to the config file.'),
    })
    .strict()
    .prefault({})
    .describe('Generated sound: whether the video models make it, and a reference clip.'),
  soundtrack: z
    .object({
      file: z
        .string()
        .min(1)
        .optional()
        .describe('Music or narration mixed under the film (any audio ffmpeg reads; relative to the config file). Looped or cut to the film.'),
      volume: z.number().min(0).max(1).default(0.3).describe("Gain of the soundtrack; it is ducked further wherever the clips' own sound plays."),
      fadeOutSec: z.number().min(0).max(60).default(2).describe('Fade-out at the end of the film, in seconds.'),
    })
    .strict()
    .prefault({}),
  subtitles: z
    .object({
      from: z
        .enum(['off', 'prompts', 'narration'])
        .default('off')
        .describe('Write final.srt beside the film, one cue per segment at its exact place: its prompt, or its narration line.'),
      burnIn: z
        .boolean()
        .default(false)
        .describe('Also draw the subtitles into the picture of final.mp4 (one more encode of the film; needs a font that fontconfig finds).'),
    })
    .strict()
    .prefault({}),
  ffmpeg: z.object({ ffmpegPath: z.string().optional(), ffprobePath: z.string().optional() }).strict().prefault({}),
  storyboard: storyboardSchema,
};

export const coreConfigSchema = z
  .object(coreConfigShape)
  .strict()
  .superRefine((c, ctx) => {
    checkCrossfade(c, ctx);
    if (c.subtitles.from !== 'narration') return;
    const missing = (c.storyboard.segments ?? []).flatMap((s, i) => (s.narration ? [] : [i]));
    if (!c.storyboard.segments || missing.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['subtitles', 'from'],
        message: c.storyboard.segments
          ? `subtitles from narration need a narration line on every segment; storyboard.segments[${missing.join('], [')}] have none (add narration:, or use subtitles.from: prompts)`
          : 'subtitles from narration need storyboard.segments, each with a narration line (a one-prompt storyboard has none; use subtitles.from: prompts)',
      });
    }
  });
/** A crossfade must leave every segment at least one frame of its own between its two dissolves. */
function checkCrossfade(
  c: {
    join: { crossfadeFrames: number };
    segmentDuration: number;
    output: { fps: number };
    storyboard: { segments?: Array<{ duration?: number | undefined }> | undefined };
  },
  ctx: z.RefinementCtx,
): void {
  const K = c.join.crossfadeFrames;
  if (K === 0) return;
  const shortest = Math.min(c.segmentDuration, ...(c.storyboard.segments ?? []).map((s) => s.duration ?? c.segmentDuration));
  const frames = Math.floor(shortest * c.output.fps);
  if (2 * K + 2 > frames) {
    ctx.addIssue({
      code: 'custom',
      path: ['join', 'crossfadeFrames'],
      message: `join.crossfadeFrames ${K} is too long for a ${shortest} s segment (${frames} frames at ${c.output.fps} fps): use at most ${Math.max(0, Math.floor((frames - 2) / 2))}, or 0 for hard cuts`,
    });
  }
}

export type CoreConfig = z.output<typeof coreConfigSchema>;
export type SegmentInput = z.output<typeof segmentSchema>;
export const CORE_CONFIG_KEYS = Object.keys(coreConfigShape);
