import { statSync } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import type { ConfiguredBackend, LoadedConfig } from '../config/load.js';
import { negotiate } from '../engine/negotiate.js';
import { type FfmpegBinaries, resolveFfmpeg } from '../media/binaries.js';
import { type ImageProbe, probeImage } from '../media/probe.js';
import { TtvError, toTtvError } from '../spec/errors.js';
import { type Plan, planStoryboard } from './planner.js';

/** Largest input image file accepted (bytes). */
export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
/** Largest input image side accepted (pixels). */
export const MAX_IMAGE_SIDE = 16_384;
/** Smallest input image side accepted (pixels). */
export const MIN_IMAGE_SIDE = 16;

/** One input image of a plan, named by the config key it comes from. */
export interface PlanImage {
  /** The config key, e.g. `storyboard.image`, `storyboard.segments[3].keyframe`, `storyboard.keyframes[2]`. */
  key: string;
  /** Absolute path (as resolved from the config file). */
  path: string;
}

export interface CheckedImage extends PlanImage, ImageProbe {
  sizeBytes: number;
}

export interface ValidatePlanInputsOptions {
  /** The folder paths are judged against (the config file's folder). A symlink leading outside it is reported. */
  configDir?: string;
  /**
   * `true` (default): a symlink that leads outside `configDir` is accepted with a warning. `false`: it is refused
   * with INPUT_INVALID. Plain paths outside the folder (`../shared/a.png`, absolute paths) are always accepted:
   * the user wrote them; only a link that silently points elsewhere is flagged.
   */
  allowOutsideFiles?: boolean;
  /** ffprobe to decode with (default: resolved like the engine does, from the config's `ffmpeg` section). */
  binaries?: FfmpegBinaries;
  signal?: AbortSignal;
}

export interface ValidatePlanInputsResult {
  images: CheckedImage[];
  /** Things worth saying that do not stop the run (symlinks leading outside the config folder). */
  warnings: string[];
}

/** Every input image of a plan with the config key it comes from: the film image first, then keyframes in order. */
/** The reference audio clip (`audio.reference`) is a regular, non-empty file, before anything is paid. */
function checkReferenceAudio(path: string | undefined): void {
  if (path === undefined) return;
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s?.isFile() || s.size === 0) {
    throw new TtvError('INPUT_INVALID', `audio.reference: ${s ? 'not a regular, non-empty file' : 'not found'}: ${path}`, {
      field: 'audio.reference',
      value: path,
      fix: 'point audio.reference at an audio file (relative paths are resolved from the config file)',
    });
  }
}

export function planImages(plan: Plan): PlanImage[] {
  const out: PlanImage[] = [];
  if (plan.image) out.push({ key: 'storyboard.image', path: plan.image });
  for (const s of plan.segments) {
    if (s.keyframe) out.push({ key: s.keyframeKey ?? `storyboard.segments[${s.index}].keyframe`, path: s.keyframe });
    for (const k of s.keyframesAt ?? []) out.push({ key: k.key, path: k.path });
    // The cast pictures video models get as references, each checked once.
    for (const r of s.references ?? []) if (!out.some((o) => o.key === r.key)) out.push({ key: r.key, path: r.path });
  }
  return out;
}

function inputError(image: PlanImage, what: string, fix: string, cause?: unknown): TtvError {
  return new TtvError('INPUT_INVALID', `${image.key}: ${what}: ${image.path}`, {
    field: image.key,
    value: image.path,
    fix,
    ...(cause === undefined ? {} : { cause }),
  });
}

const inside = (dir: string, path: string): boolean => {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};

/**
 * Checks every input image of a plan before anything is generated or written: it exists, is a regular file (a
 * FIFO, socket or device is refused without opening it, so this never hangs), is not empty nor larger than
 * {@link MAX_IMAGE_BYTES}, decodes with ffprobe as an image, and measures {@link MIN_IMAGE_SIDE}–{@link MAX_IMAGE_SIDE}
 * pixels a side. Errors are INPUT_INVALID naming the config key (`storyboard.image`,
 * `storyboard.segments[3].keyframe`, `storyboard.keyframes[2]`) and the path as resolved from the config file.
 * A symlink that leads outside the config's folder gives a warning (or INPUT_INVALID with `allowOutsideFiles: false`).
 */
