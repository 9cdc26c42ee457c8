/** The Gemini models the emulator serves (Gemini API, v1beta), with their list prices (USD). */

export interface GeminiModelSpec {
  /** USD per 1M input / output text tokens. */
  inputPerMTok: number;
  outputPerMTok: number;
  /** Image models: USD per picture returned. */
  perImageUsd?: number;
}

export const GEMINI_MODELS: Record<string, GeminiModelSpec> = {
  'gemini-2.5-flash': { inputPerMTok: 0.3, outputPerMTok: 2.5 },
  'gemini-2.5-pro': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gemini-2.5-flash-lite': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gemini-2.0-flash': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gemini-2.5-flash-image': { inputPerMTok: 0.3, outputPerMTok: 2.5, perImageUsd: 0.039 },
  'gemini-2.5-flash-image-preview': { inputPerMTok: 0.3, outputPerMTok: 2.5, perImageUsd: 0.039 },
  'gemini-3-pro-image-preview': { inputPerMTok: 2, outputPerMTok: 12, perImageUsd: 0.134 },
};

/** Output sizes of the Gemini image models per aspect ratio (the documented 1K sizes). */
export const GEMINI_IMAGE_SIZES: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '2:3': [832, 1248],
  '3:2': [1248, 832],
  '3:4': [864, 1184],
  '4:3': [1184, 864],
  '4:5': [896, 1152],
  '5:4': [1152, 896],
  '9:16': [768, 1344],
  '16:9': [1344, 768],
  '21:9': [1536, 672],
};

/** The aspect ratio of the listed ones nearest to width:height. */
export function nearestGeminiRatio(width: number, height: number): string {
  const target = Math.log(width / height);
  let best = '1:1';
  for (const [ratio, [w, h]] of Object.entries(GEMINI_IMAGE_SIZES)) {
    const [bw, bh] = GEMINI_IMAGE_SIZES[best]!;
    if (Math.abs(Math.log(w / h) - target) < Math.abs(Math.log(bw / bh) - target)) best = ratio;
  }
  return best;
}
