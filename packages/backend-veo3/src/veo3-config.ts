import { pollingConfigSchema, timeoutsConfigSchema } from '@ttv/core/backend';
import { z } from 'zod';
import { ASPECT_RATIOS, MODEL_IDS, MODELS, RESOLUTIONS } from './veo3-models.js';

const gsPrefix = z.string().regex(/^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/.*)?$/, 'must be a gs://bucket/prefix/ URI');

/**
 * The `veo3:` section of a ttv config. Every field is optional or has a default, so an empty section is valid:
 * the project then comes from GOOGLE_CLOUD_PROJECT (Application Default Credentials), or express mode is used
 * with GOOGLE_API_KEY. Missing credentials are reported (AUTH) when a clip is generated, so `ttv plan` and
 * `ttv estimate` work without any.
 */
export const configSchema = z
  .object({
    auth: z
      .enum(['auto', 'adc', 'service-account', 'express', 'access-token'])
      .default('auto')
      .describe(
        'How to authenticate. adc: Vertex AI with Application Default Credentials (gcloud auth application-default login, ' +
          'GOOGLE_APPLICATION_CREDENTIALS, or the metadata server). service-account: Vertex AI with keyFile. express: Vertex AI ' +
          'express mode with an API key (no project). access-token: Vertex AI with a fixed OAuth access token. auto: service-account ' +
          'when keyFile is set, express when apiKey is set, adc when a project is known, else express with GOOGLE_API_KEY.',
      ),
    project: z
      .string()
      .min(1)
      .optional()
      .describe("Google Cloud project id (Vertex AI). Default: the GOOGLE_CLOUD_PROJECT environment variable, else the key file's project_id."),
    location: z
      .string()
      .min(1)
      .default('us-central1')
      .describe('Vertex AI region, e.g. us-central1 (Veo is not served in every region). `global` uses the global endpoint.'),
    keyFile: z
      .string()
      .min(1)
      .optional()
      .describe('Service-account JSON key file (relative to the config file). Prefer ADC or workload identity; keep the file out of version control.'),
    apiKey: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Vertex AI express-mode API key (secret). Default: GOOGLE_API_KEY. Prefer the env var, or ${GOOGLE_API_KEY}. Plain Gemini API keys do not work for Veo with @google/genai 3.x.',
      ),
    accessToken: z
      .string()
      .min(1)
      .optional()
      .describe(
        'auth: access-token — an OAuth 2 access token with the cloud-platform scope (secret; e.g. ${CLOUDSDK_AUTH_ACCESS_TOKEN}). Tokens expire after about an hour.',
      ),
    model: z
      .enum(MODEL_IDS)
      .default('veo-3.1-fast-generate-001')
      .describe(
        'Veo model. Only the veo-3.1-*-001 models take a last frame (keyframe mode). veo-3.0-fast makes 8 s clips only; veo-2.0 makes 5–8 s, 720p, no audio.',
      ),
    aspectRatio: z.enum(ASPECT_RATIOS).optional().describe('Force 16:9 or 9:16. Default: the one nearest output.width × output.height.'),
    resolution: z
      .enum(RESOLUTIONS)
      .optional()
      .describe('Force 720p (1280×720 / 720×1280) or 1080p (1920×1080 / 1080×1920). Default: the one nearest the film size. Same price.'),
    durationSeconds: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Force this clip length in seconds (one the model supports). Default: the supported length nearest the segment duration.'),
    generateAudio: z
      .boolean()
      .default(false)
      .describe('Generate an audio track (Veo 3 / 3.1; costs more). The join keeps it: one track over the film, cut with the dropped seam frames.'),
    negativePrompt: z.string().min(1).optional().describe('What to avoid, when a segment gives no negativePrompt of its own.'),
    seed: z
      .number()
      .int()
      .min(0)
      .max(4_294_967_295)
      .optional()
      .describe('Seed sent when a segment has none (a segment seed wins). Default: random, chosen by Veo.'),
    personGeneration: z
      .enum(['allow_adult', 'dont_allow', 'allow_all'])
      .optional()
      .describe('Whether people may be generated. allow_all needs an allowlisted project. Default: the service default.'),
    enhancePrompt: z.boolean().optional().describe('Let Veo rewrite the prompt (service default when unset).'),
    labels: z.record(z.string(), z.string()).optional().describe('Billing labels attached to every request (Vertex AI).'),
    fit: z
      .enum(['cover', 'contain'])
      .default('cover')
      .describe('How input images are fitted to the output aspect ratio: cover (scale and crop) or contain (scale and pad with black).'),
    imageFormat: z
      .enum(['png', 'jpeg'])
      .default('png')
      .describe('Encoding of the fitted input images. PNG is lossless (best for chaining); JPEG is smaller. The MIME type sent always matches the bytes.'),
    inlineImageMaxBytes: z
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024)
      .describe('Images larger than this are staged to stagingGcsUri (gcsUri), or, without it, re-encoded as a JPEG that fits.'),
    inlineVideoMaxBytes: z
      .number()
      .int()
      .positive()
      .default(16 * 1024 * 1024)
      .describe('Extend mode: clips to extend up to this size are sent inline; larger ones are staged to stagingGcsUri (gcsUri), which they then need.'),
    stagingGcsUri: gsPrefix
      .optional()
      .describe(
        'gs://bucket/prefix/ where large input images and clips to extend are uploaded (needs storage.objects.create; they are deleted after the clip).',
      ),
    outputGcsUri: gsPrefix
      .optional()
      .describe('gs://bucket/prefix/ where Veo writes the videos (storageUri). Default: the video comes back inline in the operation.'),
    deleteOutputAfterDownload: z
      .boolean()
      .default(false)
      .describe('Delete the gs:// output object once it is downloaded and verified (needs storage.objects.delete).'),
    baseUrl: z
      .url()
      .optional()
      .describe(
        'Vertex AI endpoint override (proxies, emulators). Default: https://{location}-aiplatform.googleapis.com, or https://aiplatform.googleapis.com for express mode and location global.',
      ),
    apiVersion: z.enum(['v1', 'v1beta1']).default('v1').describe('Vertex AI API version. Keep v1: GA Veo 3.1 fails on v1beta1 (RESOURCE_PROJECT_INVALID).'),
    storageEndpoint: z.url().optional().describe('Cloud Storage endpoint override (emulators). A custom endpoint is called without credentials.'),
    concurrency: z.number().int().min(1).max(50).default(2).describe('Operations run at once (Veo quotas are per project per minute: 10–50 requests).'),
    polling: pollingConfigSchema({ intervalMs: 10_000, maxIntervalMs: 30_000, backoff: 1.5, jitter: 0.1, maxErrors: 6 }).describe(
      'Operation polling. A clip takes roughly 30 s to a few minutes.',
    ),
    timeouts: timeoutsConfigSchema({
      requestMs: [120_000, 'Per HTTP request (submit, poll, upload).'],
      operationMs: [1_200_000, 'An operation may take this long in total before the clip fails with TIMEOUT.'],
      downloadMs: [300_000, 'Per output download attempt.'],
    }),
    downloadAttempts: z.number().int().min(1).max(10).default(3).describe('Attempts to download a gs:// output (truncated or failed downloads are retried).'),
    price: z
      .object({
        usdPerSecond: z.number().nonnegative().optional().describe('USD per second of video without audio.'),
        usdPerSecondWithAudio: z.number().nonnegative().optional().describe('USD per second of video with audio.'),
      })
      .strict()
      .optional()
      .describe('Override the built-in list prices of the configured model (prices change; see the Vertex AI pricing page).'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const model = MODELS[c.model];
    if (c.durationSeconds !== undefined && !model.durations.includes(c.durationSeconds)) {
      ctx.addIssue({
        code: 'custom',
        path: ['durationSeconds'],
        message: `${c.model} makes ${model.durations.join(', ')} s clips, not ${c.durationSeconds} s`,
      });
    }
    if (c.resolution !== undefined && !model.resolutions.includes(c.resolution)) {
      ctx.addIssue({ code: 'custom', path: ['resolution'], message: `${c.model} makes ${model.resolutions.join(', ')}, not ${c.resolution}` });
    }
    if (c.aspectRatio !== undefined && !model.aspectRatios.includes(c.aspectRatio)) {
      ctx.addIssue({ code: 'custom', path: ['aspectRatio'], message: `${c.model} makes ${model.aspectRatios.join(', ')}, not ${c.aspectRatio}` });
    }
    if (c.generateAudio && !model.audio) {
      ctx.addIssue({ code: 'custom', path: ['generateAudio'], message: `${c.model} has no audio (use a Veo 3 or 3.1 model)` });
    }
    if (c.auth === 'service-account' && !c.keyFile) {
      ctx.addIssue({ code: 'custom', path: ['keyFile'], message: 'auth: service-account needs keyFile (a service-account JSON key)' });
    }
    if (c.auth === 'access-token' && !c.accessToken) {
      ctx.addIssue({ code: 'custom', path: ['accessToken'], message: 'auth: access-token needs accessToken' });
    }
  });

export type VeoConfig = z.output<typeof configSchema>;
export type VeoConfigInput = z.input<typeof configSchema>;

/** Dotted paths of secret fields (never written or printed). */
export const SECRET_FIELDS = ['apiKey', 'accessToken'] as const;

export const defaultConfig: VeoConfig = configSchema.parse({});
