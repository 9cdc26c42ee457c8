import { defineBackend } from '@ttv/core';
import { configSchema, SECRET_FIELDS, type VeoConfig } from './config.js';
import { BACKEND_NAME, backendInfo, DISPLAY_NAME, VeoBackend } from './veo-backend.js';

/**
 * The plugin object the registry loads. `describe` is static; `create` only resolves the auth mode and reads
 * the environment: clients are built, and credentials fetched, on the first submit (no network here); logs go through each call's context.
 */
export const backend = defineBackend<VeoConfig>({
  specificationVersion: 2,
  name: BACKEND_NAME,
  displayName: DISPLAY_NAME,
  kind: 'remote',
  configSchema,
  secretFields: SECRET_FIELDS,
  describe: (config) => backendInfo(config),
  create: (config, ctx) => new VeoBackend(config, { env: ctx.env, configDir: ctx.configDir }),
});
