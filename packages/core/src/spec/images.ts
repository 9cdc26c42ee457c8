import type { z } from 'zod';
import type { BackendCreateContext, CallContext, CostEstimate, DoctorCheck, SpecificationVersion } from './backend.js';

/**
 * The image-generator specification (issue #12): a plugin kind found by config name (`images: <name>`) exactly as
 * video backends are, with a strict config section, secrets, `doctor` and cost estimates. The engine uses it to
 * make the keyframes of keyframe mode (and the film's first frame) from text, so a script alone makes a film.
 */

/** A reference picture handed to the generator: a character or a place of the film's cast, or a style. */
export interface ImageReference {
  path: string;
  role: 'character' | 'place' | 'style';
  /** The cast name the prompt uses for it. */
  name: string;
}

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

export interface ImageGenerator {
  readonly specificationVersion: SpecificationVersion;
  /** Makes one PNG of exactly `width`×`height` at `outputPath`. Honour `context.signal`; map failures to TtvErrors. */
  generate(request: ImageRequest, context: CallContext): Promise<ImageResult>;
  /** Deterministic, offline, ≥ 0, and never below what the call will be charged. */
  estimateCost(request: ImageRequest): CostEstimate;
  doctor?(): Promise<DoctorCheck[]>;
  dispose?(): Promise<void>;
}

export interface ImagesPlugin<Config = unknown> {
  readonly specificationVersion: SpecificationVersion;
  /** Config name (`images: <name>`) and the name of its config section. */
  readonly name: string;
  readonly displayName: string;
  readonly kind: 'embedded' | 'local' | 'remote';
  readonly configSchema: z.ZodType<Config>;
  /** Dotted paths within the section that hold secrets (never written or printed). */
  readonly secretFields?: readonly string[];
  describe(config: Config): ImageCapabilities;
  /** Cheap, no network I/O (as a backend's `create`). */
  create(config: Config, context: BackendCreateContext): ImageGenerator | Promise<ImageGenerator>;
}

/** Identity helper that type-checks an image plugin definition. */
export function defineImages<Config>(plugin: ImagesPlugin<Config>): ImagesPlugin<Config> {
  return plugin;
}
