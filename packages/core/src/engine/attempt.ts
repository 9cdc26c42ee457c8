import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type CallResult, callBackend } from '../jobs/call.js';
import { probeVideo } from '../media/index.js';
import type { PlannedSegment } from '../plan/planner.js';
import type { GenerateRequest, InputMode, JobHandle, VideoBackend } from '../spec/backend.js';
import { TtvError, toTtvError } from '../spec/errors.js';
import { sha256, sha256File } from '../util/fs.js';
import { redact } from '../util/secrets.js';
import type { BackendSlot } from './chain.js';
import type { AttemptRecord, ManifestInput, SegmentRecord } from './manifest.js';
import type { Negotiation } from './negotiate.js';
import { endsSegment, type FailurePolicySettings } from './policy.js';
import { now, pad, type RunState } from './run-state.js';

/** One segment being generated: what the segment step and its attempts share. */
export interface SegmentRun {
  state: RunState;
  planned: PlannedSegment;
  rec: SegmentRecord;
  inputKey: string;
  inputMode: InputMode;
  firstFrame?: ManifestInput;
  lastFrame?: ManifestInput;
  /** Extend mode: the previous clip. */
  inputVideo?: ManifestInput;
  /** The prompt as sent (a `reword` decision changes it, for this backend and the next). */
  prompt: string;
  /** One line per skip and failed attempt, for the segment's final error. */
  failures: string[];
  lastError?: TtvError;
}

/** One backend of the chain taking the segment: its negotiated request. */
export interface BackendTry {
  slot: BackendSlot;
  name: string;
  backend: VideoBackend;
  deal: Extract<Negotiation, { ok: true }>;
  request: GenerateRequest;
}

/** The keys and estimate of one attempt, fixed before it starts. */
interface AttemptPlan {
  attempt: number;
  contentKey: string;
  idempotencyKey: string;
  /** A job an earlier attempt or run submitted for exactly this request: re-attached, never paid again. */
  resumeJob?: JobHandle;
  estimate: number;
  workDir: string;
}

/** What an attempt holds while it runs, given back however it ends. */
interface Held {
  record?: AttemptRecord;
  reserved?: boolean;
  lease?: { gpus: number[]; release: () => void };
}

export type AttemptOutcome = { ok: true } | { ok: false; error: TtvError };

/** The failure policy's settings for a backend of this run. */
export function policySettings(state: RunState): FailurePolicySettings {
  const { retries, onModeration } = state.core;
  // A refused prompt is reworded by the backend's own hook, else by the planner (there always is one).
  return { ...retries, onModeration, canReword: true, random: state.random };
}

/**
 * The attempt step: one backend call for the segment. In an executor slot: the budget reservation, the attempt
 * record, then the call. Then the booking: a success completes the segment record; a failure is recorded and
 * booked (with what it was charged) and returned for the failure policy. Errors before the call (budget refused,
 * cancelled while waiting) are thrown: nothing was called, nothing is recorded.
 */
export async function runAttempt(seg: SegmentRun, bt: BackendTry, attempt: number): Promise<AttemptOutcome> {
  const { state } = seg;
  const plan = planAttempt(seg, bt, attempt);
  const held: Held = {};
  try {
    const result = await state.executor.slot(
      () => startCall(seg, bt, plan, held),
      (e) => endsSegment(attemptError(e, state.signal), attempt, policySettings(state)),
      { segment: seg.planned.index, backend: bt.name, model: bt.request.model },
    );
    releaseHeld(state, plan, held);
    if (!held.record) throw new TtvError('INTERNAL', 'attempt finished without a record');
    await bookSuccess(seg, bt, plan, held.record, result);
    return { ok: true };
  } catch (raw) {
    releaseHeld(state, plan, held);
    const error = attemptError(raw, state.signal);
    if (!held.record) throw error;
    await bookFailure(seg, plan, held.record, error);
    return { ok: false, error };
  } finally {
    await rm(plan.workDir, { recursive: true, force: true }).catch(() => {});
  }
}

