/**
 * @ttv/backend-command: runs any local video generator CLI through an argument template (no shell), with
 * presets for FramePack (musubi-tuner fpack_generate_video.py), HunyuanVideo-I2V and LTX-Video. The process runner
 * it uses is core's (`@ttv/core/backend`).
 */
import { defineBackend } from '@ttv/core';
import { CommandBackend, commandInfo } from './command-backend.js';
import { type CommandConfig, configSchema } from './config.js';

export const backend = defineBackend<CommandConfig>({
  specificationVersion: 2,
  name: 'command',
  displayName: 'Local command (FramePack, HunyuanVideo, LTX-Video, any CLI)',
  kind: 'local',
  configSchema,
  secretFields: [],
  describe: (config) => commandInfo(config),
  create: (config, ctx) => new CommandBackend(config, ctx.configDir),
});

export default backend;
export { CommandBackend, commandInfo, newestMatch, type ResolvedTool, resolveTool } from './command-backend.js';
export { type CommandConfig, configSchema } from './config.js';
export { type ArgTemplate, framepackDurations, framepackFrames, type OutputSpec, PRESET_NAMES, PRESETS, type Preset, type PresetName } from './presets.js';
export { expandArgs, globToRegExp, placeholders, REQUEST_PLACEHOLDERS } from './template.js';
