/** Types and the shared state of the Runway emulator's resource modules (tasks, uploads, outputs, control, organization). */
import type { FaultMatch } from '../faults.js';
import type { EmulatorServer } from '../http.js';
import type { EmulatorConfigSnippet } from '../snippet.js';
import type { GenerationRequest, TaskRoute } from './models.js';
import type { FrameSource } from './render.js';

export const RUNWAY_API_VERSION = '2024-11-06';
export const DAILY_LIMIT_MESSAGE = 'Your daily task limit has been reached.';

export type RunwayTaskStatus = 'PENDING' | 'THROTTLED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** Shapes a task the emulator creates (see `script.nextTask`). */
export interface TaskScript {
  /** End FAILED with this failureCode (e.g. `SAFETY.INPUT.TEXT`, `INTERNAL`) instead of SUCCEEDED. */
  failureCode?: string;
  /** The `failure` text (default: a message for the code). */
  failure?: string;
  /** Answer THROTTLED to this many polls before the task starts. */
  throttledPolls?: number;
  /** Real milliseconds from start (after throttling) to the terminal state. */
  durationMs?: number;
  /** The first output URL handed out is already expired (the download gets 403; re-reading the task gives a fresh one). */
  expiredOutputUrl?: boolean;
  /** Credits reported as `cost` on the terminal state (default: full price on success, 0 on failure/cancel). */
  cost?: number;
}

export interface RunwayTask {
  id: string;
  createdAt: string;
  route: TaskRoute;
  request: GenerationRequest;
  script: TaskScript;
  durationMs: number;
  throttledPollsLeft: number;
  /** Real time the task left the queue (after throttling). */
  startedAt?: number;
  /** Set by DELETE while running: the status is CANCELLED. */
  cancelled: boolean;
  /** Set by DELETE once terminal: the task is gone (404). */
  deleted: boolean;
  polls: number;
  /** The rendered mp4, or png for text_to_image (once `render` resolves without `renderError`). */
  outputPath: string;
  render?: Promise<void>;
  renderError?: Error;
  /** Output URLs handed out so far. */
  outputUrls: string[];
  /** Terminal status once observed (frozen afterwards). */
  terminal?: RunwayTaskStatus;
  abort: AbortController;
}

export interface RunwayEmulatorOptions {
  /** Accepted bearer token (default `key_test`). */
  apiKey?: string;
  /** Seconds of simulated generation per real second; sets the task duration when `taskDurationMs` is not given. */
  timeScale?: number;
  /** Real ms from creation to the terminal state (default 1500, or derived from `timeScale`). */
  taskDurationMs?: number;
  /** Divide output pixel sizes by this (keeping even dimensions) for fast tests. Default 1. */
  outputScale?: number;
  port?: number;
  host?: string;
  /** Where uploads and outputs go (default: a temp dir removed on close). */
  workDir?: string;
  /** Initial credit balance reported by `/v1/organization` (default 100 000). */
  creditBalance?: number;
  /** Lifetime of signed output URLs (default 24 h). */
  outputUrlTtlMs?: number;
}

export interface RunwayStats {
  /** Tasks the emulator created since the last reset (including ones whose reply the client never got). */
  created: number;
  /** Every create request received, including rejected and faulted ones. */
  createAttempts: number;
  polls: number;
  cancels: number;
  downloads: number;
  uploads: number;
  /** Reference images the created video tasks got (Seedance `references` or position-less `promptImage` entries). */
  referenceImages: number;
  /** Reference audio clips the created video tasks got. */
  referenceAudio: number;
  /** Created video tasks that asked for sound (`audio: true`). */
  withAudio: number;
}

export interface RunwayScript {
  /** Shape the next `count` created tasks (queued in order). */
  nextTask(shape: TaskScript, count?: number): void;
  /** Shape every task created while no `nextTask` shape is queued. `undefined` resets. */
  allTasks(shape: TaskScript | undefined): void;
  /** 429 `{"error":"Your daily task limit has been reached."}` with `Retry-After` on the next create(s). */
  dailyLimit(opts?: { times?: number; retryAfterSeconds?: number; match?: FaultMatch }): void;
  /**
   * 429 `{"error":"Too many requests…"}` (a short-term rate limit, not the daily quota) on the next create(s), with
   * `retry-after-ms` and/or `Retry-After` (seconds) when given.
   */
  rateLimited(opts?: { times?: number; retryAfterMs?: number; retryAfterSeconds?: number; match?: FaultMatch }): void;
  /** A 5xx (default 500) with `retry-after-ms` on the next matching request(s) (default: any /v1 route). */
  serverError(opts?: { status?: number; times?: number; retryAfterMs?: number; match?: FaultMatch; body?: unknown }): void;
  /** Delay the next matching request(s) by `ms` (default: any /v1 route). */
  slow(ms: number, opts?: { times?: number; match?: FaultMatch }): void;
  /** Destroy the connection of the next matching request(s) without a reply (default: any /v1 route). */
  connectionReset(opts?: { times?: number; match?: FaultMatch }): void;
  /** Every output URL handed out so far expires now (downloads get 403; re-reading tasks gives fresh URLs). */
  expireOutputs(): void;
  /** Next download(s): full Content-Length announced, connection closed after `bytes` (default 1024). */
  truncateDownload(opts?: { bytes?: number; times?: number }): void;
  /** Next download(s): connection destroyed mid-body after `bytes` (default half the file). */
  crashDownload(opts?: { bytes?: number; times?: number }): void;
}

export interface RunwayEmulator extends EmulatorServer {
  apiKey: string;
  workDir: string;
  tasks: Map<string, RunwayTask>;
  script: RunwayScript;
  stats(): RunwayStats;
  /** Credits left: initial balance minus costs (estimated for live tasks, final for terminal ones). */
  creditBalance(): number;
  /** Resolves when every started render has finished. */
  idle(): Promise<void>;
  /** The ttv.yaml lines (and env, notes) that point ttv's runway backend at this emulator. */
  configSnippet(): EmulatorConfigSnippet;
}

export interface Upload {
  id: string;
  filename: string;
  key: string;
  createdAt: number;
  path?: string;
  contentType?: string;
  size?: number;
}

/** The state every resource module of one emulator shares (one object per `startRunwayEmulator`). */
export interface RunwayState {
  opts: RunwayEmulatorOptions;
  apiKey: string;
  outputScale: number;
  initialCredits: number;
  /** Lifetime of signed output URLs. */
  ttlMs: number;
  workDir: string;
  /** Signs output URLs and upload policies. */
  secret: Buffer;
  tasks: Map<string, RunwayTask>;
  uploads: Map<string, Upload>;
  /** The input frames each task was rendered from. */
  sourceCache: Map<string, { first?: FrameSource; last?: FrameSource }>;
  scriptQueue: TaskScript[];
  defaultScript: TaskScript | undefined;
  urlCounter: number;
  /** Output URLs numbered up to this one are revoked. */
  revokedUpTo: number;
  /** One ffmpeg at a time: renders chain. */
  renderChain: Promise<void>;
  renders: Set<Promise<void>>;
  /** The emulator once started (its URL, credit balance and script). */
  emulator: RunwayEmulator;
}
