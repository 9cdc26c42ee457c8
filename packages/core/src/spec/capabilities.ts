import type { DurationSupport, GenerateRequest, InputMode, ModelCapabilities, Resolution } from './backend.js';

export function supportsInput(model: ModelCapabilities, mode: InputMode): boolean {
  return model.inputs.includes(mode);
}

export function durationAllowed(support: DurationSupport, seconds: number): boolean {
  if (support.kind === 'discrete') return support.values.some((v) => Math.abs(v - seconds) < 1e-9);
  if (seconds < support.min - 1e-9 || seconds > support.max + 1e-9) return false;
  if (!support.step) return true;
  const k = (seconds - support.min) / support.step;
  return Math.abs(k - Math.round(k)) < 1e-9;
}

/** The supported duration nearest to `seconds` (ties go to the longer one, so no content is cut). */
export function nearestDuration(support: DurationSupport, seconds: number): number {
  if (support.kind === 'discrete') {
    let best = support.values[0]!;
    for (const v of support.values) {
      const d = Math.abs(v - seconds);
      const bd = Math.abs(best - seconds);
      if (d < bd - 1e-9 || (Math.abs(d - bd) < 1e-9 && v > best)) best = v;
    }
    return best;
  }
  let clamped = Math.min(support.max, Math.max(support.min, seconds));
  if (support.step) {
    clamped = support.min + Math.round((clamped - support.min) / support.step) * support.step;
    clamped = Math.min(support.max, clamped);
  }
  return Number(clamped.toFixed(6));
}

export function describeDurations(support: DurationSupport): string {
  if (support.kind === 'discrete') {
    const v = [...support.values].sort((a, b) => a - b);
    // Long sets (e.g. every 4n+1 frame count) read better as their ends and a count.
    return v.length <= 8 ? v.join(', ') : `${v.slice(0, 3).join(', ')}, …, ${v.slice(-2).join(', ')} (${v.length} values)`;
  }
  return `${support.min}–${support.max}${support.step ? ` in steps of ${support.step}` : ''}`;
}

/** The supported resolution nearest to the requested one: same aspect first, then closest pixel count. */
export function nearestResolution(options: Resolution[], wanted: Resolution): Resolution {
  const ratio = wanted.width / wanted.height;
  const score = (r: Resolution) => {
    const ratioErr = Math.abs(Math.log(r.width / r.height / ratio));
    const areaErr = Math.abs(Math.log((r.width * r.height) / (wanted.width * wanted.height)));
    return ratioErr * 10 + areaErr;
  };
  let best = options[0]!;
  for (const r of options) if (score(r) < score(best)) best = r;
  return best;
}

export function resolutionLabel(r: Resolution): string {
  return `${r.width}x${r.height}`;
}

/** Structural checks of a model table, shared by the registry and the conformance suite. */
export function capabilityProblems(model: ModelCapabilities): string[] {
  const problems: string[] = [];
  if (!model.id) problems.push('model id is empty');
  if (model.inputs.length === 0) problems.push(`${model.id}: inputs is empty`);
  if (model.resolutions.length === 0) problems.push(`${model.id}: resolutions is empty`);
  for (const r of model.resolutions) {
    if (!Number.isInteger(r.width) || !Number.isInteger(r.height) || r.width <= 0 || r.height <= 0 || r.width % 2 || r.height % 2) {
      problems.push(`${model.id}: resolution ${r.width}x${r.height} must be positive even integers`);
    }
  }
  if (!(model.fps > 0)) problems.push(`${model.id}: fps must be > 0`);
  if (!(model.maxPromptLength > 0)) problems.push(`${model.id}: maxPromptLength must be > 0`);
  if (!(model.concurrency >= 1)) problems.push(`${model.id}: concurrency must be ≥ 1`);
  const d = model.durations;
  if (d.kind === 'discrete' ? d.values.length === 0 || d.values.some((v) => !(v > 0)) : !(d.min > 0 && d.max >= d.min)) {
    problems.push(`${model.id}: durations must be positive and non-empty`);
  }
  return problems;
}

/** The durations and sizes a model allows for one input mode (`byInput` where it narrows them). */
export function limitsFor(model: ModelCapabilities, input: InputMode): { durations: DurationSupport; resolutions: Resolution[] } {
  const narrowed = model.byInput?.[input];
  return { durations: narrowed?.durations ?? model.durations, resolutions: narrowed?.resolutions ?? model.resolutions };
}

/** The input mode a request uses: a clip to extend, a first and a last frame, a first frame, or text. */
export function inputOfRequest(request: Pick<GenerateRequest, 'inputVideo' | 'firstFrame' | 'lastFrame'>): InputMode {
  return request.inputVideo !== undefined
    ? 'extend'
    : request.lastFrame !== undefined
      ? 'first-last-frame'
      : request.firstFrame !== undefined
        ? 'first-frame'
        : 'text';
}

/** Whether the model takes the reference audio clip with this input (and with or without reference pictures). */
export function takesReferenceAudio(model: ModelCapabilities, input: InputMode, withReferences: boolean): boolean {
  const r = model.referenceAudio;
  if (r === undefined || r === false) return false;
  if (r === true) return true;
  return (!r.inputs || r.inputs.includes(input)) && (!r.withReferences || withReferences);
}
