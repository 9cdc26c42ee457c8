// The one check every planner's answer goes through before the engine uses it (an LLM's structured output can be
// partial, out of bounds or inconsistent however well it is prompted). What is safe to repair is repaired and said
// in `warnings`; what is not is refused with PLAN_INVALID naming the field, the value and the fix. Pure: table-tested.
import { TtvError } from '../spec/errors.js';
import type { PlanRequest, PlanSegment } from '../spec/planner.js';
import { keyframePromptOf } from './planner.js';

export interface CheckedSegment {
  prompt: string;
  keyframePrompt?: string;
  durationSec: number;
  cast: string[];
}

export interface CheckedPlan {
  segments: CheckedSegment[];
  warnings: string[];
}

const invalid = (planner: string, field: string, value: unknown, message: string, fix: string) =>
  new TtvError('PLAN_INVALID', `the planner "${planner}" answered with an unusable storyboard: ${message}`, { field, value, fix });

/** Refuses a plan with no segments, too many, the wrong count, or a segment without a prompt. */
function checkShape(planner: string, request: PlanRequest, raw: unknown): unknown[] {
  const segments = (raw as { segments?: unknown } | undefined)?.segments;
  if (!Array.isArray(segments) || segments.length === 0) {
    throw invalid(planner, 'segments', Array.isArray(segments) ? [] : typeof segments, 'it has no segments', 'run again, or try another model or planner');
  }
  if (segments.length > request.maxSegments) {
    throw invalid(
      planner,
      'segments',
      segments.length,
      `${segments.length} segments, at most ${request.maxSegments} are allowed`,
      'shorten the script or the film',
    );
  }
  if (request.segmentCount !== undefined && segments.length !== request.segmentCount) {
    throw invalid(
      planner,
      'segments',
      segments.length,
      `${segments.length} segment(s) where exactly ${request.segmentCount} were asked for (one per keyframe image)`,
      'run again, or give the storyboard as segments',
    );
  }
  segments.forEach((s, i) => {
    const prompt = (s as { prompt?: unknown } | null)?.prompt;
    if (typeof prompt !== 'string' || prompt.trim() === '') {
      throw invalid(planner, `segments[${i}].prompt`, prompt, `segment ${i} has no prompt`, 'run again, or try another model or planner');
    }
  });
  return segments;
}

/** A duration within the allowed range: missing or non-numeric → the preferred length, out of range → clamped. */
function repairDuration(request: PlanRequest, value: unknown, i: number, warnings: string[]): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    warnings.push(`segments[${i}].durationSec ${JSON.stringify(value)} is not a duration: ${request.segmentDurationSec} s used`);
    return request.segmentDurationSec;
  }
  const clamped = Math.min(request.maxSegmentSec, Math.max(request.minSegmentSec, value));
  if (clamped !== value) warnings.push(`segments[${i}].durationSec ${value} is outside ${request.minSegmentSec}–${request.maxSegmentSec} s: ${clamped} s used`);
  return clamped;
}

/** Scales durations so the film is `totalDurationSec` long (within the allowed range), when the plan misses it by more than 2 %. */
function fitTotal(request: PlanRequest, durations: number[], warnings: string[]): number[] {
  const total = durations.reduce((a, d) => a + d, 0);
  const target = request.totalDurationSec;
  if (target === undefined || Math.abs(total - target) <= target * 0.02) return durations;
  const scaled = durations.map((d) => Number(Math.min(request.maxSegmentSec, Math.max(request.minSegmentSec, (d * target) / total)).toFixed(3)));
  warnings.push(
    `the segments last ${total.toFixed(1)} s in all, not the ${target} s asked for: durations scaled to ${scaled.reduce((a, d) => a + d, 0).toFixed(1)} s`,
  );
  return scaled;
}

/** Checks (and where safe repairs) a planner's answer to `request`. */
export function checkPlanResult(planner: string, request: PlanRequest, raw: unknown): CheckedPlan {
  const segments = checkShape(planner, request, raw) as Array<Partial<Record<keyof PlanSegment, unknown>>>;
  const warnings: string[] = [];
  const names = new Map(request.cast.map((m) => [m.name.toLowerCase(), m.name]));
  const durations = fitTotal(
    request,
    segments.map((s, i) => repairDuration(request, s.durationSec, i, warnings)),
    warnings,
  );
  const checked = segments.map((s, i) => {
    const prompt = (s.prompt as string).trim();
    let keyframePrompt = typeof s.keyframePrompt === 'string' && s.keyframePrompt.trim() ? s.keyframePrompt.trim() : undefined;
    if (request.mode === 'keyframe' && !keyframePrompt) {
      keyframePrompt = keyframePromptOf(prompt);
      warnings.push(`segments[${i}].keyframePrompt is missing: the still is made from the segment's last sentence`);
    }
    const cast: string[] = [];
    for (const n of Array.isArray(s.cast) ? s.cast : []) {
      const known = typeof n === 'string' ? names.get(n.toLowerCase()) : undefined;
      if (known) cast.push(known);
      else warnings.push(`segments[${i}].cast names ${JSON.stringify(n)}, who is not in the cast: left out`);
    }
    return { prompt, durationSec: durations[i]!, cast, ...(keyframePrompt ? { keyframePrompt } : {}) };
  });
  return { segments: checked, warnings };
}
