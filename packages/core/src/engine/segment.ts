import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PlannedSegment } from '../plan/planner.js';
import type { GenerateRequest, InputMode, ReferenceImage, VideoBackend } from '../spec/backend.js';
import { TtvError, toTtvError } from '../spec/errors.js';
import { sha256, sha256File } from '../util/fs.js';
import { redact } from '../util/secrets.js';
import { type BackendTry, policySettings, runAttempt, type SegmentRun } from './attempt.js';
import { type BackendSlot, orderForSegment, requestFor } from './chain.js';
import type { ManifestInput, SegmentRecord } from './manifest.js';
import { extraNeeds, negotiate, type SegmentNeeds } from './negotiate.js';
import { failurePolicy } from './policy.js';
import { adoptSegment } from './run-folder.js';
import { backendOf, now, pad, type RunState } from './run-state.js';

/** What a segment is generated from (chaining: the previous segment's last frame and content key). */
export interface SegmentInputs {
  firstFrame?: ManifestInput;
  lastFrame?: ManifestInput;
  /** Extend mode: the previous clip, to continue. */
  inputVideo?: ManifestInput;
  previousKey?: string;
}

/**
 * The segment step: reuses the segment when an earlier run finished it with the same inputs and its file still
 * verifies (zero backend calls); else tries the fallback chain, backend by backend, until one makes it.
 * Returns the finished record; throws when the segment fails (the failure policy said stop, or every backend failed).
 */
export async function runSegment(state: RunState, planned: PlannedSegment, inputs: SegmentInputs): Promise<SegmentRecord> {
  const rec = state.manifest.segments[planned.index]!;
  const inputKey = inputKeyOf(state, planned, inputs);
  // A segment adopted from segments/ when the manifest was lost takes this run's keys (run-folder.ts).
  adoptSegment(rec, inputKey, state.producerKeys);
  if (await reusable(state, rec, inputKey)) {
    state.emit({
      type: 'done',
      segment: planned.index,
      backend: rec.backend!,
      model: rec.model!,
      costUsd: rec.costUsd ?? 0,
      durationSec: rec.durationSec ?? 0,
      file: rec.file!,
      cached: true,
    });
    return rec;
  }
  resetRecord(state, rec, planned, inputs, inputKey);
  const inputMode: InputMode = inputs.inputVideo ? 'extend' : inputs.lastFrame ? 'first-last-frame' : inputs.firstFrame ? 'first-frame' : 'text';
  const seg: SegmentRun = { state, planned, rec, inputKey, inputMode, ...frames(inputs), prompt: planned.prompt, failures: [] };
  const ordered = await chainFor(seg);
  for (let b = 0; b < ordered.length; b++) {
    if (await tryBackend(seg, ordered[b]!, ordered[b + 1])) return rec;
  }
  throw segmentFailure(seg);
}

function frames(inputs: SegmentInputs): Pick<SegmentRun, 'firstFrame' | 'lastFrame' | 'inputVideo'> {
  return {
    ...(inputs.firstFrame ? { firstFrame: inputs.firstFrame } : {}),
    ...(inputs.lastFrame ? { lastFrame: inputs.lastFrame } : {}),
    ...(inputs.inputVideo ? { inputVideo: inputs.inputVideo } : {}),
  };
}

/** Hash of everything that determines the segment's output except the backend. */
function inputKeyOf(state: RunState, planned: PlannedSegment, inputs: SegmentInputs): string {
  return sha256(
    JSON.stringify({
      mode: state.core.mode,
      prompt: planned.prompt,
      negativePrompt: planned.negativePrompt,
      seed: planned.seed,
      durationSec: planned.durationSec,
      output: state.manifest.output,
      first: inputs.firstFrame?.sha256,
      last: inputs.lastFrame?.sha256,
      video: inputs.inputVideo?.sha256,
      references: planned.references?.map((r) => [r.name, r.path]),
      keyframesAt: planned.keyframesAt?.map((k) => [k.path, k.atSec]),
      audio: state.core.audio.generate === 'auto' ? undefined : [state.core.audio.generate, state.core.audio.reference],
      previousKey: inputs.previousKey,
    }),
  );
}

