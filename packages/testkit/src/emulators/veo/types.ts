/** Types and the shared state of the Veo emulator's resource modules (operations, outputs, control; gcs*.ts). */
import type { EmulatorServer } from '../http.js';
import type { EmulatorConfigSnippet } from '../snippet.js';
import type { InMemoryBuckets } from './gcs.js';
import type { VeoAspectRatio, VeoResolution } from './models.js';
import type { RenderImage } from './render.js';

export const GENERATE_VIDEO_RESPONSE_TYPE = 'type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse';

/** Where a `lastFrame` request to a model without frame interpolation is rejected. */
export type LastFrameRejection = 'submit' | 'operation';

export interface VeoEmulatorOptions {
  project?: string;
  location?: string;
  /** The express-mode API key (`x-goog-api-key`). Unset: any non-empty key is accepted. */
  apiKey?: string;
  /** The accepted `Authorization: Bearer` token (default `fake`). */
  accessToken?: string;
  /** Real milliseconds from submit until the operation reports done (default 1500). */
  operationDurationMs?: number;
  /** Divides the output size (1280×720 at scale 8 → 160×90), keeping even dimensions (default 1). */
  outputScale?: number;
  port?: number;
  host?: string;
  /** `lastFrame` on a model without it: HTTP 400 FAILED_PRECONDITION on submit (default), or an operation error. */
  lastFrameRejection?: LastFrameRejection;
  /** How many ffmpeg renders may run at once (default 2); more submits queue. */
  renderConcurrency?: number;
  /** Allow `personGeneration: "allow_all"` (an allowlisted project); otherwise 403 PERMISSION_DENIED. */
  allowAllPersonGeneration?: boolean;
}

/** Scripted outcome of the next created operation (consumed in order, one per accepted submit). */
export interface VeoOperationScript {
  /** Drop `count` samples for safety reasons (`raiMediaFilteredCount`/`raiMediaFilteredReasons`, fewer videos). */
  raiFiltered?: { count: number; reasons?: string[] };
  /** End the operation with `done: true` and this error (gRPC code, e.g. 3 INVALID_ARGUMENT, 13 INTERNAL). */
  error?: { code: number; message: string; details?: unknown[] };
  /** The operation is done on this poll (1 = the first poll), regardless of time. */
  pollsUntilDone?: number;
  /** With `storageUri`: report the `gcsUri` but never write the object. */
  missingOutputObject?: boolean;
}

export interface VeoStats {
  /** `:predictLongRunning` requests handled (including ones rejected with 4xx; not ones taken by a fault). */
  submits: number;
  /** `:fetchPredictOperation` requests handled. */
  polls: number;
  /** Objects written through the GCS upload routes (not Veo's own output writes). */
  uploads: number;
  /** GCS media downloads served. */
  downloads: number;
  /** GCS object DELETE requests handled. */
  deletes: number;
  /** Accepted video extensions (submits with `instances[0].video`). */
  extensions: number;
  /** Reference images of accepted submits (`instances[0].referenceImages`), all types. */
  referenceImages: number;
}

export interface VeoScript {
  nextOperation(...scripts: VeoOperationScript[]): void;
  /** Switches where `lastFrame` on a model without frame interpolation is rejected. */
  lastFrameRejection(mode: LastFrameRejection): void;
  /** Pending operation scripts. */
  pending(): VeoOperationScript[];
  clear(): void;
}

export interface VeoOperationState {
  name: string;
  model: string;
  polls: number;
  done: boolean;
  createdAt: number;
  /** An extension: sha256 (hex) of the input video's bytes and its frame count. */
  extension?: { inputSha256: string; inputFrames: number };
  /** The `referenceType` of each reference image, as sent (`ASSET`, `STYLE`, or the documented lower case). */
  referenceTypes?: string[];
}

export interface VeoEmulator extends EmulatorServer {
  project: string;
  location: string;
  buckets: InMemoryBuckets;
  script: VeoScript;
  stats(): VeoStats;
  operations(): VeoOperationState[];
  /** The ttv.yaml lines (and env, notes) that point ttv's veo3 backend at this emulator. */
  configSnippet(): EmulatorConfigSnippet;
}

/** A parsed `:predictLongRunning` route. */
export interface RouteMatch {
  version: string;
  project?: string;
  location?: string;
  model: string;
  verb: string;
}

/** A validated extension input (`instances[0].video`): an MP4 of 1–30 s at 24 fps in a size the model makes. */
export interface InputVideo {
  data: Buffer;
  sha256: string;
  frames: number;
  width: number;
  height: number;
}

/** A validated reference image. */
export interface ReferenceImageInput {
  image: RenderImage;
  referenceType: string;
}

/** A validated submit body. */
export interface ParsedRequest {
  prompt?: string;
  image?: RenderImage;
  lastFrame?: RenderImage;
  video?: InputVideo;
  referenceImages?: ReferenceImageInput[];
  durationSeconds: number;
  aspectRatio: VeoAspectRatio;
  resolution: VeoResolution;
  sampleCount: number;
  generateAudio: boolean;
  storageUri?: string;
}

export interface Operation {
  name: string;
  id: string;
  model: string;
  createdAt: number;
  polls: number;
  script: VeoOperationScript;
  request: ParsedRequest;
  render?: Promise<{ video?: Buffer; error?: string }>;
  rendered: boolean;
  final?: Record<string, unknown>;
}

/** The state every resource module of one emulator shares (one object per `startVeoEmulator`). */
export interface VeoState {
  options: VeoEmulatorOptions;
  project: string;
  location: string;
  accessToken: string;
  operationDurationMs: number;
  outputScale: number;
  lastFrameRejection: LastFrameRejection;
  buckets: InMemoryBuckets;
  counters: VeoStats;
  operations: Map<string, Operation>;
  scripts: VeoOperationScript[];
  pendingRenders: Set<Promise<unknown>>;
  /** Runs a render when one of `renderConcurrency` slots is free. */
  withRenderSlot<T>(fn: () => Promise<T>): Promise<T>;
}
