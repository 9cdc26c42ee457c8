import { pollingConfigSchema, timeoutsConfigSchema } from '@ttv/core/backend';
import { z } from 'zod';
import { customModelsSchema, priceSchema } from './ai-sdk-custom.js';
import { DEFAULT_MODEL, findModel, MODELS, modelsOf, PRICES_CHECKED, PROVIDER_IDS } from './ai-sdk-models.js';

/**
 * The `ai-sdk:` section. Every field but `provider` has a default, so `{ provider: fal }` is valid: the key then
 * comes from the provider's environment variable when a clip is generated (AUTH when missing), so planning and
 * estimates work without one.
 */
export const configSchema = z
  .object({
    provider: z.enum(PROVIDER_IDS).describe('The AI SDK provider package: fal (@ai-sdk/fal) or replicate (@ai-sdk/replicate).'),
    model: z.string().min(1).optional().describe(`The provider's video model. Default: ${DEFAULT_MODEL.fal} (fal), ${DEFAULT_MODEL.replicate} (replicate).`),
    apiKey: z.string().min(1).optional().describe('API key (secret). Default: FAL_KEY (or FAL_API_KEY) for fal, REPLICATE_API_TOKEN for replicate.'),
    baseURL: z
      .url()
      .optional()
      .describe(
        "Where the provider's API is (emulators, proxies). fal: every fal host (queue.fal.run, *.fal.media) is mapped onto this origin; replicate: the API base, e.g. http://127.0.0.1:8080/v1.",
      ),
    audio: z
      .boolean()
      .default(false)
      .describe("Sound from models that make it when the film's audio.generate is auto (priced at their audio rate); audio.generate on/off decides per clip."),
    seed: z.number().int().min(0).max(4_294_967_295).optional().describe('Seed when a segment has none, for models that take one.'),
    prices: z
      .record(z.string(), priceSchema)
      .default({})
      .describe(`List prices per model (USD per second), overriding the defaults written down on ${PRICES_CHECKED}.`),
    models: customModelsSchema,
    concurrency: z.number().int().min(1).max(20).default(2).describe('Jobs run at once.'),
    polling: pollingConfigSchema({ intervalMs: 5000, maxIntervalMs: 20_000, backoff: 1.3, jitter: 0.2, maxErrors: 6 }).describe('Status polling.'),
    timeouts: timeoutsConfigSchema({
      requestMs: [60_000, 'Per HTTP request to the provider.'],
      jobMs: [1_800_000, 'A job may take this long (queued + running) before it is cancelled (TIMEOUT).'],
      downloadMs: [300_000, 'Per output download attempt.'],
    }),
  })
  .strict()
  .superRefine((c, ctx) => {
    const known = modelsOf(c).map((m) => m.id);
    if (c.model !== undefined && !findModel(c, c.model)) {
      ctx.addIssue({
        code: 'custom',
        path: ['model'],
        message: `"${c.model}" is not a ${c.provider} video model this backend knows (capabilities and price): use one of ${known.join(', ')}, or declare it under ai-sdk.models`,
      });
    }
    for (const [i, m] of c.models.entries()) {
      const twice = MODELS.some((t) => t.provider === c.provider && t.id === m.id) || c.models.findIndex((o) => o.id === m.id) !== i;
      if (twice)
        ctx.addIssue({
          code: 'custom',
          path: ['models', i, 'id'],
          message: `"${m.id}" is declared twice (the table has it, or another entry): override its price with ai-sdk.prices`,
        });
    }
    for (const key of Object.keys(c.prices)) {
      if (!findModel(c, key)) {
        ctx.addIssue({ code: 'custom', path: ['prices', key], message: `no ${c.provider} model "${key}" to price: the models are ${known.join(', ')}` });
      }
    }
  });

export type AiSdkConfig = z.output<typeof configSchema>;
export type AiSdkConfigInput = z.input<typeof configSchema>;
