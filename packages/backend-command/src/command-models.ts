import { isAbsolute, resolve } from 'node:path';
import type { BackendCapabilities, DurationSupport, InputMode, ModelCapabilities, Resolution } from '@ttv/core/backend';
import type { CommandConfig } from './command-config.js';
import { configError } from './command-errors.js';
import { LTX2_PRESET } from './ltx2.js';
import { knPlusOne, res } from './preset-kit.js';
import { SKYREELS_DF_PRESET } from './skyreels.js';
import { placeholders, REQUEST_PLACEHOLDERS } from './template.js';

/**
 * One argument; an optional group dropped as a whole when any placeholder in it has no value; or a group repeated
 * once per timed keyframe of the request (`{keyframe}` and `{keyframeIndex}` inside it).
 */
export type ArgTemplate = string | string[] | { each: 'keyframes'; args: string[] };

/** How a tool continues a clip (input mode `extend`, the clip passed as `{inputVideo}`). */
export interface ExtendSpec {
  /** Frames of new video it makes for a continuation of `seconds` (what ttv keeps). */
  frames(seconds: number, fps: number): number;
  /** What `{frames}` passes for a continuation of `continuation` frames (e.g. with the overlap it re-makes). */
  toolFrames(continuation: number, vars: Record<string, string>): number;
  /** `input+continuation`: the written clip starts with the whole input, and ttv keeps only its last frames. */
  output: 'continuation' | 'input+continuation';
  /** Fewest frames the input clip must have (e.g. the overlap the tool re-encodes). */
  minInputFrames(vars: Record<string, string>): number;
}

/** Where the tool writes its clip: `{output}` is the file itself, or `{outputDir}` gets one new file. */
export type OutputSpec = { kind: 'file' } | { kind: 'directory'; glob: string };

export interface Preset {
  /** What it runs (for docs and `ttv backends`). */
  description: string;
  /** Tested against a stand-in in this repository, or written from the tool's documentation only. */
  tested: boolean;
  command: string;
  args: ArgTemplate[];
  /** Placeholders the user must define in `vars` (e.g. model paths). */
  requiredVars: string[];
  /** Defaults for optional `vars`. */
  defaultVars: Record<string, string>;
  output: OutputSpec;
  fps: number;
  inputs: InputMode[];
  durations: DurationSupport;
  resolutions: Resolution[];
  /** Frame count the tool makes for a clip of `seconds` (checked after the run). */
  frames(seconds: number, fps: number): number;
  maxPromptLength: number;
  /** When the flags and the model facts above were last checked, and against what (the tool's source at a commit, a sheet). */
  checked: { date: string; against: string };
  /** The tool writes a sound track (a request with `generateAudio: false` gets it removed). */
  audio?: boolean;
  /** Pictures it pins at frame indices inside the clip, at most `max` (passed by a `{ each: 'keyframes' }` group). */
  timedKeyframes?: { max: number };
  /** How it continues a clip, when `inputs` has `extend`. */
  extend?: ExtendSpec;
}

/** musubi-tuner's FramePack frame count: sections = max(round(s·fps/(window·4)), 1), frames = (sections·window+1)·4−3. */
export function framepackFrames(seconds: number, fps = 30, latentWindowSize = 9): number {
  const sections = Math.max(Math.round((seconds * fps) / (latentWindowSize * 4)), 1);
  return (sections * latentWindowSize + 1) * 4 - 3;
}

/** The clip lengths FramePack can make at `fps` with window 9: (36·s+1) frames for s sections. */
export function framepackDurations(fps = 30, maxSections = 16): number[] {
  return Array.from({ length: maxSections }, (_, i) => (36 * (i + 1) + 1) / fps);
}

