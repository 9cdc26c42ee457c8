import { defineBackend } from '@ttv/core';
import { configSchema, type RunwayConfig } from './config.js';
import { backendInfo, createRunwayBackend } from './runway-backend.js';

/**
 * The plugin object the registry loads. `describe` is static (no key, no network). `create` reads the key
 * from the config or `RUNWAYML_API_SECRET` in the context's environment; a missing key is reported (AUTH) when
 * a clip is generated, never at config load, so planning and estimates work without one.
 */
export const backend = defineBackend<RunwayConfig>({
  specificationVersion: 2,
  name: 'runway',
  displayName: 'Runway',
  kind: 'remote',
  configSchema,
  secretFields: ['apiKey'],
  describe: (config) => backendInfo(config),
  create: (config, ctx) => createRunwayBackend(config, ctx.env),
});
