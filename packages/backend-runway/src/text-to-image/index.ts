/**
 * `@ttv/backend-runway/images`: Runway's text-to-image models (gen4_image, gen4_image_turbo) as a ttv image
 * generator (`images: runway`, configured by a `runway-images:` section), on the same key as the video backend.
 */
import { defineImages, SPECIFICATION_VERSION } from '@ttv/core/backend';
import { resolveConnection } from '../runway-connection.js';
import { imagesConfigSchema, type RunwayImagesConfig } from './config.js';
import { RunwayImageGenerator, SECTION } from './generator.js';
import { MAX_REFERENCE_IMAGES } from './models.js';

/**
 * The plugin. `describe` is static: keyframes chain (`initImage`) unless `chain: false`, and the previous keyframe
 * then takes one of Runway's three reference slots. `create` reads the key from the section or
 * `RUNWAYML_API_SECRET`; a missing key is reported (AUTH) when a picture is made, never at config load.
 */
export const images = defineImages<RunwayImagesConfig>({
  specificationVersion: SPECIFICATION_VERSION,
  name: SECTION,
  displayName: 'Runway text-to-image',
  kind: 'remote',
  configSchema: imagesConfigSchema,
  secretFields: ['apiKey'],
  describe: (config) => ({ initImage: config.chain, maxReferences: MAX_REFERENCE_IMAGES - (config.chain ? 1 : 0) }),
  create: (config, ctx) => new RunwayImageGenerator(config, resolveConnection(config, ctx.env, SECTION)),
});

export default images;
export type { RunwayImagesConfig, RunwayImagesConfigInput } from './config.js';