export const PRESETS = {
  /**
   * kohya-ss/musubi-tuner `fpack_generate_video.py` (FramePack has no official CLI). `--save_path` is a directory
   * that receives `{time}_{seed}.mp4`; 30 fps; the frame count follows the section formula above.
   */
  framepack: {
    description: 'FramePack I2V through kohya-ss/musubi-tuner fpack_generate_video.py (first frame, optional end frame)',
    tested: true,
    command: 'python',
    args: [
      '{script}',
      '--dit',
      '{dit}',
      '--vae',
      '{vae}',
      '--text_encoder1',
      '{textEncoder1}',
      '--text_encoder2',
      '{textEncoder2}',
      '--image_encoder',
      '{imageEncoder}',
      '--image_path',
      '{image}',
      ['--end_image_path', '{lastImage}'],
      '--prompt',
      '{prompt}',
      ['--negative_prompt', '{negativePrompt}'],
      '--video_size',
      '{height}',
      '{width}',
      '--video_seconds',
      '{seconds}',
      '--fps',
      '{fps}',
      '--infer_steps',
      '{inferSteps}',
      '--latent_window_size',
      '9',
      '--seed',
      '{seed}',
      '--save_path',
      '{outputDir}',
      '--output_type',
      'video',
    ],
    requiredVars: ['script', 'dit', 'vae', 'textEncoder1', 'textEncoder2', 'imageEncoder'],
    defaultVars: { inferSteps: '25' },
    output: { kind: 'directory', glob: '*.mp4' },
    fps: 30,
    inputs: ['first-frame', 'first-last-frame'],
    durations: { kind: 'discrete', values: framepackDurations(30, 16) },
    resolutions: res([
      [832, 480],
      [480, 832],
      [640, 640],
      [768, 512],
      [512, 768],
      [960, 544],
      [544, 960],
      [1280, 720],
      [720, 1280],
    ]),
    frames: (seconds, fps) => framepackFrames(seconds, fps, 9),
    maxPromptLength: 2000,
    checked: { date: '2026-03-05', against: 'kohya-ss/musubi-tuner fpack_generate_video.py, as summarised in shared/reference/wan21.md' },
  },
  /**
   * Tencent/HunyuanVideo-I2V `sample_image2video.py` (untested here: written from the reference). Kebab-case
   * flags; `--save-path` is a directory; 24 fps; 4n+1 frames up to 129; size from `--i2v-resolution`.
   */
  hunyuanvideo: {
    description: 'HunyuanVideo-I2V sample_image2video.py (first frame; untested preset)',
    tested: false,
    command: 'python',
    args: [
      '{script}',
      '--model-base',
      '{modelBase}',
      '--i2v-mode',
      '--i2v-image-path',
      '{image}',
      '--i2v-resolution',
      '{i2vResolution}',
      '--video-length',
      '{frames}',
      '--infer-steps',
      '{inferSteps}',
      '--prompt',
      '{prompt}',
      '--seed',
      '{seed}',
      '--embedded-cfg-scale',
      '6.0',
      '--flow-shift',
      '7.0',
      '--flow-reverse',
      '--save-path',
      '{outputDir}',
    ],
    requiredVars: ['script', 'modelBase'],
    defaultVars: { inferSteps: '50', i2vResolution: '720p' },
    output: { kind: 'directory', glob: '*.mp4' },
    fps: 24,
    inputs: ['first-frame'],
    durations: { kind: 'discrete', values: knPlusOne(4, 25, 129, 24) },
    resolutions: res([
      [1280, 720],
      [720, 1280],
    ]),
    frames: (seconds, fps) => Math.round(seconds * fps),
    maxPromptLength: 2000,
    checked: { date: '2026-03-05', against: 'shared/reference/wan21.md §11 (not the tool itself)' },
  },
  /**
   * Lightricks/LTX-Video 0.9.x `inference.py` (untested here), the CLI before LTX-2: use `ltx-2` for LTX-2 models.
   * `--output_path` is a directory; 8n+1 frames; sizes are padded to multiples of 32 internally; first (and last)
   * frame as conditioning media at frames 0 (and N−1).
   */
  'ltx-video': {
    description: 'LTX-Video 0.9 inference.py (first frame, optional last frame as conditioning; untested preset; LTX-2: preset ltx-2)',
    tested: false,
    command: 'python',
    args: [
      '{script}',
      '--prompt',
      '{prompt}',
      '--pipeline_config',
      '{pipelineConfig}',
      '--conditioning_media_paths',
      '{image}',
      ['{lastImage}'],
      '--conditioning_start_frames',
      '0',
      ['{lastFrameIndex}'],
      '--height',
      '{height}',
      '--width',
      '{width}',
      '--num_frames',
      '{frames}',
      '--frame_rate',
      '{fps}',
      '--seed',
      '{seed}',
      '--output_path',
      '{outputDir}',
    ],
    requiredVars: ['script', 'pipelineConfig'],
    defaultVars: {},
    output: { kind: 'directory', glob: '*.mp4' },
    fps: 30,
    inputs: ['first-frame', 'first-last-frame'],
    durations: { kind: 'discrete', values: knPlusOne(8, 25, 257, 30) },
    resolutions: res([
      [1216, 704],
      [704, 1216],
      [960, 544],
      [544, 960],
      [768, 512],
      [512, 768],
      [768, 768],
    ]),
    frames: (seconds, fps) => Math.round(seconds * fps),
    maxPromptLength: 2000,
    checked: { date: '2026-03-05', against: 'shared/reference/wan21.md §11, LTX-Video 0.9 inference.py (not the tool itself)' },
  },
  'ltx-2': LTX2_PRESET,
  'skyreels-v2-df': SKYREELS_DF_PRESET,
} satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

