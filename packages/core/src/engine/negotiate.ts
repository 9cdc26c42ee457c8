import type { ConfiguredBackend } from '../config/load.js';
import type { BackendWarning, InputMode, ModelCapabilities, ReferenceRole } from '../spec/backend.js';
import {
  describeDurations,
  durationAllowed,
  limitsFor,
  nearestDuration,
  nearestResolution,
  resolutionLabel,
  takesReferenceAudio,
} from '../spec/capabilities.js';

export interface SegmentNeeds {
  /** Which input mode the segment uses. */
  input: InputMode;
  prompt: string;
  durationSec: number;
  width: number;
  height: number;
  /**
   * Extend mode (`input: 'extend'`) on a backend with no model that extends: `chain` negotiates a first-frame
   * continuation from the exact last frame instead (said in a warning), `next` (the default) skips the backend.
   */
  extendFallback?: 'chain' | 'next';
  /** `audio.generate`: auto (the backend decides), off, on (asked where the model makes sound) or required. */
  audio?: 'auto' | 'off' | 'on' | 'required';
  /** Whether there is a reference audio clip (`audio.reference`). */
  referenceAudio?: boolean;
  /** How many pictures are pinned inside the segment (`keyframesAt`). */
  timedKeyframes?: number;
  /** The segment's reference pictures (cast members with a picture), in order; `required` ones must reach the model. */
  references?: ReadonlyArray<{ name: string; role: ReferenceRole; required: boolean }>;
}

export type Negotiation =
  | {
      ok: true;
      model: ModelCapabilities;
      durationSec: number;
      width: number;
      height: number;
      /** The input the model gets: `needs.input`, or `first-frame` where an extension fell back to chaining. */
      input: InputMode;
      /** Whether to ask for sound (`GenerateRequest.generateAudio`); undefined with `audio: auto`. */
      generateAudio?: boolean;
      /** Whether the model gets the reference audio clip. */
      referenceAudio: boolean;
      /** How many of the timed keyframes the model gets (the first ones in time). */
      timedKeyframes: number;
      /** Indices into `needs.references` of the pictures the model gets (required ones first, then in order). */
      references: number[];
      warnings: BackendWarning[];
    }
  | { ok: false; reason: string };

type References = NonNullable<SegmentNeeds['references']>;

/** What a planned segment asks of a model besides its input and size: references, sound, timed keyframes, extension fallback. */
export function extraNeeds(
  core: { audio: { generate: NonNullable<SegmentNeeds['audio']>; reference?: string }; extend: { fallback: 'chain' | 'next' } },
  planned: { input: InputMode; references?: SegmentNeeds['references']; keyframesAt?: unknown[] },
): Pick<SegmentNeeds, 'references' | 'audio' | 'referenceAudio' | 'timedKeyframes' | 'extendFallback'> {
  return {
    ...(planned.references ? { references: planned.references } : {}),
    ...(core.audio.generate !== 'auto' ? { audio: core.audio.generate } : {}),
    ...(core.audio.reference ? { referenceAudio: true } : {}),
    ...(planned.keyframesAt?.length ? { timedKeyframes: planned.keyframesAt.length } : {}),
    ...(planned.input === 'extend' ? { extendFallback: core.extend.fallback } : {}),
  };
}

/** The references `model` takes of `refs`: the required ones (all, or undefined when it cannot), then others up to its max. */
export function acceptedReferences(model: ModelCapabilities, refs: References, input?: InputMode): number[] | undefined {
  const withInput = !input || !model.references?.inputs || model.references.inputs.includes(input);
  const max = withInput ? (model.references?.max ?? 0) : 0;
  const usable = refs.filter((r) => !model.references?.roles || model.references.roles.includes(r.role)).length;
  if ((model.references?.min ?? 0) > Math.min(usable, max)) return undefined;
  const takes = (role: ReferenceRole) => !model.references?.roles || model.references.roles.includes(role);
  const required = refs.flatMap((r, i) => (r.required ? [i] : []));
  if (required.length > max || required.some((i) => !takes(refs[i]!.role))) return undefined;
  const optional = refs.flatMap((r, i) => (!r.required && takes(r.role) ? [i] : []));
  return [...required, ...optional.slice(0, max - required.length)].sort((a, b) => a - b);
}