function planAttempt(seg: SegmentRun, bt: BackendTry, attempt: number): AttemptPlan {
  const { rec, inputKey } = seg;
  const contentKey = sha256(JSON.stringify({ inputKey, backend: bt.name, model: bt.request.model, request: { ...bt.request, outputPath: undefined } }));
  const resumeJob = rec.job && rec.job.contentKey === contentKey ? rec.job.handle : undefined;
  if (rec.job && !resumeJob) delete rec.job;
  // Same key when a crashed run repeats this attempt; a new one after each finished (failed) attempt.
  const finishedBefore = rec.attempts.filter((a) => a.contentKey === contentKey && a.outcome !== undefined && a.outcome !== 'interrupted').length;
  return {
    attempt,
    contentKey,
    idempotencyKey: sha256(`${contentKey}:${finishedBefore}`),
    ...(resumeJob ? { resumeJob } : {}),
    estimate: bt.backend.estimateCost(bt.request).usd,
    workDir: join(seg.state.runDir, 'work', `seg-${pad(seg.planned.index)}`),
  };
}

/** Inside the executor's slot: reserve, record the attempt as started, then wait for the backend's own slot. */
async function startCall(seg: SegmentRun, bt: BackendTry, plan: AttemptPlan, held: Held): Promise<CallResult> {
  const { state, rec, planned } = seg;
  const { name, request } = bt;
  const { resumeJob } = plan;
  // A re-attached job was paid for when it was submitted: only new submissions are checked. Checked when the
  // call is about to start, against what is spent and what is in flight.
  state.budget.reserve(plan.estimate, `segment ${planned.index} on ${name}/${request.model}`, !resumeJob);
  held.reserved = true;
  const started: AttemptRecord = {
    backend: name,
    model: request.model,
    attempt: plan.attempt,
    startedAt: now(),
    estimatedUsd: plan.estimate,
    contentKey: plan.contentKey,
    ...(resumeJob ? { jobId: resumeJob.id, resumed: true } : {}),
  };
  held.record = started;
  rec.attempts.push(started);
  rec.backend = name;
  rec.model = request.model;
  rec.status = resumeJob ? 'submitted' : 'running';
  // A snapshot before every call that may be paid: a full or read-only disk stops the run here, not after paying.
  await state.writer.checkpoint();
  state.emit({
    type: 'started',
    segment: planned.index,
    backend: name,
    model: request.model,
    attempt: plan.attempt,
    ...(resumeJob ? { resumedJob: resumeJob.id } : {}),
  });
  await mkdir(plan.workDir, { recursive: true });
  return bt.slot.limit!(async () => {
    // Lease inside the backend's slot: a job waiting for its turn holds no GPU.
    const needs = bt.backend.resources?.(request);
    if (needs && bt.slot.gpus) held.lease = await bt.slot.gpus.acquire(needs.gpus, state.signal);
    return generate(seg, bt, plan, started, held.lease);
  });
}

/** The one place the engine calls a backend. */
async function generate(seg: SegmentRun, bt: BackendTry, plan: AttemptPlan, started: AttemptRecord, lease: Held['lease']): Promise<CallResult> {
  const { state, rec, planned } = seg;
  const { name, request } = bt;
  const t0 = performance.now();
  try {
    return await callBackend(bt.backend, request, {
      signal: state.signal,
      workDir: plan.workDir,
      idempotencyKey: plan.idempotencyKey,
      estimatedUsd: plan.estimate,
      log: (line) => state.log(`${name}: ${line}`, planned.index),
      onProgress: (p) => state.emit({ type: 'progress', segment: planned.index, ...p }),
      onJob: async (job) => {
        rec.job = { backend: name, model: request.model, contentKey: plan.contentKey, handle: job };
        started.jobId = job.id;
        rec.status = 'submitted';
        await state.writer.checkpoint();
        // emitted once the handle is on disk: from here a crash re-attaches instead of resubmitting
        state.emit({ type: 'job', segment: planned.index, backend: name, jobId: job.id });
      },
      ...(plan.resumeJob ? { resumeJob: plan.resumeJob } : {}),
      ...(lease ? { lease: { gpus: lease.gpus } } : {}),
    });
  } finally {
    state.timings.backendMs += performance.now() - t0;
  }
}

function releaseHeld(state: RunState, plan: AttemptPlan, held: Held): void {
  if (held.reserved) state.budget.release(plan.estimate);
  held.reserved = false;
  held.lease?.release();
}

