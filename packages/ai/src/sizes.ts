/**
 * Which picture to ask each image model for: the supported size (OpenAI) or aspect ratio (Gemini) nearest in
 * shape to the requested width×height; the result is then cropped or padded to the exact size.
 */
import type { ModelRef } from './config.js';

export type ImageShape = { size: `${number}x${number}`; width: number; height: number } | { aspectRatio: `${number}:${number}`; width: number; height: number };

const OPENAI_SIZES: Record<string, Array<[number, number]>> = {
  'dall-e-3': [
    [1024, 1024],
    [1792, 1024],
    [1024, 1792],
  ],
  'dall-e-2': [[1024, 1024]],
};
const GPT_IMAGE_SIZES: Array<[number, number]> = [
  [1024, 1024],
  [1536, 1024],
  [1024, 1536],
];
/** Gemini image models' aspect ratios and the sizes they give (1K). */
const GEMINI_RATIOS: Array<[`${number}:${number}`, number, number]> = [
  ['1:1', 1024, 1024],
  ['2:3', 832, 1248],
  ['3:2', 1248, 832],
  ['3:4', 864, 1184],
  ['4:3', 1184, 864],
  ['4:5', 896, 1152],
  ['5:4', 1152, 896],
  ['9:16', 768, 1344],
  ['16:9', 1344, 768],
  ['21:9', 1536, 672],
];

/** The candidate nearest in shape (log of the aspect ratio) to width:height; the larger on a tie. */
function nearest<T extends { width: number; height: number }>(candidates: T[], width: number, height: number): T {
  const target = Math.log(width / height);
  const distance = (c: T) => Math.abs(Math.log(c.width / c.height) - target);
  return candidates.reduce((best, c) =>
    distance(c) < distance(best) - 1e-9 || (Math.abs(distance(c) - distance(best)) < 1e-9 && c.width * c.height > best.width * best.height) ? c : best,
  );
}

/** What to ask the model for, to make a width×height picture. */
export function shapeFor(ref: ModelRef, width: number, height: number): ImageShape {
  if (ref.provider === 'google') {
    return nearest(
      GEMINI_RATIOS.map(([aspectRatio, w, h]) => ({ aspectRatio, width: w, height: h })),
      width,
      height,
    );
  }
  const sizes = OPENAI_SIZES[ref.modelId] ?? GPT_IMAGE_SIZES;
  return nearest(
    sizes.map(([w, h]) => ({ size: `${w}x${h}` as const, width: w, height: h })),
    width,
    height,
  );
}

/** Whether a w×h picture scales to width×height without cropping or padding. */
export function sameShape(w: number, h: number, width: number, height: number): boolean {
  return Math.abs(w * height - h * width) <= Math.max(w, h, width, height) / 2;
}