/** Resume: a finished segment whose inputs are unchanged, whose producer is unchanged and whose file still verifies. */
async function reusable(state: RunState, rec: SegmentRecord, inputKey: string): Promise<boolean> {
  const same =
    rec.status === 'done' && rec.inputKey === inputKey && rec.producerKey !== undefined && rec.producerKey === state.producerKeys.get(rec.backend ?? '');
  return same && Boolean(rec.file && rec.sha256) && (await verifyFile(rec.file!, rec.sha256!));
}

/**
 * A finished file is reused only when it is byte-identical to the one that was probed and recorded when it
 * finished (sha256): a truncated, half-written or replaced file never matches. No ffprobe needed.
 */
export async function verifyFile(file: string, expected: string): Promise<boolean> {
  if (!existsSync(file)) return false;
  try {
    return (await sha256File(file)) === expected;
  } catch {
    return false;
  }
}

function resetRecord(state: RunState, rec: SegmentRecord, planned: PlannedSegment, inputs: SegmentInputs, inputKey: string): void {
  if (rec.inputKey !== inputKey) {
    // Changed prompt, input or parameter: start this segment afresh (a persisted job for other inputs is dropped).
    Object.assign(rec, { status: 'pending', warnings: [], skipped: [] });
    delete rec.job;
    delete rec.error;
  }
  // Whatever was finished before is not reused from here on (changed inputs, or the file no longer verifies).
  delete rec.file;
  delete rec.sha256;
  delete rec.contentKey;
  delete rec.producerKey;
  delete rec.lastFrame;
  rec.inputKey = inputKey;
  rec.requested = { durationSec: planned.durationSec, width: state.core.output.width, height: state.core.output.height };
  rec.inputs = frames(inputs);
  rec.startedAt = now();
  rec.skipped = [];
  delete rec.error;
}

function needsOf(seg: SegmentRun): SegmentNeeds {
  const { output } = seg.state.core;
  return {
    input: seg.inputMode,
    prompt: seg.prompt,
    durationSec: seg.planned.durationSec,
    width: output.width,
    height: output.height,
    ...extraNeeds(seg.state.core, { ...seg.planned, input: seg.inputMode }),
  };
}

/** The chain in this segment's order; a job persisted by a crashed run is re-attached on its own backend first. */
async function chainFor(seg: SegmentRun): Promise<BackendSlot[]> {
  const needs = needsOf(seg);
  const costOf = async (slot: BackendSlot, deal: Parameters<typeof requestFor>[0]) =>
    (await backendOf(seg.state, slot)).estimateCost(requestFor(deal, needs)).usd;
  const ordered = await orderForSegment(seg.state.slots, needs, costOf);
  // Never pay a second backend for a job that is already paid for.
  const persisted = seg.rec.job;
  const owner = persisted && ordered.find((s) => s.configured.name === persisted.backend);
  return owner ? [owner, ...ordered.filter((s) => s !== owner)] : ordered;
}

/**
 * One backend of the chain: negotiate (skip it when it cannot take the segment), validate, then attempts until
 * one succeeds (true) or the failure policy moves on (false, after a `fallback` event) or stops (throws).
 */
async function tryBackend(seg: SegmentRun, slot: BackendSlot, next: BackendSlot | undefined): Promise<boolean> {
  const bt = await prepareBackend(seg, slot);
  if (!bt) return false;
  const { state, planned } = seg;
  for (let attempt = 1; ; attempt++) {
    const outcome = await runAttempt(seg, bt, attempt);
    if (outcome.ok) return true;
    const { error } = outcome;
    const decision = failurePolicy(error, attempt, policySettings(state));
    if (decision.action === 'stop') throw decision.reason === 'no-reword-hook' ? noRewordHook(error, bt.name) : error;
    seg.lastError = error;
    seg.failures.push(`${bt.name} attempt ${attempt}: [${error.code}] ${redact(error.message)}`);
    if (decision.action === 'next') break;
    if (decision.action === 'reword') {
      seg.prompt = await reword(seg, bt.name, bt.backend, error, attempt);
      bt.request.prompt = seg.prompt;
      state.log(`moderation: prompt reworded for ${bt.name}`, planned.index);
      state.emit({ type: 'retry', segment: planned.index, backend: bt.name, attempt, delayMs: 0, error });
      continue;
    }
    state.emit({ type: 'retry', segment: planned.index, backend: bt.name, attempt, delayMs: decision.delayMs, error });
    state.log(`retry ${attempt + 1}/${state.core.retries.maxAttempts} on ${bt.name} in ${decision.delayMs} ms after ${error.code}`, planned.index);
    await state.sleep(decision.delayMs, state.signal);
  }
  state.emit({ type: 'fallback', segment: planned.index, from: bt.name, ...(next ? { to: next.configured.name } : {}), error: seg.lastError! });
  return false;
}

