import type { ConfiguredBackend } from '../config/load.js';
import type { BackendWarning, InputMode, ModelCapabilities } from '../spec/backend.js';
import { describeDurations, durationAllowed, nearestDuration, nearestResolution, resolutionLabel } from '../spec/capabilities.js';

export interface SegmentNeeds {
  /** Which input mode the segment uses. */
  input: InputMode;
  prompt: string;
  durationSec: number;
  width: number;
  height: number;
}

export type Negotiation =
  | {
      ok: true;
      model: ModelCapabilities;
      durationSec: number;
      width: number;
      height: number;
      warnings: BackendWarning[];
    }
  | { ok: false; reason: string };

/**
 * Picks the model of a backend that fits the segment (its configured default first, else the first model with
 * the needed input mode), then the nearest duration and size that model supports, with a warning for each
 * change. Pure and offline: used for generation, `ttv plan` and `ttv estimate` alike.
 */
export function negotiate(backend: Pick<ConfiguredBackend, 'name' | 'info'>, needs: SegmentNeeds): Negotiation {
  const { info } = backend;
  const preferred = info.models.find((m) => m.id === info.defaultModel);
  const model = preferred?.inputs.includes(needs.input) ? preferred : info.models.find((m) => m.inputs.includes(needs.input));
  if (!model) {
    const what = { text: 'text-only generation', 'first-frame': 'image-to-video (a first frame)', 'first-last-frame': 'a first and a last frame' }[needs.input];
    return { ok: false, reason: `no model of ${backend.name} takes ${what} (models: ${info.models.map((m) => `${m.id}: ${m.inputs.join('/')}`).join('; ')})` };
  }
  if (needs.prompt.length > model.maxPromptLength) {
    return { ok: false, reason: `prompt is ${needs.prompt.length} characters; ${backend.name}/${model.id} accepts at most ${model.maxPromptLength}` };
  }
  const warnings: BackendWarning[] = [];
  if (preferred && model !== preferred) {
    // E.g. keyframe mode on Runway: gen4 takes no last frame, so veo3.1_fast makes the clip (at another price).
    const price = (m: ModelCapabilities) => (m.usdPerSecond === undefined ? 'price unknown' : `$${m.usdPerSecond}/s`);
    const what = { text: 'text-only generation', 'first-frame': 'a first frame', 'first-last-frame': 'a first and a last frame' }[needs.input];
    warnings.push({
      type: 'negotiated',
      field: 'model',
      message: `${backend.name}/${preferred.id} (${price(preferred)}) does not take ${what}; using ${model.id} (${price(model)}) instead`,
    });
  }
  let durationSec = needs.durationSec;
  if (!durationAllowed(model.durations, durationSec)) {
    durationSec = nearestDuration(model.durations, durationSec);
    warnings.push({
      type: 'negotiated',
      field: 'duration',
      message: `${backend.name}/${model.id} cannot make ${needs.durationSec} s (allowed: ${describeDurations(model.durations)}); using ${durationSec} s`,
    });
  }
  const wanted = { width: needs.width, height: needs.height };
  const supported = model.resolutions.some((r) => r.width === wanted.width && r.height === wanted.height);
  const size = supported ? wanted : nearestResolution(model.resolutions, wanted);
  if (!supported) {
    warnings.push({
      type: 'negotiated',
      field: 'resolution',
      message: `${backend.name}/${model.id} cannot make ${resolutionLabel(wanted)}; using ${resolutionLabel(size)} (the join scales and pads to the film size)`,
    });
  }
  return { ok: true, model, durationSec, width: size.width, height: size.height, warnings };
}
