import { pollingConfigSchema, timeoutsConfigSchema } from '@ttv/core/backend';
import { z } from 'zod';
import { DEFAULT_MODEL, findModel, modelsOf, PRICES_CHECKED, PROVIDER_IDS } from './ai-sdk-models.js';

const priceSchema = z
  .object({
    usdPerSecond: z.number().min(0).describe('USD per second of output.'),
    usdPerSecondWithAudio: z.number().min(0).optional().describe('USD per second with audio: true (models that charge more for sound).'),
  })
  .strict();

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
    audio: z.boolean().default(false).describe('Ask models that can for a sound track (priced at their audio rate). Sent as false otherwise.'),
    seed: z.number().int().min(0).max(4_294_967_295).optional().describe('Seed when a segment has none, for models that take one.'),
    prices: z
      .record(z.string(), priceSchema)
      .default({})
      .describe(`List prices per model (USD per second), overriding the defaults written down on ${PRICES_CHECKED}.`),
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
    const known = modelsOf(c.provider).map((m) => m.id);
    if (c.model !== undefined && !findModel(c.provider, c.model)) {
      ctx.addIssue({
        code: 'custom',
        path: ['model'],
        message: `"${c.model}" is not a ${c.provider} video model this backend knows (capabilities and price): use one of ${known.join(', ')}`,
      });
    }
    for (const key of Object.keys(c.prices)) {
      if (!findModel(c.provider, key)) {
        ctx.addIssue({ code: 'custom', path: ['prices', key], message: `no ${c.provider} model "${key}" to price: the models are ${known.join(', ')}` });
      }
    }
  });

export type AiSdkConfig = z.output<typeof configSchema>;
export type AiSdkConfigInput = z.input<typeof configSchema>;
