import type { CallContext, ReferenceImage } from './backend.js';
import type { InstanceBase, PluginBase } from './plugin.js';

/**
 * The image-generator specification (issue #12): a plugin kind found by config name (`images: <name>`) exactly as
 * video backends are, with a strict config section, secrets, `doctor` and cost estimates. The engine uses it to
 * make the keyframes of keyframe mode (and the film's first frame) from text, so a script alone makes a film.
 */

/** A reference picture handed to the generator: a character or a place of the film's cast, or a style. */
export type ImageReference = ReferenceImage;

export interface ImageRequest {
  prompt: string;
  /** The exact size the video step needs; the generator crops or pads to it and says which (`fit`). */
  width: number;
  height: number;
  seed?: number;
  /** Image-to-image: the picture to start from (the previous keyframe), when the model takes one. */
  initImage?: string;
  references?: ImageReference[];
  /** Absolute path where the PNG must appear. Write it atomically (temp file + rename). */
  outputPath: string;
}

export interface ImageResult {
  file: string;
  width: number;
  height: number;
  /** How the model's picture was brought to the requested size. */
  fit: 'exact' | 'crop' | 'pad';
  costUsd: number;
  warnings: string[];
}

/** What an image generator can take, for a config (static: no I/O). */
export interface ImageCapabilities {
  /** Whether `initImage` is used (keyframes then chain image-to-image from the previous one). */
  initImage: boolean;
  /** How many reference images one request may carry (0: none). */
  maxReferences: number;
}

export interface ImageGenerator extends InstanceBase<ImageRequest> {
  /** Makes one PNG of exactly `width`×`height` at `outputPath`. Honour `context.signal`; map failures to TtvErrors. */
  generate(request: ImageRequest, context: CallContext): Promise<ImageResult>;
}

export interface ImagesPlugin<Config = unknown> extends PluginBase<Config, ImageGenerator> {
  describe(config: Config): ImageCapabilities;
}

/** Identity helper that type-checks an image plugin definition. */
export function defineImages<Config>(plugin: ImagesPlugin<Config>): ImagesPlugin<Config> {
  return plugin;
}
