import type { z } from 'zod';
import type { TtvError } from './errors.js';

/**
 * The backend specification. A backend is used only through these types; the core never imports a backend.
 * Bump SPECIFICATION_VERSION only with a major release of @ttv/core; the registry refuses plugins built for
 * another version, naming what changed (docs/decisions/0003-backend-spec-v2.md).
 *
 * v2 (this version): remote backends implement the job protocol (`submit` → `status` [→ `cancel`, `release`])
 * and the engine owns the whole lifecycle (persisting the handle, polling, deadline, re-attach on resume,
 * download with retries, keeping a paid job whose output was lost or whose cancel is not guaranteed). Local
 * backends implement `generate`. v1 remote backends ran their own poll loops inside `generate`. Each fact is
 * stated once: the plugin its name, display name and kind, `describe(config)` its models; the backend object
 * repeats none of them, and logs only through each call's context.
 */
export const SPECIFICATION_VERSION = 2 as const;
export type SpecificationVersion = typeof SPECIFICATION_VERSION;

/**
 * What a model can start from: a prompt only, a first frame, a first and a last frame, or a clip to continue by
 * native extension (`extend`: Veo 3.1 video extension, continuation-native open models).
 */
export type InputMode = 'text' | 'first-frame' | 'first-last-frame' | 'extend';

/** What a reference picture shows: a character or a place of the film's `cast`, or a style. */
export type ReferenceRole = 'character' | 'place' | 'style';

/** A tagged reference picture (issue #14): handed to video models (and image generators) that take references. */
export interface ReferenceImage {
  /** Absolute path of the picture (PNG or JPEG). */
  path: string;
  role: ReferenceRole;
  /** The cast name the prompt uses for it (a backend derives its API's tag from it). */
  name: string;
}

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
  /** Whether the model can produce an audio track (asked per request with `generateAudio`). */
  audio?: boolean;
  /**
   * Whether the model takes a reference audio clip (`referenceAudio`: a voice, a sound to match): always (`true`), or
   * only with some input modes and/or only beside reference pictures.
   */
  referenceAudio?: boolean | { inputs?: InputMode[]; withReferences?: boolean };
  /** Pictures pinned at times inside the clip (`keyframes`: LTX-2 style), at most `max`, besides the first/last frames. */
  timedKeyframes?: { max: number };
  /**
   * Reference pictures the model takes besides its first/last frames (characters, places, style): how many at most,
   * which roles (all when absent) and with which input modes (all when absent: e.g. Veo takes them only for a clip
   * made from text). `min`: a reference-to-video model that needs at least that many (a segment with fewer is not
   * given to it). Without it the model takes none: the engine drops them with a warning, or
   * skips the backend for a reference the config marks `required`.
   */
  references?: { max: number; min?: number; roles?: ReferenceRole[]; inputs?: InputMode[] };
  /**
   * Narrower durations or sizes for one input mode, where the model's API restricts them (e.g. Veo 3.1's extension
   * adds exactly 7 s at 720p). Negotiation and `checkRequest` use these for that mode, the model's own otherwise.
   */
  byInput?: Partial<Record<InputMode, { durations?: DurationSupport; resolutions?: Resolution[] }>>;
  /** Rough price in USD per second of output, for display (estimateCost is authoritative). */
  usdPerSecond?: number;
}

/** What `checkRequest` needs to know of a backend: its models (the result of `describe`). */
export interface BackendCapabilitiesLike {
  models: ModelCapabilities[];
}

/** What a plugin's `describe(config)` returns: the capabilities its config gives it. */
export interface BackendCapabilities {
  models: ModelCapabilities[];
  /** The model used when the config names none. */
  defaultModel: string;
}