// ---------------------------------------------------------------------------------------------------------
// The tool a config describes: its preset merged with the overrides, and the capabilities `describe` declares.

/** A preset merged with the user's overrides, paths resolved. */
export interface ResolvedTool {
  model: string;
  presetName?: PresetName;
  command: string;
  args: ArgTemplate[];
  vars: Record<string, string>;
  cwd: string;
  env: Record<string, string>;
  output: OutputSpec;
  fps: number;
  inputs: InputMode[];
  durations: DurationSupport;
  resolutions: Resolution[];
  maxPromptLength: number;
  frames: (seconds: number, fps: number) => number;
  checkFrames: boolean;
  /** The tool writes sound. */
  audio: boolean;
  /** Timed keyframes it takes (0: none). */
  timedKeyframes: number;
  /** How it continues a clip (set when `inputs` has `extend`). */
  extend?: ExtendSpec;
}

/** What a tool without a preset does with `extend`: `{frames}` is the continuation, and the tool writes only it. */
const PLAIN_EXTEND: Omit<ExtendSpec, 'output'> = {
  frames: (s, fps) => Math.round(s * fps),
  toolFrames: (continuation) => continuation,
  minInputFrames: () => 1,
};

type Capabilities = Pick<ResolvedTool, 'model' | 'inputs' | 'durations' | 'resolutions' | 'fps' | 'maxPromptLength' | 'audio' | 'timedKeyframes' | 'extend'>;

/** The capabilities a config gives the tool: the config's values over the preset's over the defaults. */
function capabilitiesOf(config: CommandConfig, preset: Preset | undefined): Capabilities {
  const inputs = config.inputs ?? preset?.inputs ?? ['first-frame'];
  const extend = preset?.extend
    ? { ...preset.extend, ...(config.extendOutput ? { output: config.extendOutput } : {}) }
    : { ...PLAIN_EXTEND, output: config.extendOutput ?? 'continuation' };
  return {
    model: config.model ?? config.preset ?? 'command',
    inputs,
    durations: config.durations ?? preset?.durations ?? { kind: 'range', min: 1, max: 10 },
    resolutions: config.resolutions ?? preset?.resolutions ?? [{ width: 1280, height: 720 }],
    fps: config.fps ?? preset?.fps ?? 24,
    maxPromptLength: config.maxPromptLength ?? preset?.maxPromptLength ?? 2000,
    audio: config.audio ?? preset?.audio ?? false,
    timedKeyframes: config.timedKeyframes ?? preset?.timedKeyframes?.max ?? 0,
    ...(inputs.includes('extend') ? { extend } : {}),
  };
}

const looksRelativePath = (v: string) => v.startsWith('./') || v.startsWith('../');

/**
 * The template's variables: the preset's defaults, then the config's (relative paths resolved). None may shadow a
 * built-in placeholder, and the preset's required ones must be set.
 */
function resolveVars(config: CommandConfig, preset: Preset | undefined, configDir: string): Record<string, string> {
  const vars: Record<string, string> = { ...(preset?.defaultVars ?? {}) };
  for (const [k, v] of Object.entries(config.vars)) vars[k] = looksRelativePath(v) ? resolve(configDir, v) : v;
  for (const k of Object.keys(vars)) {
    if ((REQUEST_PLACEHOLDERS as readonly string[]).includes(k)) {
      throw configError(
        `command.vars.${k} shadows a built-in placeholder`,
        `command.vars.${k}`,
        vars[k],
        `rename it; built-ins: ${REQUEST_PLACEHOLDERS.join(', ')}`,
      );
    }
  }
  for (const name of preset?.requiredVars ?? []) {
    if (vars[name] === undefined) {
      throw configError(
        `command preset ${config.preset} needs vars.${name}`,
        `command.vars.${name}`,
        undefined,
        `set command.vars.${name} (required: ${preset!.requiredVars.join(', ')})`,
      );
    }
  }
  return vars;
}

