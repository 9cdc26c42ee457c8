import { defineBackend } from '@ttv/core/backend';
import { createRunwayBackend } from './runway-backend.js';
import { configSchema, type RunwayConfig } from './runway-config.js';
import { describeRunway } from './runway-models.js';

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
  describe: describeRunway,
  create: (config, ctx) => createRunwayBackend(config, ctx),
});