const INPUT_NAMES: Record<InputMode, string> = {
  text: 'text-only generation',
  'first-frame': 'a first frame',
  'first-last-frame': 'a first and a last frame',
  extend: 'a clip to extend',
};

type Backend = Pick<ConfiguredBackend, 'name' | 'info'>;

/**
 * Picks the model of a backend that fits the segment (its configured default first, else the first model with
 * the needed input mode, required references and sound), then the nearest duration and size that model supports,
 * then what it takes of the references, sound and timed keyframes, with a warning for each change. Pure and
 * offline: used for generation, `ttv plan` and `ttv estimate` alike.
 */
export function negotiate(backend: Backend, needs: SegmentNeeds): Negotiation {
  const { info } = backend;
  if (needs.input === 'extend' && needs.extendFallback === 'chain' && !info.models.some((m) => m.inputs.includes('extend'))) {
    const chained = negotiate(backend, { ...needs, input: 'first-frame', extendFallback: 'next' });
    if (!chained.ok) return chained;
    const message = `${backend.name} cannot extend a clip; continuing from the exact last frame instead (extend.fallback: chain)`;
    return { ...chained, warnings: [{ type: 'negotiated', field: 'input', message }, ...chained.warnings] };
  }
  const chosen = chooseModel(backend, needs);
  if ('reason' in chosen) return { ok: false, reason: chosen.reason };
  const { model, warnings } = chosen;
  if (needs.prompt.length > model.maxPromptLength) {
    return { ok: false, reason: `prompt is ${needs.prompt.length} characters; ${backend.name}/${model.id} accepts at most ${model.maxPromptLength}` };
  }
  const limits = limitsFor(model, needs.input);
  let durationSec = needs.durationSec;
  if (!durationAllowed(limits.durations, durationSec)) {
    durationSec = nearestDuration(limits.durations, durationSec);
    warnings.push({
      type: 'negotiated',
      field: 'duration',
      message: `${backend.name}/${model.id} cannot make ${needs.durationSec} s${model.byInput?.[needs.input]?.durations ? ` with ${needs.input} input` : ''} (allowed: ${describeDurations(limits.durations)}); using ${durationSec} s`,
    });
  }
  const wanted = { width: needs.width, height: needs.height };
  const supported = limits.resolutions.some((r) => r.width === wanted.width && r.height === wanted.height);
  const size = supported ? wanted : nearestResolution(limits.resolutions, wanted);
  if (!supported) {
    warnings.push({
      type: 'negotiated',
      field: 'resolution',
      message: `${backend.name}/${model.id} cannot make ${resolutionLabel(wanted)}; using ${resolutionLabel(size)} (the join scales and pads to the film size)`,
    });
  }
  const references = referencesOf(backend.name, model, needs.references ?? [], needs.input, warnings);
  const extras = extrasOf(backend.name, model, needs, warnings, references.length);
  return { ok: true, model, input: needs.input, durationSec, width: size.width, height: size.height, references, ...extras, warnings };
}

