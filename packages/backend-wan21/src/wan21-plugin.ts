import { defineBackend } from '@ttv/core/backend';
import { Wan21Backend } from './wan21-backend.js';
import { configSchema, type Wan21Config } from './wan21-config.js';
import { describeWan21 } from './wan21-models.js';

/** The plugin object the registry loads (`backend: wan21`). */
export const backend = defineBackend<Wan21Config>({
  specificationVersion: 2,
  name: 'wan21',
  displayName: 'Wan2.1 (local GPUs)',
  kind: 'local',
  configSchema,
  secretFields: [],
  describe: describeWan21,
  create: (config, ctx) => new Wan21Backend(config, ctx),
});