export async function validatePlanInputs(plan: Plan, options: ValidatePlanInputsOptions = {}): Promise<ValidatePlanInputsResult> {
  const warnings: string[] = [];
  const images: CheckedImage[] = [];
  const probed = new Map<string, Promise<ImageProbe & { sizeBytes: number }>>();
  const configDir = options.configDir ? await realpath(options.configDir).catch(() => options.configDir!) : undefined;
  let binaries = options.binaries;
  for (const image of planImages(plan)) {
    options.signal?.throwIfAborted();
    const target = await followLink(image, configDir, options, warnings);
    const size = await regularFileSize(image, target);
    let probe = probed.get(target);
    if (!probe) {
      binaries ??= resolveFfmpeg();
      const b = binaries;
      probe = probeImage(target, { binaries: b, ...(options.signal ? { signal: options.signal } : {}) }).then((p) => ({ ...p, sizeBytes: size }));
      probed.set(target, probe);
    }
    let info: ImageProbe & { sizeBytes: number };
    try {
      info = await probe;
    } catch (cause) {
      const e = toTtvError(cause);
      if (e.code === 'CANCELLED' || e.code === 'FFMPEG_FAILED') throw e;
      throw inputError(image, 'not a readable image', `point ${image.key} at a PNG or JPEG file (ffprobe could not decode it)`, cause);
    }
    if (Math.min(info.width, info.height) < MIN_IMAGE_SIDE || Math.max(info.width, info.height) > MAX_IMAGE_SIDE) {
      throw inputError(
        image,
        `the image is ${info.width}x${info.height}; ttv accepts ${MIN_IMAGE_SIDE}–${MAX_IMAGE_SIDE} pixels a side`,
        `resize ${image.key} to about the film's size`,
      );
    }
    images.push({ ...image, ...info });
  }
  return { images, warnings };
}

/** The file an image path names: itself, or where its symlink leads (outside the config's folder: a warning or an error). */
async function followLink(image: PlanImage, configDir: string | undefined, options: ValidatePlanInputsOptions, warnings: string[]): Promise<string> {
  let link: Awaited<ReturnType<typeof lstat>>;
  try {
    link = await lstat(image.path);
  } catch (cause) {
    const errno = (cause as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT' || errno === 'ENOTDIR') {
      throw inputError(image, 'image not found', `check ${image.key} (relative paths are resolved from the config file's folder)`, cause);
    }
    throw inputError(image, `cannot be read (${errno ?? (cause as Error).message})`, `make ${image.path} readable for this user`, cause);
  }
  if (!link.isSymbolicLink()) return image.path;
  let target: string;
  try {
    target = await realpath(image.path);
  } catch (cause) {
    throw inputError(image, 'the symlink leads nowhere', `point ${image.key} at an existing image, or fix the link`, cause);
  }
  if (configDir && !inside(configDir, target)) {
    const what = `is a symlink to ${target}, outside the config's folder ${configDir}`;
    if (options.allowOutsideFiles === false) {
      throw inputError(image, what, `copy the image into ${configDir}, or point ${image.key} at it directly`);
    }
    warnings.push(`${image.key} ${what}: ${image.path}`);
  }
  return target;
}

/** The size of `target`, which must be a regular, non-empty file of at most MAX_IMAGE_BYTES (never opened here). */
async function regularFileSize(image: PlanImage, target: string): Promise<number> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(target);
  } catch (cause) {
    throw inputError(
      image,
      `cannot be read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`,
      `make ${image.path} readable for this user`,
      cause,
    );
  }
  if (!st.isFile()) {
    const kind = st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a named pipe (FIFO)' : st.isSocket() ? 'a socket' : 'not a regular file';
    throw inputError(image, `is ${kind}, not an image file`, `point ${image.key} at a PNG or JPEG file`);
  }
  if (st.size === 0) throw inputError(image, 'the image file is empty', `point ${image.key} at a PNG or JPEG file`);
  if (st.size > MAX_IMAGE_BYTES) {
    throw inputError(
      image,
      `the image file is ${(st.size / 1024 / 1024).toFixed(1)} MB; ttv accepts at most ${MAX_IMAGE_BYTES / 1024 / 1024} MB`,
      `save ${image.key} at the film's size as PNG or JPEG`,
    );
  }
  return st.size;
}