/** A backend as the engine, `ttv backends` and the estimator see it: the plugin's facts and `describe(config)` (see `describeBackend`). */
export interface BackendInfo extends BackendCapabilities {
  /** Short config name, e.g. `kenburns`, `runway`. */
  name: string;
  displayName: string;
  /** `embedded`: ships with ttv; `local`: runs on this machine (GPU, subprocess); `remote`: a paid/network API. */
  kind: 'embedded' | 'local' | 'remote';
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
  /**
   * Extend mode: absolute path of the clip to continue (the previous segment's MP4). The result is the continuation
   * only: `durationSec` of new video starting right after the input's last frame (trim it when the API returns the
   * input and the extension together); its first frame does not repeat the input's last.
   */
  inputVideo?: string;
  /** Whether the clip should have sound (`audio.generate`); absent: the backend's own setting decides. */
  generateAudio?: boolean;
  /** Absolute path of a reference audio clip (`audio.reference`), for models with `referenceAudio`. */
  referenceAudio?: string;
  /** Pictures pinned inside the clip at `atSec` seconds (0 < atSec < durationSec), for models with `timedKeyframes`. */
  keyframes?: Array<{ path: string; atSec: number }>;
  /** Tagged reference pictures (at most the model's `references.max`, of its roles), when the segment has any. */
  references?: ReferenceImage[];
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

/** What every backend call gets: the run's signal, a log line sink and a scratch directory. */
export interface CallContext {
  signal: AbortSignal;
  /** Run log (the engine prefixes the segment and the backend, and redacts secrets). */
  log(line: string): void;
  /** Scratch directory for this call; removed by the engine afterwards. */
  workDir: string;
}

/** What a local backend's `generate` gets. */
export interface GenerateContext extends CallContext {
  onProgress(update: ProgressUpdate): void;
  /** Resources leased for this call, when the backend asked for them (see VideoBackend.resources). */
  lease?: ResourceLease;
}

/**
 * What `submit` gets. Its `signal` fires only when the submission itself takes too long (the job policy's
 * `requestTimeoutMs`), never when the user cancels the run: a submission cut off half-way can leave a paid job
 * whose id nobody learns. The engine lets a started submission finish, records the job, then cancels it (or,
 * without a guaranteed cancel, keeps it to re-attach on the next run).
 */
export interface SubmitContext extends CallContext {
  /**
   * A stable key for this logical attempt: the same when a crashed run repeats the attempt, different for a
   * genuine retry after a failure. Send it with the submission when the API takes idempotency keys: it closes
   * the window between "the service accepted the job" and "the engine recorded it".
   */
  idempotencyKey: string;
}

/** Where a finished remote job's clip comes from. The engine fetches it (with retries), probes it and renames it into place. */
export type JobOutput =
  /** A URL the engine downloads (signed URLs need no headers; `headers` are never logged). */
  | { url: string; headers?: Record<string, string> }
  /** The clip's bytes (e.g. returned inline, base64-decoded). */
  | { data: Uint8Array }
  /** The backend writes the clip to `target` itself (e.g. from object storage with its own client). */
  | { write(target: string, context: CallContext): Promise<void> };

/** What `status` reports about a submitted job. */
export type JobStatus =
  | {
      state: 'pending';
      progress?: ProgressUpdate;
      /** Wait this long before the next poll (e.g. the job is queued behind a concurrency limit). */
      pollAfterMs?: number;
    }
  | {
      state: 'succeeded';
      /** What the job cost in USD (the service's figure when it reports one, else the list price). */
      costUsd: number;
      output: JobOutput;
      warnings?: BackendWarning[];
    }
  /** The job ended without a clip: `error` says why (its `chargedUsd` if the service charged for it). */
  | { state: 'failed'; error: TtvError };

/**
 * How the engine drives a remote backend's jobs. Backends set what their config section says (see
 * `pollingConfigSchema`); the rest takes the defaults (`DEFAULT_JOB_POLICY`).
 */
export interface JobPolicy {
  /** First wait between status polls. */
  intervalMs: number;
  /** Longest wait between polls (backoff cap). */
  maxIntervalMs: number;
  /** Multiplier applied to the wait after each poll. */
  backoff: number;
  /** Random ± fraction applied to every wait. */
  jitter: number;
  /** Consecutive transient status failures tolerated before giving up. */
  maxErrors: number;
  /** The whole job must finish within this (then it is cancelled, or kept when it cannot be). */
  timeoutMs: number;
  /** One submit or status request. */
  requestTimeoutMs: number;
  /** One download of the output. */
  downloadTimeoutMs: number;
  /** Downloads tried (a fresh `status` between attempts renews expired URLs). */
  downloadAttempts: number;
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

/**
 * What every backend implements, local or remote. Its capabilities (name, kind, models, default model) are not
 * repeated here: they come from the plugin's `describe(config)`, the one place they are stated.
 */
export interface BackendBase {
  readonly specificationVersion: SpecificationVersion;
  /**
   * Checks a request against the model's rules and the inputs on disk, before any spend or network call.
   * Throws TtvError INPUT_INVALID naming the field, the value and the fix.
   */
  validate(request: GenerateRequest): Promise<void>;
  /** Deterministic, offline, ≥ 0, and never below what the call will really be charged. */
  estimateCost(request: GenerateRequest): CostEstimate;
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

/** A backend that makes the clip in this process or a subprocess (ffmpeg, a GPU model, a local CLI). */
export interface LocalVideoBackend extends BackendBase {
  /**
   * Generates one clip. Must honour `context.signal` (reject with CANCELLED, kill processes, leave no file at
   * outputPath), write `request.outputPath` atomically, and map every failure to a TtvError with a stable code.
   */
  generate(request: GenerateRequest, context: GenerateContext): Promise<GenerateResult>;
  submit?: never;
  status?: never;
}

/**
 * A backend whose clips are made by a service, as jobs: the backend holds only what is unique to its API.
 * The engine calls `submit` once per paid attempt, records the handle before it waits, polls `status` (interval,
 * jitter, backoff, deadline, transient errors), fetches the output with retries, calls `cancel` when the run is
 * cancelled or the deadline passes, and re-attaches with `status(handle)` after a crash.
 */
export interface RemoteVideoBackend extends BackendBase {
  /**
   * Starts one paid job and returns its handle as soon as the service accepted it. Do not wait for the job.
   * Validate and upload inputs first; map failures to TtvErrors (RATE_LIMITED with retryAfterMs, AUTH, QUOTA,
   * INPUT_INVALID, MODERATION, UNAVAILABLE).
   */
  submit(request: GenerateRequest, context: SubmitContext): Promise<JobHandle>;
  /** One look at the job. Throw a retryable TtvError for a passing failure of the status call itself. */
  status(job: JobHandle, context: CallContext): Promise<JobStatus>;
  /**
   * Stops the job at the service. Only for APIs that really cancel: without `cancel` (or when it fails), an
   * interrupted job is kept, booked at its estimate and re-attached on the next run, because it runs on and bills.
   */
  cancel?(job: JobHandle, context: CallContext): Promise<void>;
  /** Called once the job has ended (clip on disk, or failed): delete staged inputs or outputs. Never throws. */
  release?(job: JobHandle, context: CallContext): Promise<void>;
  /** Polling and timeouts for this backend's jobs (from its config section); the rest takes the defaults. */
  readonly jobPolicy?: Partial<JobPolicy>;
  generate?: never;
}

export type VideoBackend = LocalVideoBackend | RemoteVideoBackend;

/** Whether a backend implements the job protocol (submit/status) rather than `generate`. */
export function isRemoteBackend(backend: VideoBackend): backend is RemoteVideoBackend {
  return typeof (backend as RemoteVideoBackend).submit === 'function' && typeof (backend as RemoteVideoBackend).status === 'function';
}

/**
 * What `create` gets besides the config. There is no log sink here: a backend logs through the context of each
 * call (`ctx.log`), whose lines the engine prefixes with the segment and the backend.
 */
export interface BackendCreateContext {
  /** Directory of the config file; resolve relative paths from here. */
  configDir: string;
  env: NodeJS.ProcessEnv;
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
  /** `embedded`: ships with ttv; `local`: runs on this machine (GPU, subprocess); `remote`: a paid/network API. */
  readonly kind: BackendInfo['kind'];
  /** Zod schema of this backend's config section (strict: unknown keys are errors). */
  readonly configSchema: z.ZodType<Config>;
  /** Dotted paths within the section that hold secrets (never written or printed), e.g. `['apiKey']`. */
  readonly secretFields?: readonly string[];
  /**
   * The backend's capabilities for this config: the one place they are stated. The engine negotiates requests
   * against them, `checkRequest` validates against them, `ttv backends`/`doctor` print them and the conformance
   * suite checks the backend against them. Static: no I/O.
   */
  describe(config: Config): BackendCapabilities;
  /**
   * Creates the backend. Must be cheap and must NOT do network I/O (no auth round-trip, no health check, no
   * upload): the engine and `estimateRun` (`ttv estimate`/`ttv plan`) create backends only to call
   * `estimateCost`, `validate` and `describe`-level queries, and a dry estimate must make zero network calls.
   * Connect lazily, on the first `generate` (or in `doctor`). It may throw CONFIG_INVALID/AUTH when the config
   * lacks something it can check offline (e.g. a missing API key).
   */
  create(config: Config, context: BackendCreateContext): VideoBackend | Promise<VideoBackend>;
}

/**
 * The backend's facts for a parsed config: the plugin's name, display name and kind with `describe(config)`'s
 * models and default model. Everything that asks what a backend can do (engine, estimator, `ttv backends`,
 * `ttv doctor`, the conformance suite) reads it from here.
 */
// biome-ignore lint/suspicious/noExplicitAny: any plugin, whatever its config type
export function describeBackend(plugin: BackendPlugin<any>, config: unknown): BackendInfo {
  const { models, defaultModel } = plugin.describe(config);
  return { name: plugin.name, displayName: plugin.displayName, kind: plugin.kind, models, defaultModel };
}

/** Identity helper that type-checks a plugin definition. */
export function defineBackend<Config>(plugin: BackendPlugin<Config>): BackendPlugin<Config> {
  return plugin;
}
