/**
 * The models the OpenAI emulator serves, with the sizes and parameters the real API accepts for each and the
 * list prices it books (USD; text per 1M tokens, images per picture at a quality and size).
 */

export interface TextModelSpec {
  inputPerMTok: number;
  outputPerMTok: number;
}

export const OPENAI_TEXT_MODELS: Record<string, TextModelSpec> = {
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'gpt-4.1-nano': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gpt-5': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gpt-5-mini': { inputPerMTok: 0.25, outputPerMTok: 2 },
  'gpt-5-nano': { inputPerMTok: 0.05, outputPerMTok: 0.4 },
  'o4-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
};

export interface ImageModelSpec {
  sizes: readonly string[];
  /** The size `auto` (or no size) gives. */
  defaultSize: string;
  qualities: readonly string[];
  defaultQuality: string;
  maxN: number;
  edits: boolean;
  /** Whether the model takes `response_format` (the GPT image models always answer b64_json and reject it). */
  responseFormat: boolean;
  /** USD for one picture at a quality and size. */
  price(quality: string, size: string): number;
}

const GPT_IMAGE_SIZES = ['1024x1024', '1536x1024', '1024x1536'] as const;

function gptImage(prices: Record<string, [square: number, wide: number]>): ImageModelSpec {
  return {
    sizes: [...GPT_IMAGE_SIZES, 'auto'],
    defaultSize: '1024x1024',
    qualities: ['low', 'medium', 'high', 'auto'],
    defaultQuality: 'high',
    maxN: 10,
    edits: true,
    responseFormat: false,
    price: (quality, size) => {
      const row = prices[quality === 'auto' ? 'high' : quality] ?? prices['high']!;
      return size === '1024x1024' ? row[0] : row[1];
    },
  };
}

export const OPENAI_IMAGE_MODELS: Record<string, ImageModelSpec> = {
  'gpt-image-1': gptImage({ low: [0.011, 0.016], medium: [0.042, 0.063], high: [0.167, 0.25] }),
  'gpt-image-1-mini': gptImage({ low: [0.005, 0.006], medium: [0.011, 0.015], high: [0.036, 0.052] }),
  'dall-e-3': {
    sizes: ['1024x1024', '1792x1024', '1024x1792'],
    defaultSize: '1024x1024',
    qualities: ['standard', 'hd'],
    defaultQuality: 'standard',
    maxN: 1,
    edits: false,
    responseFormat: true,
    price: (quality, size) => (size === '1024x1024' ? 0.04 : 0.08) * (quality === 'hd' ? 1.5 : 1),
  },
  'dall-e-2': {
    sizes: ['256x256', '512x512', '1024x1024'],
    defaultSize: '1024x1024',
    qualities: ['standard'],
    defaultQuality: 'standard',
    maxN: 10,
    edits: true,
    responseFormat: true,
    price: (_quality, size) => (size === '256x256' ? 0.016 : size === '512x512' ? 0.018 : 0.02),
  },
};

/** `WxH` → numbers. */
export function parseSize(size: string): { width: number; height: number } {
  const [w, h] = size.split('x').map(Number) as [number, number];
  return { width: w, height: h };
}