/** What a failed call means for the engine: a TtvError, CANCELLED once the run is cancelled. */
export function attemptError(raw: unknown, signal: AbortSignal): TtvError {
  const thrown = toTtvError(raw, 'GENERATION_FAILED');
  if (!signal.aborted || thrown.code === 'CANCELLED') return thrown;
  return new TtvError('CANCELLED', 'cancelled', { cause: raw, ...(thrown.jobReusable ? { jobReusable: true, chargedUsd: thrown.chargedUsd ?? 0 } : {}) });
}

async function bookSuccess(seg: SegmentRun, bt: BackendTry, plan: AttemptPlan, record: AttemptRecord, result: CallResult): Promise<void> {
  const { state, rec, planned } = seg;
  // One full probe of the finished file (what the backend reports is not trusted; a remote job's download was
  // probed by core already): its properties go into the record, and the whole probe too, so the join does not
  // probe the segment again.
  const probe = result.probe ?? (await state.timed(() => probeVideo(result.file, { signal: state.signal })));
  record.finishedAt = now();
  record.outcome = 'ok';
  // A re-attached job whose charge an earlier attempt already booked is not booked twice.
  const booked = plan.resumeJob ? (rec.job?.chargedUsd ?? 0) : 0;
  record.actualUsd = Math.max(0, result.costUsd - booked);
  bookCost(state, planned.index, record, 'ok');
  Object.assign(rec, {
    status: 'done',
    contentKey: plan.contentKey,
    producerKey: state.producerKeys.get(bt.name),
    file: result.file,
    sha256: await sha256File(result.file),
    durationSec: probe.durationSec,
    frames: probe.frames,
    width: probe.width,
    height: probe.height,
    fps: probe.fps,
    probe,
    costUsd: (rec.costUsd ?? 0) + result.costUsd,
    warnings: [...bt.deal.warnings, ...result.warnings],
    finishedAt: now(),
  });
  delete rec.job;
  // The finished segment goes to the journal at once (that is what a crash keeps); the snapshot of manifest.json
  // follows before the next call, within a second, or at the end of the run.
  await state.writer.record(rec);
  state.emit({
    type: 'done',
    segment: planned.index,
    backend: bt.name,
    model: bt.request.model,
    costUsd: result.costUsd,
    durationSec: probe.durationSec,
    file: result.file,
    cached: false,
  });
}

async function bookFailure(seg: SegmentRun, plan: AttemptPlan, record: AttemptRecord, error: TtvError): Promise<void> {
  const { state, rec, planned } = seg;
  record.finishedAt = now();
  record.outcome = error.code === 'CANCELLED' ? 'cancelled' : 'error';
  record.errorCode = error.code;
  record.error = redact(error.message);
  // A re-attached job's charge is booked once, whatever happens to it later (interrupted again, failed).
  const already = plan.resumeJob ? (rec.job?.chargedUsd ?? 0) : 0;
  const charged = error.chargedUsd ?? 0;
  record.actualUsd = Math.max(0, charged - already);
  bookCost(state, planned.index, record, record.outcome);
  // A job that ended (failed, cancelled through the API) must not be resumed; a crash keeps it, and so does
  // an error that says the job itself is fine (e.g. its download failed): the next attempt re-attaches.
  if (error.jobReusable && rec.job?.contentKey === plan.contentKey) rec.job.chargedUsd = Math.max(already, charged);
  else delete rec.job;
  await state.writer.checkpoint();
}

/** Books an attempt's cost: the ledger, the manifest's total, `cost` and the once-only warnUsd warning. */
function bookCost(state: RunState, segment: number, record: AttemptRecord, outcome: 'ok' | 'error' | 'cancelled'): void {
  const { manifest } = state;
  const actualUsd = record.actualUsd ?? 0;
  manifest.ledger.push({
    segment,
    backend: record.backend,
    model: record.model,
    attempt: record.attempt,
    estimatedUsd: record.estimatedUsd,
    actualUsd,
    outcome,
    at: now(),
  });
  const { totalUsd, warning } = state.budget.book(actualUsd);
  manifest.totalCostUsd = totalUsd;
  if (actualUsd > 0) state.emit({ type: 'cost', segment, backend: record.backend, usd: actualUsd, totalUsd });
  if (warning) {
    manifest.warnings.push(warning);
    state.emit({ type: 'warning', segment, message: warning });
  }
}
