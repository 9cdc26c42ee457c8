/**
 * The fal video endpoints the emulator serves, with their input schemas (as fal's model pages document them;
 * unknown fields are refused) and what each job makes and costs. Prices are fal's list prices, the same the
 * backend's default price table carries.
 */
import type { InputSchema } from '../hosted-jobs/fields.js';

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

export const FAL_MODELS: Record<string, FalModel> = { [kling.id]: kling, [veoFast.id]: veoFast };

/** The queue app of an endpoint: its first two path segments (`fal-ai/kling-video`), under which requests live. */
export function falApp(endpoint: string): string {
  return endpoint.split('/').slice(0, 2).join('/');
}
