/**
 * Seedance's inputs in the Runway emulator (`@runwayml/sdk` 4.20.1 types): on image-to-video, `promptImage` is a
 * URI (a first frame) or an array whose entries carry `position: first|last` (keyframes) or no position
 * (reference images), never both kinds; on text-to-video, `references: [{uri}]`; on either, `referenceAudio:
 * [{type: 'audio', uri}]`, which needs at least one reference image (Runway's docs for the reference-taking models:
 * audio references go alongside reference images, never keyframes). Wrong shapes are 400s naming the field.
 */
import { checkUri, isObject, RunwayValidationError } from './uris.js';

export interface UriRef {
  uri: string;
  /** The body field it came from (for upload checks and messages). */
  field: string;
}

export interface SeedanceImages {
  first?: { uri: string; position: 'first' };
  last?: { uri: string; position: 'last' };
  references: UriRef[];
}

/** Most audio references (Seedance 2.x: up to 3, ByteDance's documented limit; the SDK states none). */
export const MAX_REFERENCE_AUDIO = 3;

function onlyKeys(item: Record<string, unknown>, field: string, keys: readonly string[]): void {
  for (const key of Object.keys(item)) if (!keys.includes(key)) throw new RunwayValidationError(`${field}.${key}`, 'unrecognized key');
}

function checkCount(field: string, count: number, max: number, model: string): void {
  if (count > max) throw new RunwayValidationError(field, `at most ${max} reference images for model '${model}' (got ${count})`);
}

/** One entry of a Seedance `promptImage` array into `out`. */
function addPromptImage(out: SeedanceImages, item: unknown, field: string): void {
  if (!isObject(item)) throw new RunwayValidationError(field, 'expected {uri, position?}');
  onlyKeys(item, field, ['uri', 'position']);
  const position = item['position'];
  const uri = checkUri(item['uri'], `${field}.uri`);
  if (position === undefined) {
    out.references.push({ uri, field: `${field}.uri` });
    return;
  }
  if (position !== 'first' && position !== 'last')
    throw new RunwayValidationError(`${field}.position`, "expected 'first', 'last', or no position for a reference image");
  if (out[position]) throw new RunwayValidationError(`${field}.position`, `duplicate position '${position}'`);
  if (position === 'first') out.first = { uri, position };
  else out.last = { uri, position };
}

/** A Seedance image-to-video `promptImage`: keyframes or reference images (at most `max`), not mixed. */
export function parseSeedancePromptImage(value: unknown, max: number, model: string): SeedanceImages {
  if (typeof value === 'string') return { first: { uri: checkUri(value, 'promptImage'), position: 'first' }, references: [] };
  if (!Array.isArray(value) || value.length === 0) {
    throw new RunwayValidationError('promptImage', 'expected a URI string or a non-empty array of {uri, position?}');
  }
  const out: SeedanceImages = { references: [] };
  for (const [i, item] of value.entries()) addPromptImage(out, item, `promptImage[${i}]`);
  if ((out.first || out.last) && out.references.length > 0) {
    throw new RunwayValidationError('promptImage', 'keyframe images (position first/last) and reference images (no position) cannot be mixed');
  }
  if (out.last && !out.first) throw new RunwayValidationError('promptImage', "a 'last' frame needs a 'first' frame");
  checkCount('promptImage', out.references.length, max, model);
  return out;
}

/** Text-to-video `references: [{uri}]`: a non-empty array of at most `max` image URIs. */
export function parseReferences(value: unknown, max: number, model: string): UriRef[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length === 0) throw new RunwayValidationError('references', 'expected a non-empty array of {uri}');
  checkCount('references', value.length, max, model);
  return value.map((item, i) => {
    const field = `references[${i}]`;
    if (!isObject(item)) throw new RunwayValidationError(field, 'expected {uri}');
    onlyKeys(item, field, ['uri']);
    return { uri: checkUri(item['uri'], `${field}.uri`), field: `${field}.uri` };
  });
}

/** `referenceAudio: [{type: 'audio', uri}]` (at most 3), only beside reference images. */
export function parseReferenceAudio(value: unknown, referenceImages: number): UriRef[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length === 0) throw new RunwayValidationError('referenceAudio', "expected a non-empty array of {type: 'audio', uri}");
  if (value.length > MAX_REFERENCE_AUDIO)
    throw new RunwayValidationError('referenceAudio', `at most ${MAX_REFERENCE_AUDIO} audio references (got ${value.length})`);
  if (referenceImages === 0)
    throw new RunwayValidationError('referenceAudio', 'audio references require at least one reference image (and cannot go with keyframes)');
  return value.map((item, i) => {
    const field = `referenceAudio[${i}]`;
    if (!isObject(item)) throw new RunwayValidationError(field, "expected {type: 'audio', uri}");
    onlyKeys(item, field, ['type', 'uri']);
    if (item['type'] !== 'audio') throw new RunwayValidationError(`${field}.type`, "expected 'audio'");
    return { uri: checkUri(item['uri'], `${field}.uri`, 'audio'), field: `${field}.uri` };
  });
}
