import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { applyTransferToImage, isIdentity } from '../media/colour.js';
import { extractLastFrame } from '../media/index.js';
import { type TtvError, toTtvError } from '../spec/errors.js';
import { sha256File } from '../util/fs.js';
import { redact } from '../util/secrets.js';
import { colourMatchOf } from './colour-step.js';
import type { ExecutorTask } from './executor.js';
import { keyframesStep } from './keyframe-step.js';
import type { ManifestInput, SegmentRecord } from './manifest.js';
import { copyInput, now, pad, type RunState } from './run-state.js';
import { runSegment, type SegmentInputs } from './segment.js';

/**
 * The schedule step: copies the storyboard's images into the run folder, queues every segment and hands them to
 * the executor as tasks (chaining: each depends on the previous one; keyframe: independent). Each task works
 * out its own inputs from the run state. Rejects with the run's first segment failure.
 */
export async function scheduleSegments(state: RunState): Promise<void> {
  const { plan } = state;
  // The film's first frame (copied or made from text) and, in keyframe mode, the keyframes.
  if (plan.mode === 'keyframe' || plan.imagePrompt) await keyframesStep(state);
  else if (plan.image) state.inputs.firstImage = await copyInput(state.runDir, plan.image, 'input-000-first');
  if (state.until === 'keyframes') return;
  for (const planned of plan.segments) state.emit({ type: 'queued', segment: planned.index });
  const tasks: ExecutorTask[] = plan.segments.map((s) => ({ index: s.index, dependsOn: plan.mode !== 'keyframe' && s.index > 0 ? [s.index - 1] : [] }));
  await state.executor.run(tasks, (index) => segmentTask(state, index), { signal: state.signal });
}

/** One segment as a task: its inputs, the segment step, and on failure the segment marked failed or cancelled. */
export async function segmentTask(state: RunState, index: number): Promise<void> {
  const planned = state.plan.segments[index]!;
  const inputs = await segmentInputs(state, index);
  try {
    await runSegment(state, planned, inputs);
  } catch (e) {
    const error = toTtvError(e);
    markFailed(state, index, error);
    throw error;
  }
}

/**
 * What segment `index` is made from. Keyframe: the previous keyframe (the first image for segment 0) and its own.
 * Chaining: the first image for segment 0, else the exact last frame of the previous (finished) segment, and
 * that segment's content key (a regenerated predecessor invalidates its successors). Extend: the same, and the
 * previous clip itself.
 */
export async function segmentInputs(state: RunState, index: number): Promise<SegmentInputs> {
  const { firstImage, keyframes } = state.inputs;
  if (state.plan.mode === 'keyframe') {
    const first = index === 0 ? firstImage : keyframes[index - 1];
    return { ...(first ? { firstFrame: first } : {}), lastFrame: keyframes[index]! };
  }
  if (index === 0) return firstImage ? { firstFrame: firstImage } : {};
  const previous = state.manifest.segments[index - 1]!;
  const firstFrame = await lastFrameOf(state, previous);
  // Extend mode: the previous clip itself, to continue; its last frame stays for a backend that can only chain.
  const inputVideo = state.plan.mode === 'extend' ? { inputVideo: { path: previous.file!, sha256: previous.sha256! } } : {};
  return { firstFrame, ...inputVideo, ...(previous.contentKey ? { previousKey: previous.contentKey } : {}) };
}

/**
 * The last frame of a finished segment: the recorded one while it verifies (and was made with the same colour
 * correction), else extracted (and recorded). With `join.colorMatch: on` it is the corrected last frame, so the
 * next segment continues the corrected colours and corrections do not compound.
 */
async function lastFrameOf(state: RunState, rec: SegmentRecord): Promise<ManifestInput> {
  const match = state.core.join.colorMatch === 'on' ? await state.timed(() => colourMatchOf(state, rec.index)) : undefined;
  const colorKey = match && !isIdentity(match.transfer) ? match.key : undefined;
  const recorded = rec.lastFrame;
  if (recorded && recorded.colorKey === colorKey && existsSync(recorded.path) && (await sha256File(recorded.path)) === recorded.sha256) return recorded;
  const raw = join(state.runDir, 'frames', `seg-${pad(rec.index)}-last.png`);
  await state.timed(() => extractLastFrame(rec.file!, raw, { signal: state.signal }));
  if (!match || !colorKey) {
    rec.lastFrame = { path: raw, sha256: await sha256File(raw) };
    return rec.lastFrame;
  }
  const matched = join(state.runDir, 'frames', `seg-${pad(rec.index)}-last-matched.png`);
  await state.timed(() => applyTransferToImage(match.transfer, raw, matched, { signal: state.signal }));
  rec.lastFrame = { path: matched, sha256: await sha256File(matched), colorKey };
  return rec.lastFrame;
}

function markFailed(state: RunState, segment: number, error: TtvError): void {
  const rec = state.manifest.segments[segment]!;
  rec.status = error.code === 'CANCELLED' ? 'cancelled' : 'failed';
  rec.error = { code: error.code, message: redact(error.message) };
  rec.finishedAt = now();
  state.emit({ type: 'failed', segment, error });
}
