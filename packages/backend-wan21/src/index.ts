/**
 * @ttv/backend-wan21: Wan2.1 I2V-14B (chaining) and FLF2V-14B (keyframe mode) on your own GPUs, driving Wan's
 * generate.py (torchrun for several GPUs per clip). Every Wan rule is checked before a process starts.
 */
import { defineBackend } from '@ttv/core';
import { configSchema, type Wan21Config } from './config.js';
import { Wan21Backend, wanInfo } from './wan21-backend.js';

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

export default backend;
export { configSchema, type Wan21Config } from './config.js';
export * from './wan.js';
export { freePort, taskFrames, taskResolutions, taskSizes, Wan21Backend, type WanJob, wanInfo } from './wan21-backend.js';