/** The model for the segment: the default when it fits, else the first that does (said, with both prices), else why none. */
function chooseModel(backend: Backend, needs: SegmentNeeds): { model: ModelCapabilities; warnings: BackendWarning[] } | { reason: string } {
  const { info, name } = backend;
  const refs = needs.references ?? [];
  const takes = (m: ModelCapabilities) => m.inputs.includes(needs.input) && acceptedReferences(m, refs, needs.input) !== undefined;
  const fits = (m: ModelCapabilities) => takes(m) && (needs.audio !== 'required' || m.audio === true);
  const preferred = info.models.find((m) => m.id === info.defaultModel);
  const model = preferred && fits(preferred) ? preferred : info.models.find(fits);
  if (!model) {
    if (needs.audio === 'required' && info.models.some(takes)) return { reason: `no model of ${name} makes sound (audio.generate: required)` };
    if (info.models.some((m) => m.inputs.includes(needs.input))) {
      const names = refs.filter((r) => r.required).map((r) => r.name);
      const models = info.models.map((m) => `${m.id}: ${m.references?.min ? `${m.references.min}–` : ''}${m.references?.max ?? 0} references`).join('; ');
      const what = names.length ? `the required reference picture(s) of ${names.join(', ')}` : `a segment with ${refs.length} reference picture(s)`;
      return { reason: `no model of ${name} takes ${what} (models: ${models})` };
    }
    const what = needs.input === 'first-frame' ? 'image-to-video (a first frame)' : INPUT_NAMES[needs.input];
    return { reason: `no model of ${name} takes ${what} (models: ${info.models.map((m) => `${m.id}: ${m.inputs.join('/')}`).join('; ')})` };
  }
  const warnings: BackendWarning[] = [];
  if (preferred && model !== preferred) {
    // E.g. keyframe mode on Runway: gen4 takes no last frame, so veo3.1_fast makes the clip (at another price).
    const price = (m: ModelCapabilities) => (m.usdPerSecond === undefined ? 'price unknown' : `$${m.usdPerSecond}/s`);
    const what = preferred.inputs.includes(needs.input) ? 'the required reference pictures' : INPUT_NAMES[needs.input];
    warnings.push({
      type: 'negotiated',
      field: 'model',
      message: `${name}/${preferred.id} (${price(preferred)}) does not take ${what}; using ${model.id} (${price(model)}) instead`,
    });
  }
  return { model, warnings };
}

/** The references the model gets (indices), the ones it cannot take said in a warning. */
function referencesOf(name: string, model: ModelCapabilities, refs: References, input: InputMode, warnings: BackendWarning[]): number[] {
  const references = acceptedReferences(model, refs, input)!;
  const dropped = refs.filter((_, i) => !references.includes(i)).map((r) => r.name);
  if (dropped.length > 0) {
    const roles = model.references?.roles ? ` (${model.references.roles.join(', ')})` : '';
    const only =
      model.references?.inputs && !model.references.inputs.includes(input) ? ` only with ${model.references.inputs.join(', ')} input, not ${input}` : '';
    warnings.push({
      type: 'negotiated',
      field: 'references',
      message: `${name}/${model.id} takes ${model.references?.max ?? 0} reference picture(s)${roles}${only}; the picture(s) of ${dropped.join(', ')} are left out (mark a cast member required: true to move such segments to a backend that takes it)`,
    });
  }
  return references;
}

/** Sound, the reference audio and the timed keyframes a model gets; what it cannot take is left out with a warning. */
function extrasOf(
  name: string,
  model: ModelCapabilities,
  needs: SegmentNeeds,
  warnings: BackendWarning[],
  references: number,
): { generateAudio?: boolean; referenceAudio: boolean; timedKeyframes: number } {
  const left = (field: string, what: string) => warnings.push({ type: 'unsupported', field, message: `${name}/${model.id} takes no ${what}; it is left out` });
  const audio = needs.audio ?? 'auto';
  if (audio === 'on' && !model.audio) left('generateAudio', 'sound (audio.generate: on): the clip is silent');
  const referenceAudio = needs.referenceAudio === true && takesReferenceAudio(model, needs.input, references > 0);
  if (needs.referenceAudio && !referenceAudio) left('referenceAudio', 'reference audio');
  const wanted = needs.timedKeyframes ?? 0;
  const timedKeyframes = Math.min(wanted, model.timedKeyframes?.max ?? 0);
  if (timedKeyframes < wanted) left('keyframes', `more than ${timedKeyframes} timed keyframe(s): ${wanted - timedKeyframes} of the segment's`);
  return { ...(audio === 'auto' ? {} : { generateAudio: audio !== 'off' && model.audio === true }), referenceAudio, timedKeyframes };
}