/**
 * Checks every prompt of a plan against the backends of the chain up front, in both modes: a blank prompt, or one
 * longer than every backend of the chain accepts for the segment's input, is CONFIG_INVALID naming the prompt's key
 * (in chaining mode the engine would otherwise find it only after paying for the segments before it). Backends
 * not yet known (`auto` before expansion) are not judged.
 */
export function checkPlanPrompts(plan: Plan, backends: ReadonlyArray<Pick<ConfiguredBackend, 'name' | 'info'>>, size: { width: number; height: number }): void {
  for (const s of plan.segments) {
    const key = s.promptKey;
    if (s.prompt.trim() === '') {
      throw new TtvError('CONFIG_INVALID', `${key}: the prompt of segment ${s.index} is blank`, {
        field: key,
        value: s.prompt,
        fix: `write what happens in segment ${s.index}`,
      });
    }
    if (backends.length === 0) continue;
    const needs = { input: s.input, prompt: s.prompt, durationSec: s.durationSec, ...size };
    const deals = backends.map((b) => ({ b, deal: negotiate(b, needs) }));
    if (deals.some((d) => d.deal.ok)) continue;
    const tooLong = deals.filter((d) => !d.deal.ok && /accepts at most/.test(d.deal.reason));
    if (tooLong.length === 0) continue; // no backend takes this input at all: reported by the negotiation itself
    const limit = Math.max(...backends.flatMap((b) => b.info.models.filter((m) => m.inputs.includes(s.input)).map((m) => m.maxPromptLength)));
    throw new TtvError(
      'CONFIG_INVALID',
      `${key}: the prompt of segment ${s.index} is ${s.prompt.length} characters; no backend of the chain (${backends.map((b) => b.name).join(', ')}) accepts more than ${limit}`,
      { field: key, value: `${s.prompt.slice(0, 40)}…`, fix: `shorten the prompt of segment ${s.index} to at most ${limit} characters, or split the segment` },
    );
  }
}

/**
 * Whether the configured chain can start a segment from text alone: some backend's model takes `text` (an `auto`
 * chain is assumed to). False means a chaining film without `storyboard.image` needs a first frame made from text.
 */
export function chainTakesText(config: Pick<LoadedConfig, 'backends' | 'chain'>): boolean {
  if (config.chain.includes('auto') || config.backends.length === 0) return true;
  return config.backends.some((b) => b.info.models.some((m) => m.inputs.includes('text')));
}

export interface PreflightOptions extends Omit<ValidatePlanInputsOptions, 'configDir'> {
  /** A plan already made from `config` (default: planned here). */
  plan?: Plan;
}

/**
 * Everything the engine checks before the first paid call and before it creates the run folder: the plan
 * (planStoryboard), every prompt against the chain (`checkPlanPrompts`), every input image (`validatePlanInputs`).
 * Returns the plan and the warnings to show.
 */
export async function preflightRun(config: LoadedConfig, options: PreflightOptions = {}): Promise<ValidatePlanInputsResult & { plan: Plan }> {
  const plan = options.plan ?? planStoryboard(config.core, { textToVideo: chainTakesText(config) });
  checkPlanPrompts(plan, config.backends, config.core.output);
  checkReferenceAudio(config.core.audio.reference);
  const { plan: _plan, ...rest } = options;
  const binaries =
    rest.binaries ??
    (planImages(plan).length > 0
      ? resolveFfmpeg({
          ...(config.core.ffmpeg.ffmpegPath ? { ffmpegPath: config.core.ffmpeg.ffmpegPath } : {}),
          ...(config.core.ffmpeg.ffprobePath ? { ffprobePath: config.core.ffmpeg.ffprobePath } : {}),
        })
      : undefined);
  const result = await validatePlanInputs(plan, { ...rest, ...(binaries ? { binaries } : {}), configDir: config.configDir });
  return { ...result, plan };
}
