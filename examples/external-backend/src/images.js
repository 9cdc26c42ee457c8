// @ts-check
/**
 * ttv-backend-solid/images: a minimal third-party ttv image generator (`images: solid` in a config once the
 * registry loads image plugins; today it is tested with the conformance suite). Each picture is one colour picked
 * from the prompt and the seed, at exactly the requested size: a stand-in for a real text-to-image API, written
 * from docs/writing-an-image-generator.md alone.
 */
import { createHash } from 'node:crypto';
import { defineImages, produceAtomic, SPECIFICATION_VERSION, TtvError } from '@ttv/core/backend';
import { runFfmpeg } from '@ttv/core/media';
import { z } from 'zod';

/** The `solid:` section of a ttv config for this generator. */
export const configSchema = z.object({ saturation: z.number().min(0).max(1).default(0.6) }).strict();

/** @param {string} prompt @param {number} seed @param {number} saturation */
function colourOf(prompt, seed, saturation) {
  const h = createHash('sha256').update(`${seed}:${prompt}`).digest();
  const mix = (/** @type {number} */ v) => Math.round(128 + (v - 128) * saturation);
  return `0x${[h[0], h[1], h[2]]
    .map((v) =>
      mix(v ?? 0)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

export default defineImages({
  specificationVersion: SPECIFICATION_VERSION,
  name: 'solid',
  displayName: 'Solid colour stills (example)',
  kind: 'embedded',
  configSchema,
  describe: () => ({ initImage: false, maxReferences: 0 }),
  create: (config) => ({
    specificationVersion: SPECIFICATION_VERSION,
    estimateCost: () => ({ usd: 0 }),
    async generate(request, context) {
      for (const key of /** @type {const} */ (['width', 'height'])) {
        const v = request[key];
        if (!Number.isInteger(v) || v < 2 || v % 2 !== 0) {
          throw new TtvError('INPUT_INVALID', `${key} must be an even integer ≥ 2, got ${v}`, { field: key, value: v, fix: 'ask for an even size' });
        }
      }
      const colour = colourOf(request.prompt, request.seed ?? 0, config.saturation);
      // runFfmpeg honours the signal (CANCELLED) and produceAtomic leaves no file behind on failure.
      await produceAtomic(request.outputPath, (tmp) =>
        runFfmpeg(['-f', 'lavfi', '-i', `color=c=${colour}:s=${request.width}x${request.height}`, '-frames:v', '1', '-f', 'image2', '-c:v', 'png', tmp], {
          signal: context.signal,
          timeoutMs: 60_000,
        }),
      );
      return { file: request.outputPath, width: request.width, height: request.height, fit: 'exact', costUsd: 0, warnings: [] };
    },
  }),
});
