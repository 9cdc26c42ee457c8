/**
 * The fal video endpoints the emulator serves, with their input schemas (as fal's model pages document them;
 * unknown fields are refused) and what each job makes and costs. Prices are fal's list prices, the same the
 * backend's default price table carries. Only Kling O1 reference-to-video takes reference pictures: characters as
 * `elements` (`{ frontal_image_url, reference_image_urls? }`, @Element1…) and other pictures as `image_urls`
 * (@Image1…), at most 7 in all; the other endpoints refuse those fields as unknown.
 */
import { type InputSchema, listLength } from '../hosted-jobs/fields.js';

export interface FalJobShape {
  width: number;
  height: number;
  durationSec: number;
  audio: boolean;
  usd: number;
  /** The output follows the first frame's aspect: these sizes by ratio. */
  sizesByRatio?: Record<string, { width: number; height: number }>;
}

export interface FalModel extends InputSchema {
  /** The endpoint id, e.g. `fal-ai/kling-video/v2.1/pro/image-to-video`. */
  id: string;
  shape(input: Record<string, unknown>): FalJobShape;
  /** How many reference pictures an input carries. */
  references?(input: Record<string, unknown>): number;
}

const KLING_SIZES = { '16:9': { width: 1920, height: 1080 }, '9:16': { width: 1080, height: 1920 }, '1:1': { width: 1080, height: 1080 } };
const VEO_SIZES: Record<string, { width: number; height: number }> = {
  '16:9/720p': { width: 1280, height: 720 },
  '9:16/720p': { width: 720, height: 1280 },
  '16:9/1080p': { width: 1920, height: 1080 },
  '9:16/1080p': { width: 1080, height: 1920 },
};

const kling: FalModel = {
  id: 'fal-ai/kling-video/v2.1/pro/image-to-video',
  fields: {
    prompt: { type: 'string', maxLength: 2500 },
    image_url: { type: 'image' },
    tail_image_url: { type: 'image' },
    duration: { type: 'enum', values: ['5', '10'] },
    negative_prompt: { type: 'string', maxLength: 2500 },
    cfg_scale: { type: 'number', min: 0, max: 1 },
  },
  required: ['prompt', 'image_url'],
  shape(input) {
    const durationSec = Number(input['duration'] ?? '5');
    return { ...KLING_SIZES['16:9'], durationSec, audio: false, usd: 0.098 * durationSec, sizesByRatio: KLING_SIZES };
  },
};

/**
 * Kling 2.1 standard image-to-video ($0.05/s): not in the backend's table, so a config declares it under
 * `ai-sdk.models` (the emulator serves it for those tests). It takes no last frame and no reference pictures.
 */
const klingStandard: FalModel = {
  ...kling,
  id: 'fal-ai/kling-video/v2.1/standard/image-to-video',
  fields: {
    prompt: kling.fields['prompt']!,
    image_url: { type: 'image' },
    duration: kling.fields['duration']!,
    negative_prompt: kling.fields['negative_prompt']!,
  },
  shape(input) {
    const durationSec = Number(input['duration'] ?? '5');
    return { ...KLING_SIZES['16:9'], durationSec, audio: false, usd: 0.05 * durationSec, sizesByRatio: KLING_SIZES };
  },
};

const veoFast: FalModel = {
  id: 'fal-ai/veo3.1/fast',
  fields: {
    prompt: { type: 'string', maxLength: 2000 },
    aspect_ratio: { type: 'enum', values: ['16:9', '9:16'] },
    duration: { type: 'enum', values: ['4s', '6s', '8s'] },
    resolution: { type: 'enum', values: ['720p', '1080p'] },
    generate_audio: { type: 'boolean' },
    negative_prompt: { type: 'string', maxLength: 2000 },
    seed: { type: 'number', integer: true, min: 0, max: 4_294_967_295 },
    enhance_prompt: { type: 'boolean' },
    auto_fix: { type: 'boolean' },
  },
  required: ['prompt'],
  shape(input) {
    const durationSec = Number.parseInt(String(input['duration'] ?? '8s'), 10);
    const audio = input['generate_audio'] !== false;
    const size = VEO_SIZES[`${input['aspect_ratio'] ?? '16:9'}/${input['resolution'] ?? '720p'}`]!;
    return { ...size, durationSec, audio, usd: (audio ? 0.15 : 0.1) * durationSec };
  },
};

const KLING_O1_MAX_REFERENCES = 7;
const klingO1Count = (input: Record<string, unknown>): number => listLength(input['image_urls']) + listLength(input['elements']);

const klingO1References: FalModel = {
  id: 'fal-ai/kling-video/o1/reference-to-video',
  fields: {
    prompt: { type: 'string', maxLength: 2500 },
    image_urls: { type: 'imageList', max: KLING_O1_MAX_REFERENCES },
    elements: {
      type: 'objectList',
      max: KLING_O1_MAX_REFERENCES,
      schema: { fields: { frontal_image_url: { type: 'image' }, reference_image_urls: { type: 'imageList', max: 3 } }, required: ['frontal_image_url'] },
    },
    duration: { type: 'enum', values: ['3', '4', '5', '6', '7', '8', '9', '10'] },
    aspect_ratio: { type: 'enum', values: ['16:9', '9:16', '1:1'] },
  },
  required: ['prompt'],
  references: klingO1Count,
  check(input) {
    const total = klingO1Count(input);
    return total > KLING_O1_MAX_REFERENCES
      ? [{ field: 'image_urls', type: 'value_error', message: `Maximum ${KLING_O1_MAX_REFERENCES} total (elements + reference images), not ${total}` }]
      : [];
  },
  shape(input) {
    const durationSec = Number(input['duration'] ?? '5');
    const size = KLING_SIZES[String(input['aspect_ratio'] ?? '16:9') as keyof typeof KLING_SIZES];
    return { ...size, durationSec, audio: false, usd: 0.112 * durationSec };
  },
};

export const FAL_MODELS: Record<string, FalModel> = Object.fromEntries([kling, klingStandard, veoFast, klingO1References].map((m) => [m.id, m]));

/** The queue app of an endpoint: its first two path segments (`fal-ai/kling-video`), under which requests live. */
export function falApp(endpoint: string): string {
  return endpoint.split('/').slice(0, 2).join('/');
}
