/**
 * Wan2.1's own rules, reimplemented in TypeScript because `generate.py` imports torch and the whole model stack
 * before it parses a single flag (even `--help` costs a CUDA import): every value is checked here, before a
 * 14B model spends minutes loading. Source: Wan-Video/Wan2.1 generate.py, wan/configs, wan/image2video.py,
 * wan/first_last_frame2video.py (see the package README).
 */

import type { BackendCapabilities, ModelCapabilities, Resolution } from '@ttv/core/backend';
import type { Wan21Config } from './wan21-config.js';

/** When the tables below were checked, and against what. */
export const CHECKED = { date: '2026-03-05', source: 'Wan-Video/Wan2.1 at 9737cba (generate.py, wan/configs, wan/*2video.py)' } as const;

export const TASKS = ['i2v-14B', 'flf2v-14B'] as const;
export type WanTask = (typeof TASKS)[number];

/** Wan2.1 writes 16 fps clips. */
export const WAN_FPS = 16;

/** All `--size` choices of generate.py. */
export const WAN_SIZES = ['720*1280', '1280*720', '480*832', '832*480', '1024*1024'] as const;

/** `SUPPORTED_SIZES` in wan/configs/__init__.py for the tasks ttv drives. */
export const SUPPORTED_SIZES: Record<WanTask, readonly string[]> = {
  'i2v-14B': ['720*1280', '1280*720', '480*832', '832*480'],
  'flf2v-14B': ['720*1280', '1280*720', '480*832', '832*480'],
};

/** Attention heads of the 14B DiT: the Ulysses degree must divide it. */
export const NUM_HEADS_14B = 40;

/** Ulysses sizes Wan accepts for 14B models (divisors of 40). */
export const VALID_ULYSSES = [1, 2, 4, 5, 8, 10, 20, 40];

/** The only frame count FLF2V works with (the conditioning mask has a hard-coded 81 frames). */
export const FLF2V_FRAMES = 81;

/** i2v frame counts ttv offers by default: 4n+1 from 5 to 161 (0.3–10 s). */
export const DEFAULT_I2V_FRAMES = Array.from({ length: 40 }, (_, i) => 4 * (i + 1) + 1);

export function maxArea(size: string): number {
  const [w, h] = size.split('*').map(Number);
  return (w ?? 0) * (h ?? 0);
}

/**
 * The clip geometry Wan makes for a (first) image and a `--size` max area:
 * `lat_h = round(sqrt(max_area·h/w) // 8 // 2 · 2)`, `H = lat_h·8` (same for W).
 */
export function wanGeometry(image: { width: number; height: number }, size: string): Resolution {
  const area = maxArea(size);
  const ar = image.height / image.width;
  const latH = Math.round(Math.floor(Math.floor(Math.sqrt(area * ar) / 8) / 2) * 2);
  const latW = Math.round(Math.floor(Math.floor(Math.sqrt(area / ar) / 8) / 2) * 2);
  return { width: latW * 8, height: latH * 8 };
}

/** Reference image shapes: the declared resolutions are what Wan makes from these at each size. */
const REFERENCE_IMAGES: Array<[number, number]> = [
  [1280, 720],
  [720, 1280],
  [1024, 1024],
  [1536, 1024],
  [1024, 1536],
  [1024, 768],
  [768, 1024],
];

/** Wan sizes by max area: the 720p and the 480p bucket (orientation does not matter for i2v/flf2v). */
export const AREA_SIZES = { '720p': '1280*720', '480p': '832*480' } as const;

export interface ResolutionOption extends Resolution {
  /** The `--size` that makes it (landscape or portrait spelling, to match the clip). */
  size: string;
}

/** Output sizes for the given `--size` values (one per reference aspect), deduplicated. */
export function resolutionOptions(sizes: readonly string[]): ResolutionOption[] {
  const out: ResolutionOption[] = [];
  for (const size of sizes) {
    for (const [w, h] of REFERENCE_IMAGES) {
      const g = wanGeometry({ width: w, height: h }, size);
      if (out.some((r) => r.width === g.width && r.height === g.height)) continue;
      const [a, b] = size.split('*').map(Number) as [number, number];
      const spelled = g.width >= g.height ? `${Math.max(a, b)}*${Math.min(a, b)}` : `${Math.min(a, b)}*${Math.max(a, b)}`;
      out.push({ ...g, size: spelled });
    }
  }
  return out;
}

