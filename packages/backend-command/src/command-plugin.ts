import { defineBackend } from '@ttv/core';
import { CommandBackend, commandInfo } from './command-backend.js';
import { type CommandConfig, configSchema } from './config.js';

/** The plugin object the registry loads (`backend: command`). */
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