/**
 * Rewrites a refused prompt, keeping the story: the backend's own `rewordPrompt` hook when it has one (it knows its
 * provider's rules), else the planner (budgeted and booked like any paid call). Recorded in the segment's `rewords`.
 */
async function reword(seg: SegmentRun, backendName: string, backend: VideoBackend, error: TtvError, attempt: number): Promise<string> {
  const { state, planned, rec } = seg;
  const from = seg.prompt;
  const refusal = redact(error.message);
  let to: string;
  let by = backendName;
  let costUsd = 0;
  if (backend.rewordPrompt) to = await backend.rewordPrompt(from, error);
  else {
    const planner = await state.planner();
    by = `planner:${state.config.planner?.plugin.name ?? state.core.planner}`;
    const request = { prompt: from, refusal, attempt: (rec.rewords?.length ?? 0) + 1 };
    const estimate = planner.estimateCost(request).usd;
    state.budget.reserve(estimate, `rewording the prompt of segment ${planned.index}`);
    const book = (usd: number, outcome: 'ok' | 'error') => {
      if (estimate > 0 || usd > 0) {
        state.manifest.ledger.push({
          segment: planned.index,
          backend: by,
          model: 'reword',
          attempt,
          estimatedUsd: estimate,
          actualUsd: usd,
          outcome,
          at: now(),
        });
      }
      state.manifest.totalCostUsd = state.budget.book(usd).totalUsd;
    };
    try {
      ({ prompt: to, costUsd } = await planner.reword(request, {
        signal: state.signal,
        log: (line) => state.log(line, planned.index),
        workDir: join(state.runDir, 'work'),
      }));
    } catch (e) {
      // A failed rewording may still have been billed (a refusal spends tokens): booked before the error goes on.
      const charged = toTtvError(e).chargedUsd ?? 0;
      if (charged > 0) book(charged, 'error');
      throw e;
    } finally {
      state.budget.release(estimate);
    }
    book(costUsd, 'ok');
  }
  rec.rewords ??= [];
  rec.rewords.push({ backend: backendName, attempt, refused: error.field ?? 'prompt', refusal, from, to, by, costUsd });
  await state.writer.save();
  return to;
}

const referenceOf = (r: NonNullable<PlannedSegment['references']>[number]): ReferenceImage => ({ path: r.path, role: r.role, name: r.name });

