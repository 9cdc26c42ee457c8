/**
 * `ai-sdk.models`: video models outside the table, declared in the config with what they take and a required price,
 * in the table's own shape (see ai-sdk-models.ts). The provider is the config's. Checked strictly: a model that makes
 * sound names its field, one that takes a last frame names its field (the packages drop the SDK's `last_frame`),
 * sizes are even, and an id already in the table is refused (its price is overridden with `ai-sdk.prices`).
 */
import { z } from 'zod';

export const priceSchema = z
  .object({
    usdPerSecond: z.number().min(0).describe('USD per second of output.'),
    usdPerSecondWithAudio: z.number().min(0).optional().describe('USD per second with sound (models that charge more for it).'),
  })
  .strict();

const even = (what: string) =>
  z
    .number()
    .int()
    .min(2)
    .max(8192)
    .refine((n) => n % 2 === 0, `${what} must be even`);
const field = z.string().regex(/^[A-Za-z_][\w]*$/, 'a field name of the model’s input (letters, digits, _)');
const ratio = z.templateLiteral([z.int().positive(), ':', z.int().positive()], { error: 'an aspect ratio like 16:9' });
const ROLES = ['character', 'place', 'style'] as const;
const INPUTS = ['text', 'first-frame', 'first-last-frame'] as const;
const referenceField = z.object({ field, as: z.enum(['url', 'element']).default('url') }).strict();

const sizeSchema = z
  .object({
    width: even('width'),
    height: even('height'),
    aspectRatio: ratio.optional().describe("Sent as the SDK's aspectRatio (the provider's aspect_ratio)."),
    resolution: z.string().min(1).optional().describe('Sent as the resolution option, e.g. 720p.'),
  })
  .strict();

const referencesSchema = z
  .object({
    max: z.number().int().min(1).max(20),
    fields: z
      .partialRecord(z.enum(ROLES), referenceField)
      .refine((f) => Object.keys(f).length > 0, 'name the field of at least one role')
      .describe('Per role (character, place, style): the input field its pictures go in, as a list of URIs (url) or of Kling elements (element).'),
    inputs: z.array(z.enum(INPUTS)).min(1).optional().describe('With which inputs references are taken (all when absent).'),
    durations: z.array(z.number().positive()).min(1).optional().describe('Only at these durations.'),
    aspectRatios: z.array(ratio).min(1).optional().describe('Only at these aspect ratios.'),
  })
  .strict();

export const customModelSchema = z
  .object({
    id: z.string().min(1).describe("The provider's model id, e.g. fal-ai/wan/v2.2-a14b/image-to-video."),
    inputs: z.array(z.enum(INPUTS)).min(1).describe('text, first-frame, first-last-frame.'),
    durations: z.array(z.number().positive().max(600)).min(1).describe('The clip lengths it makes, in seconds.'),
    duration: z
      .discriminatedUnion('via', [
        z.object({ via: z.literal('sdk') }).strict(),
        z.object({ via: z.literal('option'), field, format: z.enum(['string', 'number']) }).strict(),
      ])
      .default({ via: 'sdk' })
      .describe('How the duration is sent: the SDK\'s own (fal: "5s", Replicate: 5) or a field of the model in a form.'),
    sizes: z.array(sizeSchema).min(1).describe('The sizes it makes.'),
    fps: z.number().positive().max(120),
    maxPromptLength: z.number().int().min(1).max(100_000).default(2000),
    fields: z
      .object({ lastFrame: field.optional(), audio: field.optional(), seed: field.optional(), negativePrompt: field.optional() })
      .strict()
      .default({})
      .describe('Its input fields for what the provider package does not map: the last frame, sound on/off, seed, negative prompt.'),
    audio: z.boolean().default(false).describe('Whether it makes sound (needs fields.audio).'),
    references: referencesSchema.optional().describe('The reference pictures it takes.'),
    price: priceSchema.describe('Its list price (required: ttv spends nothing on a model it cannot price).'),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.inputs.includes('first-last-frame') && !m.fields.lastFrame) {
      ctx.addIssue({ code: 'custom', path: ['fields', 'lastFrame'], message: 'a model that takes first-last-frame names its last-frame field' });
    }
    if (m.audio && !m.fields.audio) ctx.addIssue({ code: 'custom', path: ['fields', 'audio'], message: 'a model that makes sound names its sound field' });
    if (!m.audio && m.price.usdPerSecondWithAudio !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['price', 'usdPerSecondWithAudio'], message: 'a price with sound for a model without audio: true' });
    }
  });

export const customModelsSchema = z.array(customModelSchema).max(50).default([]).describe('Models outside the table: what each takes and its price.');

export type CustomModelConfig = z.output<typeof customModelSchema>;
