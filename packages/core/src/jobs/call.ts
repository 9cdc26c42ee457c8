/**
 * One backend call, local or remote. Local backends run their own `generate`; for remote backends core owns the
 * whole job lifecycle, so a backend holds only what is unique to its API (`submit`, `status`, `cancel`):
 *
 *   submit (not cut off by a user abort) → record the handle (`onJob`, awaited) → poll `status` (interval, jitter,
 *   backoff, deadline, transient failures) → fetch the output (retries, fresh `status` between them) → probe → rename
 *
 * Money rules, each tested in call.test.ts:
 * - a job is recorded before anything waits on it; a resumed call re-attaches (`resumeJob`), it never submits;
 * - on abort or deadline a job is cancelled through the API when the backend can; otherwise (no `cancel`, or the
 *   cancel failed) it is kept (`jobReusable`) and booked at its estimate, because it runs on and bills;
 * - a succeeded job whose output could not be fetched is kept (`jobReusable`) and booked once.
 */

import { probeVideo, type VideoProbe } from '../media/probe.js';
import type {
  CallContext,
  GenerateContext,
  GenerateRequest,
  GenerateResult,
  JobHandle,
  JobPolicy,
  JobStatus,
  RemoteVideoBackend,
  VideoBackend,
} from '../spec/backend.js';
import { isRemoteBackend } from '../spec/backend.js';
import { TtvError, throwIfAborted, toTtvError } from '../spec/errors.js';
import { withJitter } from '../spec/polling.js';
import { clipResult } from '../spec/result.js';
import { produceAtomic } from '../util/fs.js';
import { sleep as abortableSleep } from '../util/sleep.js';
import { fetchOutput } from './output.js';

/** Defaults for what a backend's `jobPolicy` leaves out. */
export const DEFAULT_JOB_POLICY: Readonly<JobPolicy> = {
  intervalMs: 5000,
  maxIntervalMs: 30_000,
  backoff: 1.5,
  jitter: 0.2,
  maxErrors: 5,
  timeoutMs: 30 * 60_000,
  requestTimeoutMs: 60_000,
  downloadTimeoutMs: 10 * 60_000,
  downloadAttempts: 4,
};

/** A cancel request gets its own short deadline: the run's signal has usually fired already. */
const CANCEL_TIMEOUT_MS = 15_000;

/** What the engine (or a test) gives one backend call. */
export interface CallOptions extends GenerateContext {
  /** Remote: records the job handle durably; awaited before anything waits on the job. */
  onJob?(job: JobHandle): Promise<void>;
  /** Remote: re-attach to this job instead of submitting (a crashed or interrupted run's job). */
  resumeJob?: JobHandle;
  /** Remote: the attempt's idempotency key (default: a random one). */
  idempotencyKey?: string;
  /** Remote: what the job is expected to cost (booked when an interrupted job cannot be cancelled); default estimateCost. */
  estimatedUsd?: number;
  /** Injectable for tests: an abortable wait (default core's `sleep`). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injectable for tests: 0..1 for jitter. */
  random?: () => number;
  /** Injectable for tests: the clock for the job deadline. */
  now?: () => number;
}

/**
 * Makes one clip with `backend`: `generate` for a local backend, the job protocol for a remote one. Resolves with
 * the clip's real properties (from a probe); rejects with a TtvError.
 */
/** A backend's result, with the full probe of the file when core took one (a remote job's downloaded output). */
export type CallResult = GenerateResult & { probe?: VideoProbe };

export async function callBackend(backend: VideoBackend, request: GenerateRequest, options: CallOptions): Promise<CallResult> {
  if (!isRemoteBackend(backend)) {
    const { signal, log, workDir, onProgress, lease } = options;
    return backend.generate(request, { signal, log, workDir, onProgress, ...(lease ? { lease } : {}) });
  }
  return new RemoteJobRun(backend, request, options).run();
}

/** The lifecycle of one remote job, as a list of named steps. */
class RemoteJobRun {
  private readonly policy: JobPolicy;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly estimatedUsd: number;