/** Negotiates the request for a backend and validates it; undefined (after recording the skip) when it cannot take it. */
async function prepareBackend(seg: SegmentRun, slot: BackendSlot): Promise<BackendTry | undefined> {
  const { state, planned, rec } = seg;
  const name = slot.configured.name;
  const deal = negotiate(slot.configured, needsOf(seg));
  if (!deal.ok) {
    rec.skipped.push({ backend: name, reason: deal.reason });
    state.emit({ type: 'skipped', segment: planned.index, backend: name, reason: deal.reason });
    seg.failures.push(`${name}: skipped: ${deal.reason}`);
    return undefined;
  }
  const backend = await backendOf(state, slot);
  const request: GenerateRequest = {
    model: deal.model.id,
    prompt: seg.prompt,
    durationSec: deal.durationSec,
    width: deal.width,
    height: deal.height,
    outputPath: join(state.runDir, 'segments', `seg-${pad(planned.index)}.mp4`),
    segmentIndex: planned.index,
    // An extension gets the clip to continue; where the backend can only chain, the exact last frame instead.
    ...(deal.input === 'extend' ? { inputVideo: seg.inputVideo!.path } : seg.firstFrame ? { firstFrame: seg.firstFrame.path } : {}),
    ...(seg.lastFrame ? { lastFrame: seg.lastFrame.path } : {}),
    ...(planned.seed !== undefined ? { seed: planned.seed } : {}),
    ...(planned.negativePrompt ? { negativePrompt: planned.negativePrompt } : {}),
    ...(deal.references.length > 0 ? { references: deal.references.map((i) => referenceOf(planned.references![i]!)) } : {}),
    ...(deal.generateAudio !== undefined ? { generateAudio: deal.generateAudio } : {}),
    ...(deal.referenceAudio ? { referenceAudio: state.core.audio.reference! } : {}),
    // Timed keyframes keep their place in the clip when the model makes another length than planned.
    ...(deal.timedKeyframes > 0
      ? {
          keyframes: planned
            .keyframesAt!.slice(0, deal.timedKeyframes)
            .map((k) => ({ path: k.path, atSec: Number(((k.atSec * deal.durationSec) / planned.durationSec).toFixed(3)) })),
        }
      : {}),
  };
  rec.warnings = [...deal.warnings];
  if (seg.inputMode === 'extend') rec.continuation = deal.input === 'extend' ? 'extend' : 'chain';
  else delete rec.continuation;
  // Which cast pictures the model got, and which it could not take (the report shows them beside the segment).
  if (planned.references?.length) {
    rec.references = {
      backend: name,
      sent: deal.references.map((i) => planned.references![i]!.name),
      dropped: planned.references.filter((_, i) => !deal.references.includes(i)).map((r) => r.name),
    };
  } else delete rec.references;
  for (const w of deal.warnings) state.emit({ type: 'warning', segment: planned.index, message: w.message });
  // INPUT_INVALID from validate stops the segment: the request itself is wrong, another backend won't help.
  await backend.validate(request);
  return { slot, name, backend, deal, request };
}

function noRewordHook(error: TtvError, backend: string): TtvError {
  return new TtvError('MODERATION', `${redact(error.message)} — onModeration is "reword" but ${backend} provides no prompt-rewriting hook`, {
    field: 'onModeration',
    value: 'reword',
    fix: 'edit the prompt yourself, use onModeration: next with a fallback backend, or install a backend with a rewordPrompt hook',
    cause: error,
  });
}

/** Codes a segment's failure keeps from its last error instead of GENERATION_FAILED. */
const KEPT_CODES = new Set<TtvError['code']>(['MODERATION', 'AUTH', 'QUOTA', 'INPUT_INVALID']);

/** The segment's error once no backend made it: every skip and failed attempt, with its cause. */
function segmentFailure(seg: SegmentRun): TtvError {
  const { lastError, failures, planned } = seg;
  if (!lastError && seg.inputMode === 'text') {
    // Every backend was skipped because none takes a prompt alone: the storyboard lacks its first image.
    return new TtvError(
      'INPUT_INVALID',
      `segment ${planned.index} has no first frame, and no backend in the chain generates from text alone:\n    - ${failures.join('\n    - ')}`,
      {
        field: 'storyboard.image',
        fix: 'set storyboard.image to an initial image (PNG or JPEG) for the film to start from, or add a backend that takes text-only input',
        details: { attempts: failures },
      },
    );
  }
  const fallbackFix = lastError
    ? 'see each attempt above; fix its cause or add a fallback backend'
    : 'configure a backend whose models take this input (see the skip reasons above)';
  // What the user must fix keeps its code (and exit code): a refused key or an exhausted quota (4), a refused
  // request (2), moderation (5). Every backend skipped (none takes the segment's input): the configuration (2).
  const code = lastError ? (KEPT_CODES.has(lastError.code) ? lastError.code : 'GENERATION_FAILED') : 'CONFIG_INVALID';
  return new TtvError(code, `segment ${planned.index} failed on every backend:\n    - ${failures.join('\n    - ') || 'no backend could take it'}`, {
    fix: lastError?.fix ?? fallbackFix,
    details: { attempts: failures },
    ...(lastError ? { cause: lastError } : {}),
  });
}
