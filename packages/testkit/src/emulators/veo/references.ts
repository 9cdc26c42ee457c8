/**
 * `instances[0].referenceImages` of the Veo emulator, as documented (genai's GenerateVideosConfig.referenceImages, the
 * Vertex "reference images" page): a prompt is required; image, video and lastFrame cannot be combined with them;
 * each has an `image` and a `referenceType` (`ASSET` or `STYLE` as @google/genai sends them, or the lower-case
 * `asset`/`style` of the REST samples); up to 3 asset images *or* 1 style image, on models that take them.
 */
import { HttpError, isObject } from './errors.js';
import { decodeImage } from './media-inputs.js';
import type { VeoModelSpec } from './models.js';
import type { ReferenceImageInput, VeoState } from './types.js';

const REFERENCE_TYPES = ['ASSET', 'STYLE', 'asset', 'style'];

function parseOne(state: VeoState, value: unknown, i: number): ReferenceImageInput {
  const field = `referenceImages[${i}]`;
  if (!isObject(value)) throw new HttpError(400, `${field} must be an object with image and referenceType.`);
  const referenceType = value['referenceType'];
  if (typeof referenceType !== 'string' || !REFERENCE_TYPES.includes(referenceType)) {
    throw new HttpError(400, `Invalid value at 'instances[0].${field}.referenceType' (${JSON.stringify(referenceType ?? null)}): expected ASSET or STYLE.`);
  }
  if (value['image'] === undefined) throw new HttpError(400, `${field}.image is required.`);
  return { image: decodeImage(state, value['image'], `${field}.image`), referenceType };
}

/** The reference images of a submit, validated; undefined when it has none. */
export function parseReferenceImages(
  state: VeoState,
  spec: VeoModelSpec,
  inst: Record<string, unknown>,
  prompt: string | undefined,
): ReferenceImageInput[] | undefined {
  const refs = inst['referenceImages'];
  if (refs === undefined) return undefined;
  if (!Array.isArray(refs) || refs.length === 0) throw new HttpError(400, 'instances[0].referenceImages must be a non-empty list.');
  const { asset: maxAsset, style: maxStyle } = spec.references;
  if (maxAsset + maxStyle === 0) throw new HttpError(400, `referenceImages is not supported by ${spec.id}.`);
  if (!prompt) throw new HttpError(400, 'A text prompt is required with referenceImages.');
  for (const field of ['image', 'video', 'lastFrame']) {
    if (inst[field] !== undefined) throw new HttpError(400, `referenceImages cannot be combined with ${field}.`);
  }
  const parsed = refs.map((r, i) => parseOne(state, r, i));
  const styles = parsed.filter((r) => r.referenceType.toUpperCase() === 'STYLE').length;
  const assets = parsed.length - styles;
  if (styles > 0 && maxStyle === 0) throw new HttpError(400, `Style reference images are not supported by ${spec.id}; use asset images.`);
  if (styles > 0 && assets > 0) throw new HttpError(400, 'referenceImages takes up to 3 asset images or 1 style image, not both.');
  if (assets > maxAsset) throw new HttpError(400, `${spec.id} takes at most ${maxAsset} asset reference images (got ${assets}).`);
  if (styles > maxStyle) throw new HttpError(400, `${spec.id} takes at most ${maxStyle} style reference image (got ${styles}).`);
  return parsed;
}