  constructor(
    private readonly backend: RemoteVideoBackend,
    private readonly request: GenerateRequest,
    private readonly options: CallOptions,
  ) {
    this.policy = { ...DEFAULT_JOB_POLICY, ...definedOnly(backend.jobPolicy ?? {}) };
    this.sleep = options.sleep ?? abortableSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.estimatedUsd = options.estimatedUsd ?? backend.estimateCost(request).usd;
  }

  async run(): Promise<CallResult> {
    throwIfAborted(this.options.signal);
    const job = this.options.resumeJob ?? (await this.submitAndRecord());
    const done = await this.waitUntilFinished(job);
    const { probe, status } = await this.fetchClip(job, done);
    await this.release(job);
    this.options.onProgress({ fraction: 1, message: 'done' });
    const result = clipResult(this.request.outputPath, probe, {
      costUsd: status.costUsd,
      warnings: status.warnings ?? [],
      jobId: job.id,
    });
    return { ...result, probe };
  }

  private context(signal: AbortSignal): CallContext {
    return { signal, log: this.options.log, workDir: this.options.workDir };
  }

  /** Step 1: submit (a user abort does not cut a submission off), then record the handle before waiting. */
  private async submitAndRecord(): Promise<JobHandle> {
    const { options } = this;
    options.onProgress({ fraction: 0, message: 'SUBMITTING' });
    const signal = AbortSignal.timeout(this.policy.requestTimeoutMs);
    // The last moment a user's Ctrl-C can stop the submission: from here it runs to its end.
    throwIfAborted(options.signal);
    let job: JobHandle;
    try {
      job = await this.backend.submit(this.request, { ...this.context(signal), idempotencyKey: options.idempotencyKey ?? randomKey() });
    } catch (error) {
      throw toTtvError(error, 'GENERATION_FAILED');
    }
    assertHandle(job);
    try {
      await options.onJob?.(job);
    } catch (error) {
      // The job could not be recorded: do not leave an unrecorded job running (and charging) if it can be stopped.
      await this.tryCancel(job);
      throw toTtvError(error);
    }
    if (options.signal.aborted) await this.interrupt(job, 'the run was cancelled while the job was being submitted');
    return job;
  }

  /** Step 2: poll until the job has succeeded (returned) or failed (thrown). */
  private async waitUntilFinished(job: JobHandle): Promise<Extract<JobStatus, { state: 'succeeded' }>> {
    const { policy, options } = this;
    const deadline = this.now() + policy.timeoutMs;
    let wait = policy.intervalMs;
    let errors = 0;
    // A fresh job is never done at once: wait first. A re-attached one may be: look at once.
    let lookNow = options.resumeJob !== undefined;
    if (lookNow) options.onProgress({ fraction: 0, message: 'RESUMING' });
    for (;;) {
      if (!lookNow) await this.pause(job, Math.min(withJitter(wait, policy.jitter, this.random), Math.max(0, deadline - this.now())));
      lookNow = false;
      if (this.now() >= deadline) await this.deadlinePassed(job);
      let status: JobStatus;
      try {
        status = await this.backend.status(job, this.context(AbortSignal.any([options.signal, AbortSignal.timeout(policy.requestTimeoutMs)])));
        errors = 0;
      } catch (raw) {
        if (options.signal.aborted) await this.interrupt(job, 'the run was cancelled');
        const error = toTtvError(raw, 'UNAVAILABLE');
        if (!error.retryable || ++errors >= policy.maxErrors) await this.giveUp(job, error);
        options.log(`status of job ${job.id} failed (${error.code}, ${errors}/${policy.maxErrors}); the job keeps running, asking again`);
        wait = Math.min(Math.max(policy.maxIntervalMs, policy.intervalMs), Math.max(wait * policy.backoff, error.retryAfterMs ?? 0));
        continue;
      }
      if (status.state === 'succeeded') return status;
      if (status.state === 'failed') {
        await this.release(job);
        throw toTtvError(status.error, 'GENERATION_FAILED');
      }
      if (status.progress) options.onProgress(status.progress);
      wait = status.pollAfterMs ?? Math.min(policy.maxIntervalMs, Math.max(1, wait * policy.backoff));
    }
  }

