import type { z } from 'zod';
import type { TtvError } from './errors.js';

/**
 * The backend specification. A backend is used only through these types; the core never imports a backend.
 * Bump SPECIFICATION_VERSION only with a major release of @ttv/core; the registry refuses plugins built for
 * another version.
 */
export const SPECIFICATION_VERSION = 1 as const;
export type SpecificationVersion = typeof SPECIFICATION_VERSION;

/** What a model can start from: a prompt only, a first frame, or a first and a last frame. */
export type InputMode = 'text' | 'first-frame' | 'first-last-frame';

/** Allowed clip durations in seconds: a discrete set, or a range (with an optional step, e.g. 1 for integers). */
export type DurationSupport = { kind: 'discrete'; values: number[] } | { kind: 'range'; min: number; max: number; step?: number };

export interface Resolution {
  width: number;
  height: number;
}

export interface ModelCapabilities {
  /** The model id as the backend's config and API know it, e.g. `gen4_turbo`, `i2v-14B`. */
  id: string;
  /** The input modes this model accepts. Chaining mode needs `first-frame`; keyframe mode `first-last-frame`. */
  inputs: InputMode[];
  durations: DurationSupport;
  /** Output sizes the model produces. The engine picks the nearest to the requested size. */
  resolutions: Resolution[];
  /** Frames per second of the produced clip. */
  fps: number;
  /** Longest prompt accepted, in characters (UTF-16 code units). */
  maxPromptLength: number;
  /** How many generations may run at once for this backend (a hint; the engine also applies its own limit). */
  concurrency: number;
  /** Whether the model can produce an audio track. */
  audio?: boolean;
  /** Rough price in USD per second of output, for display (estimateCost is authoritative). */
  usdPerSecond?: number;
}

export interface BackendInfo {
  /** Short config name, e.g. `kenburns`, `runway`. */
  name: string;
  displayName: string;
  /** `embedded`: ships with ttv; `local`: runs on this machine (GPU, subprocess); `remote`: a paid/network API. */
  kind: 'embedded' | 'local' | 'remote';
  models: ModelCapabilities[];
  /** The model used when the config names none. */
  defaultModel: string;
}

/** One generation request, after the engine has negotiated it against the model's capabilities. */
export interface GenerateRequest {
  model: string;
  prompt: string;
  /** Requested clip length in seconds (already one the model supports). */
  durationSec: number;
  /** Requested output size (already one the model supports). */
  width: number;
  height: number;
  /** Absolute path of the first frame image (PNG or JPEG), when the mode provides one. */
  firstFrame?: string;
  /** Absolute path of the last frame image, for first-last-frame generation. */
  lastFrame?: string;
  seed?: number;
  negativePrompt?: string;
  /** Absolute path where the finished MP4 must appear. Write it atomically (temp file + rename). */
  outputPath: string;
  /** Segment index within the run (for logs and deterministic variation). */
  segmentIndex?: number;
}

export interface ProgressUpdate {
  /** 0..1 when known. */
  fraction?: number;
  /** Short human-readable state, e.g. `THROTTLED`, `step 12/40`. */
  message?: string;
}

/** A job a remote (or long local) backend started; persisted by the engine so a crashed run can resume it. */
export interface JobHandle {
  id: string;
  /** Anything else the backend needs to resume (must be JSON, must not contain secrets). */
  data?: Record<string, unknown>;
}

/** A resource lease the engine grants a local backend (e.g. a disjoint GPU set). */
export interface ResourceLease {
  gpus: number[];
}

export interface GenerateContext {
  signal: AbortSignal;
  onProgress(update: ProgressUpdate): void;
  /**
   * Remote backends must call this as soon as the service has accepted the job and before waiting for it; the
   * engine persists the handle (await it) so that a crash never leads to a second paid submission.
   */
  onJob(job: JobHandle): Promise<void>;
  /** When set, the engine is resuming: do not submit a new job, re-attach to this one. */
  resumeJob?: JobHandle;
  /**
   * A stable key for this logical attempt: the same when a crashed run re-runs the attempt, different for a
   * genuine retry after a failure. Remote backends whose API supports idempotency keys should send it with the
   * submission, which closes the window between "the service accepted the job" and "onJob was persisted".
   */
  idempotencyKey?: string;
  /** Resources leased for this call, when the backend asked for them (see VideoBackend.resources). */
  lease?: ResourceLease;
  /** Run log (secrets are redacted by the engine). */
  log(line: string): void;
  /** Scratch directory for this call; removed by the engine afterwards. */
  workDir: string;
}

