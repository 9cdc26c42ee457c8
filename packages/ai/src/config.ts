/**
 * The config sections of the two plugins (`ai-planner:`, `ai-images:`): a model named `provider:model-id`, its key
 * (from the section or the provider's usual environment variable), an optional base URL (any OpenAI-compatible
 * server, or an emulator), retries, a timeout and prices.
 */
import { z } from 'zod';
import { IMAGE_PRICES, TEXT_PRICES, type TextPrice } from './pricing.js';

export const PROVIDERS = ['openai', 'anthropic', 'google', 'openai-compatible'] as const;
export type ProviderId = (typeof PROVIDERS)[number];

/** The environment variable each provider's key is read from when the section has none. */
export const KEY_ENV: Record<ProviderId, string | undefined> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  google: 'GOOGLE_GENERATIVE_AI_API_KEY',
  'openai-compatible': undefined,
};

export interface ModelRef {
  provider: ProviderId;
  modelId: string;
  /** `provider:model-id`, the key of the price tables. */
  key: string;
}

export function parseModelRef(value: string): ModelRef {
  const at = value.indexOf(':');
  return { provider: value.slice(0, at) as ProviderId, modelId: value.slice(at + 1), key: value };
}

const modelRef = (providers: readonly ProviderId[]) =>
  z.string().refine((v) => providers.some((p) => v.startsWith(`${p}:`) && v.length > p.length + 1), {
    message: `expected "provider:model-id" with provider one of ${providers.join(', ')} (e.g. ${providers[0]}:${providers[0] === 'openai' ? 'gpt-4o-mini' : 'model'})`,
  });

/** What both sections share. */
const common = {
  /** The key; default: the provider's environment variable (OPENAI_API_KEY, ANTHROPIC_API_KEY, GOOGLE_GENERATIVE_AI_API_KEY). */
  apiKey: z.string().min(1).optional(),
  /** The API's base URL (an OpenAI-compatible server such as Ollama's http://localhost:11434/v1, a proxy, an emulator). */
  baseURL: z.string().url().optional(),
  /** Retries of the AI SDK for 429 and 5xx replies, which are not billed (honouring retry-after). */
  maxRetries: z.number().int().min(0).max(5).default(2),
  /** Milliseconds one call (retries included) may take. */
  timeoutMs: z.number().int().min(1000).max(3_600_000).default(180_000),
};

export const plannerConfigSchema = z
  .object({
    model: modelRef(PROVIDERS).default('openai:gpt-4o-mini'),
    ...common,
    temperature: z.number().min(0).max(2).optional(),
    /** The longest answer (tokens); also what the cost estimate reserves for the output. */
    maxOutputTokens: z.number().int().min(256).max(128_000).default(8192),
    /** USD per 1M tokens; default: the list price of known models (0 on an openai-compatible server). */
    pricing: z
      .object({ inputPerMTok: z.number().min(0), outputPerMTok: z.number().min(0) })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => checkModel(c, ctx, c.pricing === undefined && !TEXT_PRICES[c.model] && !c.model.startsWith('openai-compatible:')));

export type PlannerConfig = z.infer<typeof plannerConfigSchema>;

export const imagesConfigSchema = z
  .object({
    model: modelRef(['openai', 'google']).default('openai:gpt-image-1'),
    ...common,
    /** OpenAI's quality (price and detail); Gemini has one. */
    quality: z.enum(['low', 'medium', 'high']).default('medium'),
    /** How a picture of another shape is brought to the exact size: crop (cover) or pad (contain, black bars). */
    fit: z.enum(['crop', 'pad']).default('crop'),
    /** USD per picture; default: the list price of known models. */
    pricing: z
      .object({ usdPerImage: z.number().min(0) })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => checkModel(c, ctx, c.pricing === undefined && !IMAGE_PRICES[c.model]));

export type ImagesConfig = z.infer<typeof imagesConfigSchema>;

function checkModel(c: { model: string; baseURL?: string | undefined }, ctx: z.RefinementCtx, unpriced: boolean): void {
  if (c.model.startsWith('openai-compatible:') && !c.baseURL) {
    ctx.addIssue({
      code: 'custom',
      path: ['baseURL'],
      message: "an openai-compatible model needs the server's baseURL (e.g. http://localhost:11434/v1 for Ollama)",
    });
  }
  if (unpriced) {
    ctx.addIssue({
      code: 'custom',
      path: ['pricing'],
      message: `no list price is known for ${c.model}: give pricing (e.g. pricing: { inputPerMTok: 1, outputPerMTok: 4 } for a planner, { usdPerImage: 0.04 } for images) so budgets hold`,
    });
  }
}

/** The text price of a planner config (0 for an unpriced openai-compatible server). */
export function textPriceOf(config: PlannerConfig): TextPrice {
  return config.pricing ?? TEXT_PRICES[config.model] ?? { inputPerMTok: 0, outputPerMTok: 0 };
}

/** The key of a config: the section's, else the provider's environment variable. */
export function apiKeyOf(config: { apiKey?: string | undefined; model: string }, env: NodeJS.ProcessEnv): string | undefined {
  if (config.apiKey) return config.apiKey;
  const name = KEY_ENV[parseModelRef(config.model).provider];
  return name ? env[name] || undefined : undefined;
}
