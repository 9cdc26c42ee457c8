/**
 * List prices the plugins book when the config gives none (USD; the vendors' 2025 list prices, recorded on
 * 2026-12-02 without a live check: `PRICES_CHECKED`; set `pricing` in the config to override). Text: per 1M input / output tokens. Images: per picture, by quality and by square or not.
 * A model missing here needs `pricing` in its config section (CONFIG_INVALID otherwise), except on an
 * `openai-compatible` server, which is taken as local and free unless `pricing` says otherwise.
 */

/** When the tables below were written down, and from what. */
export const PRICES_CHECKED = { date: '2026-12-02', source: "the vendors' 2025 list prices (OpenAI, Anthropic, Google), not checked live" } as const;

export interface TextPrice {
  inputPerMTok: number;
  outputPerMTok: number;
}

export const TEXT_PRICES: Record<string, TextPrice> = {
  'openai:gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'openai:gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'openai:gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'openai:gpt-4.1-mini': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'openai:gpt-4.1-nano': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'openai:gpt-5': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'openai:gpt-5-mini': { inputPerMTok: 0.25, outputPerMTok: 2 },
  'openai:gpt-5-nano': { inputPerMTok: 0.05, outputPerMTok: 0.4 },
  'openai:o4-mini': { inputPerMTok: 1.1, outputPerMTok: 4.4 },
  'anthropic:claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 },
  'anthropic:claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5 },
  'anthropic:claude-opus-4-1': { inputPerMTok: 15, outputPerMTok: 75 },
  'google:gemini-2.5-flash': { inputPerMTok: 0.3, outputPerMTok: 2.5 },
  'google:gemini-2.5-flash-lite': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'google:gemini-2.5-pro': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'google:gemini-2.0-flash': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
};

export type ImageQuality = 'low' | 'medium' | 'high';

/** USD per picture: `[square, other]` per quality (Gemini's price is flat). */
export const IMAGE_PRICES: Record<string, Record<ImageQuality, [number, number]>> = {
  'openai:gpt-image-1': { low: [0.011, 0.016], medium: [0.042, 0.063], high: [0.167, 0.25] },
  'openai:gpt-image-1-mini': { low: [0.005, 0.006], medium: [0.011, 0.015], high: [0.036, 0.052] },
  'openai:dall-e-3': { low: [0.04, 0.08], medium: [0.04, 0.08], high: [0.08, 0.12] },
  'google:gemini-2.5-flash-image': { low: [0.039, 0.039], medium: [0.039, 0.039], high: [0.039, 0.039] },
  'google:gemini-2.5-flash-image-preview': { low: [0.039, 0.039], medium: [0.039, 0.039], high: [0.039, 0.039] },
  'google:gemini-3-pro-image-preview': { low: [0.134, 0.134], medium: [0.134, 0.134], high: [0.134, 0.134] },
};

/**
 * What each input picture (init image or reference) adds to an edit, at most: OpenAI bills an input picture as
 * image tokens (a few hundred at $10/1M for gpt-image-1), Gemini as 258 input tokens. One cent covers either.
 */
export const USD_PER_INPUT_IMAGE = 0.01;

/** USD for `tokens` input and output tokens at `price`. */
export function tokenCost(price: TextPrice, input: number, output: number): number {
  return (input * price.inputPerMTok + output * price.outputPerMTok) / 1e6;
}
