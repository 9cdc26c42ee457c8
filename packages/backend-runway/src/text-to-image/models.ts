/**
 * Runway's text-to-image models this package drives (`@runwayml/sdk` 4.20.1, `resources/text-to-image.d.ts`), with
 * the rules the API enforces and their list prices (docs.dev.runwayml.com: gen4_image 5 credits at 720p, 8 at
 * 1080p; gen4_image_turbo 2 credits at any size; 1 credit = $0.01).
 */
import { ratioResolution } from '../runway-models.js';

/** When this table was checked, and against what. */
export const IMAGE_MODELS_CHECKED = { date: '2026-12-02', source: '@runwayml/sdk 4.20.1 types and docs.dev.runwayml.com pricing' } as const;

export const IMAGE_MODEL_IDS = ['gen4_image', 'gen4_image_turbo'] as const;
export type ImageModelId = (typeof IMAGE_MODEL_IDS)[number];

/** The output sizes (`width:height` in pixels) both gen4 image models make. */
export const GEN4_IMAGE_RATIOS = [
  '1024:1024',
  '1080:1080',
  '1168:880',
  '1360:768',
  '1440:1080',
  '1080:1440',
  '1808:768',
  '1920:1080',
  '1080:1920',
  '2112:912',
  '1280:720',
  '720:1280',
  '720:720',
  '960:720',
  '720:960',
  '1680:720',
] as const;
export type ImageRatio = (typeof GEN4_IMAGE_RATIOS)[number];

const RATIOS_720P: ReadonlySet<string> = new Set(['1280:720', '720:1280', '720:720', '960:720', '720:960', '1680:720']);

/** Reference images one request may carry. */
export const MAX_REFERENCE_IMAGES = 3;

export interface ImageModel {
  id: ImageModelId;
  ratios: readonly ImageRatio[];
  /** The API refuses a request with fewer reference images. */
  minReferences: number;
  credits(ratio: string): number;
}

export const IMAGE_MODELS: Record<ImageModelId, ImageModel> = {
  gen4_image: { id: 'gen4_image', ratios: GEN4_IMAGE_RATIOS, minReferences: 0, credits: (ratio) => (RATIOS_720P.has(ratio) ? 5 : 8) },
  gen4_image_turbo: { id: 'gen4_image_turbo', ratios: GEN4_IMAGE_RATIOS, minReferences: 1, credits: () => 2 },
};

/** How far two aspect ratios are apart (|ln a − ln b|: symmetric for portrait and landscape). */
const aspectDistance = (w: number, h: number, width: number, height: number): number => Math.abs(Math.log(w / h) - Math.log(width / height));

/**
 * The ratio for a requested size: the nearest aspect ratio the model makes; among the sizes of that aspect, the
 * smallest that covers the request (no upscaling, and the cheaper tier when it is enough), else the largest.
 */
export function chooseRatio(model: ImageModel, width: number, height: number): ImageRatio {
  const scored = model.ratios.map((ratio) => ({ ratio, ...ratioResolution(ratio) }));
  const best = Math.min(...scored.map((r) => aspectDistance(r.width, r.height, width, height)));
  const nearest = scored.filter((r) => aspectDistance(r.width, r.height, width, height) <= best + 1e-3).sort((a, b) => a.width * a.height - b.width * b.height);
  return (nearest.find((r) => r.width >= width && r.height >= height) ?? nearest.at(-1)!).ratio;
}