  /** Waits between polls; an abort interrupts the job. */
  private async pause(job: JobHandle, ms: number): Promise<void> {
    try {
      await this.sleep(ms, this.options.signal);
    } catch {
      await this.interrupt(job, 'the run was cancelled');
    }
    if (this.options.signal.aborted) await this.interrupt(job, 'the run was cancelled');
  }

  /** Step 3: fetch the output into place, with retries; a fresh status between attempts renews expired URLs. */
  private async fetchClip(job: JobHandle, first: Extract<JobStatus, { state: 'succeeded' }>) {
    const { policy, options, request } = this;
    let status = first;
    options.onProgress({ fraction: 0.97, message: 'DOWNLOADING' });
    let lastError: TtvError | undefined;
    for (let attempt = 1; attempt <= policy.downloadAttempts; attempt++) {
      try {
        const probe = await produceAtomic(request.outputPath, async (tmp): Promise<VideoProbe> => {
          const signal = AbortSignal.any([options.signal, AbortSignal.timeout(policy.downloadTimeoutMs)]);
          await fetchOutput(status.output, tmp, this.context(signal));
          return probeVideo(tmp, { signal: options.signal }).catch((error: unknown) => {
            if (options.signal.aborted) throw error;
            throw new TtvError('UNAVAILABLE', `the output of job ${job.id} is not a readable video: ${toTtvError(error).message}`, { cause: error });
          });
        });
        return { probe, status };
      } catch (raw) {
        lastError = toTtvError(raw, 'UNAVAILABLE');
        if (options.signal.aborted || lastError.code === 'CANCELLED')
          throw this.paidJobKept(job, status.costUsd, 'CANCELLED', 'the download was cancelled', lastError);
        if (!isTransient(lastError)) {
          // The output can never be fetched (e.g. it was deleted): the job is paid for and over, not kept.
          await this.release(job);
          throw new TtvError(lastError.code, lastError.message, { ...errorOptions(lastError), chargedUsd: status.costUsd, details: { jobId: job.id } });
        }
        if (attempt === policy.downloadAttempts) break;
        options.log(`download of job ${job.id} failed (${lastError.message}); attempt ${attempt + 1}/${policy.downloadAttempts}`);
        await this.sleep(withJitter(Math.min(5000, 250 * 2 ** attempt), policy.jitter, this.random), options.signal).catch(() => {});
        status = await this.freshOutput(job, status);
      }
    }
    throw this.paidJobKept(
      job,
      status.costUsd,
      'UNAVAILABLE',
      `could not fetch the output of job ${job.id}: ${lastError?.message ?? 'unknown error'}`,
      lastError,
    );
  }

  /** A new look at a succeeded job, for a fresh output URL; the old status when the look fails. */
  private async freshOutput(job: JobHandle, old: Extract<JobStatus, { state: 'succeeded' }>): Promise<Extract<JobStatus, { state: 'succeeded' }>> {
    try {
      const status = await this.backend.status(job, this.context(AbortSignal.any([this.options.signal, AbortSignal.timeout(this.policy.requestTimeoutMs)])));
      return status.state === 'succeeded' ? status : old;
    } catch {
      return old;
    }
  }

  /** The job succeeded and is paid for: the engine keeps its handle, and the next attempt or run re-attaches. */
  private paidJobKept(job: JobHandle, costUsd: number, code: 'CANCELLED' | 'UNAVAILABLE', message: string, cause: unknown): TtvError {
    return new TtvError(code, `${message}; job ${job.id} is paid for and kept: the next attempt or run fetches it again without paying`, {
      jobReusable: true,
      chargedUsd: costUsd,
      retryable: code !== 'CANCELLED',
      fix: 'check the network and the disk, then run the same command again',
      details: { jobId: job.id },
      cause,
    });
  }

  /**
   * The status of a running job cannot be read (a permanent error, or too many passing ones): stop waiting, but
   * never leave a job running unrecorded — cancel it, or keep it (booked at its estimate) for the next attempt.
   */
  private async giveUp(job: JobHandle, error: TtvError): Promise<never> {
    if (await this.tryCancel(job)) {
      await this.release(job);
      throw new TtvError(error.code, `${error.message}; job ${job.id} was cancelled`, { ...errorOptions(error), details: { ...error.details, jobId: job.id } });
    }
    throw new TtvError(error.code, `${error.message}; job ${job.id} cannot be cancelled and is kept: the next attempt re-attaches to it`, {
      ...errorOptions(error),
      jobReusable: true,
      chargedUsd: this.estimatedUsd,
      details: { ...error.details, jobId: job.id },
    });
  }

