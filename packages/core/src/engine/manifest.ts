import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendWarning, JobHandle } from '../spec/backend.js';
import { writeFileAtomic } from '../util/fs.js';
import { redactDeep } from '../util/secrets.js';

export const MANIFEST_VERSION = 1;

export type SegmentStatus = 'pending' | 'running' | 'submitted' | 'done' | 'failed' | 'cancelled';

export interface ManifestInput {
  path: string;
  sha256: string;
}

export interface AttemptRecord {
  backend: string;
  model: string;
  attempt: number;
  startedAt: string;
  finishedAt?: string;
  /** Unset while running; `interrupted` when the process died during the attempt (see the segment's `job`). */
  outcome?: 'ok' | 'error' | 'cancelled' | 'interrupted';
  errorCode?: string;
  error?: string;
  estimatedUsd: number;
  actualUsd?: number;
  jobId?: string;
  /** True when this attempt re-attached a job submitted by an earlier (crashed) run instead of submitting. */
  resumed?: boolean;
  /** Content key of the request (backend, model, prompt, inputs, negotiated parameters). */
  contentKey?: string;
}

export interface SkipRecord {
  backend: string;
  reason: string;
}

export interface SegmentRecord {
  index: number;
  prompt: string;
  status: SegmentStatus;
  /** Hash of everything that determines this segment's output except the backend (prompt, inputs, parameters). */
  inputKey?: string;
  /** Content key of the finished output: inputKey + backend + model + negotiated parameters. */
  contentKey?: string;
  backend?: string;
  model?: string;
  /** Hash of the producing backend's name and settings (secrets left out); a change invalidates the segment. */
  producerKey?: string;
  inputs?: { firstFrame?: ManifestInput; lastFrame?: ManifestInput };
  requested: { durationSec: number; width: number; height: number };
  file?: string;
  sha256?: string;
  durationSec?: number;
  frames?: number;
  width?: number;
  height?: number;
  fps?: number;
  costUsd?: number;
  /** The remote/long job in flight, persisted before waiting so a crash never resubmits it. */
  job?: {
    backend: string;
    model: string;
    contentKey: string;
    handle: JobHandle;
    /** Already in the ledger from an attempt that failed after the job was paid (TtvError.jobReusable). */
    chargedUsd?: number;
  };
  /** Last frame extracted from this segment (chaining mode). */
  lastFrame?: ManifestInput;
  warnings: BackendWarning[];
  skipped: SkipRecord[];
  attempts: AttemptRecord[];
  startedAt?: string;
  finishedAt?: string;
  error?: { code: string; message: string };
}

export interface LedgerEntry {
  segment: number;
  backend: string;
  model: string;
  attempt: number;
  estimatedUsd: number;
  actualUsd: number;
  outcome: 'ok' | 'error' | 'cancelled';
  at: string;
}

export interface Manifest {
  version: number;
  name: string;
  mode: 'chaining' | 'keyframe';
  status: 'running' | 'done' | 'failed' | 'cancelled';
  createdAt: string;
  updatedAt: string;
  configFile: string;
  output: { width: number; height: number; fps: number };
  segments: SegmentRecord[];
  ledger: LedgerEntry[];
  totalCostUsd: number;
  warnings: string[];
  final?: {
    file: string;
    sha256: string;
    durationSec: number;
    frames: number;
    width: number;
    height: number;
    fps: number;
    method: string;
    /** Hash of the joined segments' hashes and the join settings: an unchanged film is not re-joined. */
    key?: string;
  };
  error?: { code: string; message: string };
}

export function manifestPath(runDir: string): string {
  return join(runDir, 'manifest.json');
}

export async function readManifest(runDir: string): Promise<Manifest | undefined> {
  try {
    const m = JSON.parse(await readFile(manifestPath(runDir), 'utf8')) as Manifest;
    return m.version === MANIFEST_VERSION ? m : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serialises manifest writes: every state change is written atomically (temp + rename) and in order, even
 * when segments finish concurrently. `save()` resolves once a write that started after the call is on disk;
 * saves requested while a write is waiting to start share it (its snapshot is taken when it starts, so it holds
 * every change made before). Secrets are masked on the way out.
 */
export class ManifestWriter {
  private chain: Promise<void> = Promise.resolve();
  private pending: Promise<void> | undefined;
  /** Number of writes actually made (for tests and benches). */
  writes = 0;
  constructor(
    readonly runDir: string,
    readonly manifest: Manifest,
  ) {}

  save(): Promise<void> {
    if (this.pending) return this.pending;
    const write = this.chain.then(() => {
      this.pending = undefined;
      this.writes++;
      const snapshot = JSON.stringify(redactDeep({ ...this.manifest, updatedAt: new Date().toISOString() }), null, 2);
      return writeFileAtomic(manifestPath(this.runDir), `${snapshot}\n`);
    });
    this.pending = write;
    this.chain = write.catch(() => {});
    return write;
  }
}