/** Every placeholder of the template is known, and the template passes the output (file or directory) the tool writes. */
function checkTemplate(args: readonly ArgTemplate[], extraArgs: readonly ArgTemplate[], vars: Record<string, string>, output: ResolvedTool['output']): void {
  const known = new Set<string>([...REQUEST_PLACEHOLDERS, ...Object.keys(vars)]);
  for (const name of placeholders([...args, ...extraArgs])) {
    if (!known.has(name)) {
      throw configError(
        `command: unknown placeholder {${name}} in the argument template`,
        'command.args',
        `{${name}}`,
        `define it in command.vars, or use one of ${REQUEST_PLACEHOLDERS.join(', ')}`,
      );
    }
  }
  const used = placeholders(args);
  const passes = output.kind === 'file' ? 'output' : 'outputDir';
  if (!used.has(passes)) {
    throw configError(
      `command: output.kind is ${output.kind} but the template never passes {${passes}}`,
      'command.args',
      undefined,
      output.kind === 'file'
        ? 'pass {output} where the tool takes its output file, or use output: {kind: directory, glob: "*.mp4"} with {outputDir}'
        : 'pass {outputDir} where the tool takes its output directory',
    );
  }
}

/** Merges the preset with the config and checks the template offline (no I/O besides path resolution). */
export function resolveTool(config: CommandConfig, configDir = process.cwd()): ResolvedTool {
  const preset: Preset | undefined = config.preset ? PRESETS[config.preset as PresetName] : undefined;
  const args = config.args ?? preset?.args;
  if (!args) {
    throw configError(
      'command: set either preset or args (the argument template)',
      'command.args',
      undefined,
      `use preset: ${PRESET_NAMES.join(', ')}, or list args with placeholders like {prompt} {image} {output}`,
    );
  }
  const vars = resolveVars(config, preset, configDir);
  const output = config.output ?? preset?.output ?? { kind: 'file' as const };
  checkTemplate(args, config.extraArgs, vars, output);
  const command = config.command ?? preset?.command ?? 'python';
  if (config.gpus.length > 0 && config.gpusPerJob > config.gpus.length) {
    throw configError(
      `command.gpusPerJob ${config.gpusPerJob} exceeds the ${config.gpus.length} GPUs listed`,
      'command.gpusPerJob',
      config.gpusPerJob,
      'lower gpusPerJob or list more gpus',
    );
  }
  return {
    ...capabilitiesOf(config, preset),
    ...(config.preset ? { presetName: config.preset as PresetName } : {}),
    command: command.includes('/') && !isAbsolute(command) ? resolve(configDir, command) : command,
    args: [...args, ...config.extraArgs],
    vars,
    cwd: config.cwd ? resolve(configDir, config.cwd) : configDir,
    env: config.env,
    output,
    frames: preset?.frames ?? ((s, fps) => Math.round(s * fps)),
    checkFrames: config.checkFrames ?? preset !== undefined,
  };
}

/** What the plugin's `describe(config)` returns: the one place the command backend states its capabilities. */
export function describeCommand(config: CommandConfig): BackendCapabilities {
  // Offline and without checks: describe() must not throw for a half-written config; create() reports the problem.
  const tool = capabilitiesOf(config, config.preset ? PRESETS[config.preset as PresetName] : undefined);
  const perGpuSet = config.gpus.length > 0 ? Math.max(1, Math.floor(config.gpus.length / config.gpusPerJob)) : config.concurrency;
  const model: ModelCapabilities = {
    id: tool.model,
    inputs: tool.inputs,
    durations: tool.durations,
    resolutions: tool.resolutions,
    fps: tool.fps,
    maxPromptLength: tool.maxPromptLength,
    concurrency: Math.max(1, Math.min(config.concurrency, perGpuSet)),
    audio: tool.audio,
    ...(tool.timedKeyframes > 0 ? { timedKeyframes: { max: tool.timedKeyframes } } : {}),
    usdPerSecond: 0,
  };
  return { models: [model], defaultModel: model.id };
}