/** `frames` frames at 16 fps, in seconds (exact in binary floating point). */
export const framesToSeconds = (frames: number) => frames / WAN_FPS;

/** Seconds → frames at 16 fps, or undefined when not a whole number of frames. */
export function secondsToFrames(seconds: number): number | undefined {
  const f = Math.round(seconds * WAN_FPS);
  return Math.abs(f / WAN_FPS - seconds) < 1e-6 ? f : undefined;
}

export const isFourNPlusOne = (n: number) => Number.isInteger(n) && n >= 1 && (n - 1) % 4 === 0;

/** Wan's per-task sampler defaults (for logs and docs; ttv does not pass them unless configured). */
export function wanDefaults(task: WanTask, size: string): { steps: number; shift: number; guide: number } {
  if (task === 'flf2v-14B') return { steps: 50, shift: 16, guide: 5 };
  return { steps: 40, shift: size === '832*480' || size === '480*832' ? 3 : 5, guide: 5 };
}

/** Checkpoint files Wan loads for the 14B image models. */
export const CHECKPOINT_FILES = ['models_t5_umt5-xxl-enc-bf16.pth', 'Wan2.1_VAE.pth', 'models_clip_open-clip-xlm-roberta-large-vit-huge-14.pth'];

/** `model_type` in the DiT config.json of each task's checkpoint. */
export const CHECKPOINT_MODEL_TYPE: Record<WanTask, string> = { 'i2v-14B': 'i2v', 'flf2v-14B': 'flf2v' };

// ---------------------------------------------------------------------------------------------------------
// What a config makes of them: the capabilities `describe(config)` declares.

/** T5 reads at most 512 tokens; ~4 characters a token. */
export const MAX_PROMPT = 2000;

export const isTask = (m: string): m is WanTask => (TASKS as readonly string[]).includes(m);

/** The resolution a checkpoint folder was trained for, from its name (Wan2.1-I2V-14B-480P / -720P), if it says. */
export function checkpointResolution(dir: string | undefined): '480p' | '720p' | undefined {
  const name =
    dir
      ?.replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .at(-1) ?? '';
  if (/480p/i.test(name)) return '480p';
  if (/720p/i.test(name)) return '720p';
  return undefined;
}

/**
 * The `--size` values offered for a task: the configured one; else for i2v the size of the configured checkpoint
 * (480P or 720P, from its folder name; both when the name does not say); flf2v is 720P only.
 */
export function taskSizes(config: Wan21Config, task: WanTask): string[] {
  const configured = config.size[task];
  if (configured) return [configured];
  if (task === 'flf2v-14B') return [AREA_SIZES['720p']];
  const trained = checkpointResolution(config.checkpoints[task]);
  return trained ? [AREA_SIZES[trained]] : [AREA_SIZES['720p'], AREA_SIZES['480p']];
}

export function taskResolutions(config: Wan21Config, task: WanTask): ResolutionOption[] {
  const sizes = taskSizes(config, task).filter((s) => SUPPORTED_SIZES[task].includes(s));
  // An unsupported configured size is refused by validate; describe still lists the defaults.
  return resolutionOptions(sizes.length ? sizes : [AREA_SIZES['720p']]);
}

export function taskFrames(config: Wan21Config, task: WanTask): number[] {
  if (task === 'flf2v-14B') return [FLF2V_FRAMES];
  const list = (config.i2vFrames ?? DEFAULT_I2V_FRAMES).filter(isFourNPlusOne);
  return list.length ? [...new Set(list)].sort((a, b) => a - b) : [81];
}

/** What the plugin's `describe(config)` returns: the one place wan21 states its capabilities. */
export function describeWan21(config: Wan21Config): BackendCapabilities {
  const concurrency = Math.max(1, Math.floor(config.gpus.length / Math.max(1, config.gpusPerJob)));
  const model = (task: WanTask): ModelCapabilities => ({
    id: task,
    inputs: task === 'flf2v-14B' ? ['first-last-frame'] : ['first-frame'],
    durations: { kind: 'discrete', values: taskFrames(config, task).map(framesToSeconds) },
    resolutions: taskResolutions(config, task).map(({ width, height }) => ({ width, height })),
    fps: WAN_FPS,
    maxPromptLength: MAX_PROMPT,
    concurrency,
    audio: false,
    usdPerSecond: 0,
  });
  return { models: [model('i2v-14B'), model('flf2v-14B')], defaultModel: 'i2v-14B' };
}
