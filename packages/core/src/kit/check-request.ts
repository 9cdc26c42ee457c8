import type { BackendCapabilitiesLike, GenerateRequest, ModelCapabilities } from '../spec/backend.js';
import { describeDurations, durationAllowed, inputOfRequest, limitsFor, resolutionLabel, takesReferenceAudio } from '../spec/capabilities.js';
import { invalidInput } from './input.js';

/**
 * The capability checks every backend's `validate` starts with, worded once: the model exists, the size is one
 * it declares, the duration is allowed, the prompt fits, and the inputs match what the model takes (a last
 * frame only for first-last-frame models, a first frame unless the model makes clips from text, no more reference
 * pictures than it takes). Throws
 * INPUT_INVALID naming the field, the value and the fix; returns the model. Checks that need files or the
 * backend's own rules (image formats, seeds, API limits) follow it in the backend.
 */
export function checkRequest(backend: string, capabilities: BackendCapabilitiesLike, request: GenerateRequest): ModelCapabilities {
  const model = capabilities.models.find((m) => m.id === request.model);
  if (!model) {
    const ids = capabilities.models.map((m) => m.id).join(', ');
    throw invalidInput(`${backend} has no model "${request.model}"`, 'model', request.model, `use one of ${ids} (${backend}.model)`);
  }
  const limits = limitsFor(model, inputOfRequest(request));
  const size = { width: request.width, height: request.height };
  if (!limits.resolutions.some((r) => r.width === size.width && r.height === size.height)) {
    const sizes = limits.resolutions.map(resolutionLabel);
    const shown = sizes.length <= 8 ? sizes.join(', ') : `${sizes.slice(0, 8).join(', ')}, … (${sizes.length} sizes)`;
    throw invalidInput(`${backend}/${model.id} does not make ${resolutionLabel(size)}`, 'resolution', resolutionLabel(size), `use one of ${shown}`);
  }
  if (!durationAllowed(limits.durations, request.durationSec)) {
    const allowed = describeDurations(limits.durations);
    throw invalidInput(
      `${backend}/${model.id} makes clips of ${allowed} s, not ${request.durationSec} s`,
      'durationSec',
      request.durationSec,
      `choose a segment duration of ${allowed} s (segmentDuration or the segment's duration)`,
    );
  }
  if (request.prompt.length > model.maxPromptLength) {
    throw invalidInput(
      `prompt is ${request.prompt.length} characters; ${backend}/${model.id} accepts at most ${model.maxPromptLength}`,
      'prompt',
      `${request.prompt.slice(0, 40)}…`,
      `shorten the segment prompt to ${model.maxPromptLength} characters`,
    );
  }
  if (request.lastFrame !== undefined && !model.inputs.includes('first-last-frame')) {
    const withLast = capabilities.models.filter((m) => m.inputs.includes('first-last-frame')).map((m) => m.id);
    throw invalidInput(
      `${backend}/${model.id} does not take a last frame (it takes ${model.inputs.join(', ')})`,
      'lastFrame',
      request.lastFrame,
      withLast.length ? `use ${withLast.join(' or ')} for keyframe mode, or chaining mode` : 'use chaining mode, or a backend with first-last-frame generation',
    );
  }
  if (request.inputVideo !== undefined && !model.inputs.includes('extend')) {
    throw invalidInput(
      `${backend}/${model.id} cannot extend a clip (it takes ${model.inputs.join(', ')})`,
      'inputVideo',
      request.inputVideo,
      'use a model that extends clips, or chaining mode (or extend.fallback: chain)',
    );
  }
  if (request.firstFrame === undefined && request.inputVideo === undefined && !model.inputs.includes('text')) {
    throw invalidInput(
      `${backend}/${model.id} needs a first frame (it cannot start from text alone)`,
      'firstFrame',
      request.firstFrame,
      'set storyboard.image to a PNG or JPEG file (or give the segment a keyframe), or choose a backend with text-to-video',
    );
  }
  if (request.firstFrame !== undefined && model.inputs.length === 1 && model.inputs[0] === 'text') {
    throw invalidInput(
      `${backend}/${model.id} makes clips from text only and takes no first frame`,
      'firstFrame',
      request.firstFrame,
      'use a model with image-to-video',
    );
  }
  checkReferences(backend, model, request);
  checkSoundAndKeyframes(backend, model, request);
  return model;
}

/** Sound only from a model that makes it, a reference audio only where taken, timed keyframes within count and clip. */
function checkSoundAndKeyframes(backend: string, model: ModelCapabilities, request: GenerateRequest): void {
  if (request.generateAudio && !model.audio) {
    throw invalidInput(`${backend}/${model.id} makes no sound`, 'generateAudio', true, 'set audio.generate to auto or off, or use a model that makes sound');
  }
  if (request.referenceAudio !== undefined && !takesReferenceAudio(model, inputOfRequest(request), (request.references?.length ?? 0) > 0)) {
    throw invalidInput(
      `${backend}/${model.id} takes no reference audio`,
      'referenceAudio',
      request.referenceAudio,
      'remove audio.reference, or use a model that takes one',
    );
  }
  const keyframes = request.keyframes ?? [];
  const max = model.timedKeyframes?.max ?? 0;
  if (keyframes.length > max) {
    throw invalidInput(`${backend}/${model.id} takes ${max} timed keyframe(s), not ${keyframes.length}`, 'keyframes', keyframes.length, `give at most ${max}`);
  }
  const outside = keyframes.find((k) => !(k.atSec > 0 && k.atSec < request.durationSec));
  if (outside) {
    throw invalidInput(
      `a timed keyframe at ${outside.atSec} s lies outside the ${request.durationSec} s clip`,
      'keyframes',
      outside.atSec,
      `pin it between 0 and ${request.durationSec} s`,
    );
  }
}

/** At most the model's `references.max` reference pictures, of the roles it takes. */
function checkReferences(backend: string, model: ModelCapabilities, request: GenerateRequest): void {
  const refs = request.references ?? [];
  const input = inputOfRequest(request);
  const only = model.references?.inputs;
  if (refs.length > 0 && only && !only.includes(input)) {
    throw invalidInput(
      `${backend}/${model.id} takes reference pictures only with ${only.join(' or ')} input, not with ${input}`,
      'references',
      refs.map((r) => r.name).join(', '),
      `send them with ${only.join(' or ')} input only`,
    );
  }
  const max = model.references?.max ?? 0;
  if (refs.length > max) {
    throw invalidInput(
      `${backend}/${model.id} takes ${max} reference picture(s), not ${refs.length}`,
      'references',
      refs.map((r) => r.name).join(', '),
      max === 0 ? 'use a model that takes reference pictures' : `give at most ${max}`,
    );
  }
  const roles = model.references?.roles;
  const wrong = roles ? refs.find((r) => !roles.includes(r.role)) : undefined;
  if (wrong && roles) {
    throw invalidInput(
      `${backend}/${model.id} takes no ${wrong.role} reference (${wrong.name})`,
      'references',
      wrong.name,
      `give only ${roles.join(' or ')} references`,
    );
  }
}
