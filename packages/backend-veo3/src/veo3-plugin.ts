import { defineBackend } from '@ttv/core/backend';
import { VeoBackend } from './veo3-backend.js';
import { configSchema, SECRET_FIELDS, type VeoConfig } from './veo3-config.js';
import { describeVeo } from './veo3-models.js';

/**
 * The plugin object the registry loads. `describe` is static; `create` only resolves the auth mode and reads
 * the environment: clients are built, and credentials fetched, on the first submit (no network here); logs go through each call's context.
 */
export const backend = defineBackend<VeoConfig>({
  specificationVersion: 2,
  name: 'veo3',
  displayName: 'Google Veo (Vertex AI)',
  kind: 'remote',
  configSchema,
  secretFields: SECRET_FIELDS,
  describe: describeVeo,
  create: (config, ctx) => new VeoBackend(config, ctx),
});