  /** Abort: cancel the job at the service when that is possible; otherwise keep it and book its estimate. */
  private async interrupt(job: JobHandle, why: string): Promise<never> {
    if (await this.tryCancel(job)) {
      await this.release(job);
      throw new TtvError('CANCELLED', `${why}; job ${job.id} was cancelled at the service`, { details: { jobId: job.id } });
    }
    throw new TtvError(
      'CANCELLED',
      `${why}; job ${job.id} cannot be cancelled at the service, so it runs on and is billed (about $${this.estimatedUsd.toFixed(2)}): the next run re-attaches to it instead of paying again`,
      { jobReusable: true, chargedUsd: this.estimatedUsd, details: { jobId: job.id } },
    );
  }

  /** The deadline passed: like an abort, but a TIMEOUT the engine may retry (re-attaching a kept job). */
  private async deadlinePassed(job: JobHandle): Promise<never> {
    const seconds = Math.round(this.policy.timeoutMs / 100) / 10;
    const fix = 'raise the backend’s job timeout (its timeouts section), or lower concurrency';
    if (await this.tryCancel(job)) {
      await this.release(job);
      throw new TtvError('TIMEOUT', `job ${job.id} did not finish within ${seconds} s; it was cancelled`, { fix, details: { jobId: job.id } });
    }
    throw new TtvError('TIMEOUT', `job ${job.id} did not finish within ${seconds} s; it cannot be cancelled and is kept: the next attempt re-attaches to it`, {
      fix,
      jobReusable: true,
      chargedUsd: this.estimatedUsd,
      details: { jobId: job.id },
    });
  }

  /** Sends the backend's cancel, with its own deadline; true when the service confirmed it. Never throws. */
  private async tryCancel(job: JobHandle): Promise<boolean> {
    if (!this.backend.cancel) return false;
    try {
      await this.backend.cancel(job, this.context(AbortSignal.timeout(Math.min(this.policy.requestTimeoutMs, CANCEL_TIMEOUT_MS))));
      this.options.log(`job ${job.id} cancelled`);
      return true;
    } catch (error) {
      this.options.log(`could not cancel job ${job.id}: ${toTtvError(error).message}`);
      return false;
    }
  }

  private async release(job: JobHandle): Promise<void> {
    try {
      await this.backend.release?.(job, this.context(AbortSignal.timeout(this.policy.requestTimeoutMs)));
    } catch (error) {
      this.options.log(`could not release job ${job.id}: ${toTtvError(error).message}`);
    }
  }
}

/** The options of an error worth keeping when it is re-thrown with more context. */
function errorOptions(error: TtvError) {
  return {
    retryable: error.retryable,
    cause: error,
    ...(error.fix ? { fix: error.fix } : {}),
    ...(error.field ? { field: error.field } : {}),
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
  };
}

function isTransient(error: TtvError): boolean {
  return error.retryable || error.code === 'UNAVAILABLE' || error.code === 'TIMEOUT' || error.code === 'RATE_LIMITED';
}

function assertHandle(job: JobHandle): void {
  if (!job || typeof job.id !== 'string' || job.id === '') {
    throw new TtvError('BACKEND_INVALID', `the backend's submit returned ${JSON.stringify(job)} instead of a job handle`, {
      field: 'JobHandle.id',
      value: job,
      fix: "the backend must return the service's job as { id: string, data?: {...} } (report it to the backend's author)",
    });
  }
  try {
    JSON.stringify(job);
  } catch (cause) {
    throw new TtvError('BACKEND_INVALID', `the backend's submit returned a job handle that is not JSON (${(cause as Error).message})`, {
      field: 'JobHandle.data',
      fix: "the backend must keep JobHandle.data to plain JSON values (report it to the backend's author)",
    });
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function randomKey(): string {
  return `ttv-${crypto.randomUUID()}`;
}