export interface BackendWarning {
  type: 'negotiated' | 'unsupported' | 'other';
  message: string;
  field?: string;
}

export interface GenerateResult {
  /** Absolute path of the finished MP4 (equal to request.outputPath). */
  file: string;
  /** The clip's real properties, from a probe of the file. */
  durationSec: number;
  frames: number;
  width: number;
  height: number;
  fps: number;
  /** What this call cost in USD (0 for free backends). */
  costUsd: number;
  warnings: BackendWarning[];
  jobId?: string;
}

export interface CostEstimate {
  /** Upper estimate in USD for one call with this request. */
  usd: number;
  /** How it was computed, e.g. `5 credits/s × 5 s × $0.01`. */
  basis?: string;
}

export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** What was found (never a secret). */
  detail: string;
  /** What to do when not ok. */
  fix?: string;
}

export interface VideoBackend extends BackendInfo {
  readonly specificationVersion: SpecificationVersion;
  /**
   * Checks a request against the model's rules and the inputs on disk, before any spend or network call.
   * Throws TtvError INPUT_INVALID naming the field, the value and the fix.
   */
  validate(request: GenerateRequest): Promise<void>;
  /** Deterministic, offline, ≥ 0. */
  estimateCost(request: GenerateRequest): CostEstimate;
  /**
   * Generates one clip. Must honour `context.signal` (reject with CANCELLED, cancel remote jobs, kill processes,
   * leave no file at outputPath) and map every failure to a TtvError with a stable code.
   */
  generate(request: GenerateRequest, context: GenerateContext): Promise<GenerateResult>;
  /** Local backends that need leased resources (e.g. GPUs) say how many per job... */
  resources?(request: GenerateRequest): { gpus: number } | undefined;
  /** ...and which GPUs the engine may lease to them (disjoint sets per concurrent job). */
  readonly resourcePool?: { gpus: number[] };
  /** Optional prompt-rewriting hook used by `onModeration: reword`. */
  rewordPrompt?(prompt: string, error: TtvError): Promise<string>;
  /** Prerequisite checks for `ttv doctor`. */
  doctor?(): Promise<DoctorCheck[]>;
  dispose?(): Promise<void>;
}

export interface BackendCreateContext {
  /** Directory of the config file; resolve relative paths from here. */
  configDir: string;
  env: NodeJS.ProcessEnv;
  /** Log sink for the backend (redacted). */
  log(line: string): void;
}

/**
 * What a backend package exports (as its default export, or as a named export `backend`). The registry loads
 * it lazily by name, checks `specificationVersion`, validates the backend's config section with `configSchema`,
 * then calls `create`.
 */
export interface BackendPlugin<Config = unknown> {
  readonly specificationVersion: SpecificationVersion;
  /** Config name (`backend: <name>`) and the name of this backend's config section. */
  readonly name: string;
  readonly displayName: string;
  readonly kind: BackendInfo['kind'];
  /** Zod schema of this backend's config section (strict: unknown keys are errors). */
  readonly configSchema: z.ZodType<Config>;
  /** Dotted paths within the section that hold secrets (never written or printed), e.g. `['apiKey']`. */
  readonly secretFields?: readonly string[];
  /** Static capabilities, available without creating the backend (for `ttv backends` and planning). */
  describe(config: Config): BackendInfo;
  /**
   * Creates the backend. Must be cheap and must NOT do network I/O (no auth round-trip, no health check, no
   * upload): the engine and `estimateRun` (`ttv estimate`/`ttv plan`) create backends only to call
   * `estimateCost`, `validate` and `describe`-level queries, and a dry estimate must make zero network calls.
   * Connect lazily, on the first `generate` (or in `doctor`). It may throw CONFIG_INVALID/AUTH when the config
   * lacks something it can check offline (e.g. a missing API key).
   */
  create(config: Config, context: BackendCreateContext): VideoBackend | Promise<VideoBackend>;
}

/** Identity helper that type-checks a plugin definition. */
export function defineBackend<Config>(plugin: BackendPlugin<Config>): BackendPlugin<Config> {
  return plugin;
}
