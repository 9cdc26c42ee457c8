import { z } from 'zod';
import { PRESET_NAMES } from './command-models.js';

const resolution = z.object({ width: z.number().int().positive().multipleOf(2), height: z.number().int().positive().multipleOf(2) }).strict();

const durations = z.union([
  z.object({ kind: z.literal('discrete'), values: z.array(z.number().positive()).min(1) }).strict(),
  z.object({ kind: z.literal('range'), min: z.number().positive(), max: z.number().positive(), step: z.number().positive().optional() }).strict(),
]);

/**
 * The `command:` section of a ttv config. With `preset`, every field has the preset's value and only `vars`
 * (model paths, the script) must be given; without a preset, `args` and `vars` describe any CLI.
 */
export const configSchema = z
  .object({
    preset: z
      .enum(PRESET_NAMES as [string, ...string[]])
      .optional()
      .describe(`A built-in tool description: ${PRESET_NAMES.join(', ')}. Other fields override its values.`),
    command: z.string().min(1).optional().describe('Executable to run (no shell), e.g. the python of the tool’s venv. Default: the preset’s (python).'),
    args: z
      .array(z.union([z.string(), z.array(z.string()).min(1), z.object({ each: z.literal('keyframes'), args: z.array(z.string()).min(1) }).strict()]))
      .optional()
      .describe(
        'Argument template. Placeholders: {prompt} {image} {lastImage} {seconds} {frames} {fps} {width} {height} {seed} ' +
          '{output} {outputDir} {lastFrameIndex} {negativePrompt} {inputVideo} and every key of vars. A nested list is an optional group, ' +
          'dropped when any placeholder in it has no value (e.g. ["--end_image_path", "{lastImage}"]). ' +
          '{each: keyframes, args: [...]} is repeated once per timed keyframe, with {keyframe} and {keyframeIndex}.',
      ),
    extraArgs: z.array(z.string()).default([]).describe('Appended to the template (placeholders allowed), e.g. ["--fp8", "--blocks_to_swap", "16"].'),
    vars: z
      .record(z.string().regex(/^\w+$/), z.string())
      .default({})
      .describe('User placeholders, e.g. the script and model paths of a preset (relative paths resolve from the config file).'),
    cwd: z.string().optional().describe('Working directory of the tool (default: the config file’s directory).'),
    env: z.record(z.string(), z.string()).default({}).describe('Extra environment variables for the tool.'),
    output: z
      .union([z.object({ kind: z.literal('file') }).strict(), z.object({ kind: z.literal('directory'), glob: z.string().min(1).default('*.mp4') }).strict()])
      .optional()
      .describe('file: the tool writes {output}; directory: the tool writes one new file matching glob into {outputDir} (the newest is taken).'),
    fps: z.number().positive().optional().describe('Frame rate of the clips the tool makes.'),
    inputs: z
      .array(z.enum(['text', 'first-frame', 'first-last-frame', 'extend']))
      .min(1)
      .optional()
      .describe('Input modes the tool accepts (extend: it continues the clip passed as {inputVideo}).'),
    extendOutput: z
      .enum(['continuation', 'input+continuation'])
      .optional()
      .describe('What the tool writes when it extends a clip: the continuation only, or the input followed by it (ttv keeps the new frames).'),
    audio: z.boolean().optional().describe('Whether the tool writes a sound track (a request without sound gets it removed).'),
    timedKeyframes: z.number().int().nonnegative().optional().describe('How many pictures the tool pins inside a clip ({each: keyframes} groups).'),
    durations: durations.optional().describe('Clip lengths the tool can make: {kind: discrete, values} or {kind: range, min, max, step}.'),
    resolutions: z.array(resolution).min(1).optional().describe('Output sizes the tool makes.'),
    maxPromptLength: z.number().int().positive().optional().describe('Longest prompt the tool takes, in characters.'),
    model: z.string().min(1).optional().describe('Model id shown in logs and the manifest (default: the preset name, or "command").'),
    concurrency: z.number().int().min(1).default(1).describe('Jobs at once (with gpus: at most gpus / gpusPerJob).'),
    gpus: z.array(z.number().int().nonnegative()).default([]).describe('GPU indices the engine may lease to jobs (CUDA_VISIBLE_DEVICES). Empty: no leasing.'),
    gpusPerJob: z.number().int().min(1).default(1).describe('GPUs per job when gpus is set.'),
    timeoutMinutes: z.number().positive().default(60).describe('Kill the tool (process group: SIGTERM, then SIGKILL) after this long.'),
    killGraceSeconds: z.number().nonnegative().default(10).describe('Seconds between SIGTERM and SIGKILL.'),
    progressPattern: z.string().optional().describe('Regex with two groups (step, total) matched on stderr lines; default a tqdm counter.'),
    checkFrames: z.boolean().optional().describe('Require the exact frame count the preset computes (default: true with a preset).'),
    usdPerGpuHour: z.number().nonnegative().default(0).describe('Optional: your GPU cost, for cost estimates (0 = free).'),
  })
  .strict();

export type CommandConfig = z.output<typeof configSchema>;
