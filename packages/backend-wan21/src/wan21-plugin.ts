import { defineBackend } from '@ttv/core';
import { configSchema, type Wan21Config } from './config.js';
import { Wan21Backend, wanInfo } from './wan21-backend.js';

/** The plugin object the registry loads (`backend: wan21`). */
export const backend = defineBackend<Wan21Config>({
  specificationVersion: 2,
  name: 'wan21',
  displayName: 'Wan2.1 (local GPUs)',
  kind: 'local',
  configSchema,
  secretFields: [],
  describe: (config) => wanInfo(config),
  create: (config, ctx) => new Wan21Backend(config, ctx.configDir),
});
