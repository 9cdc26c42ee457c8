import { defineBackend } from '@ttv/core/backend';
import { CommandBackend } from './command-backend.js';
import { type CommandConfig, configSchema } from './command-config.js';
import { describeCommand } from './command-models.js';

/** The plugin object the registry loads (`backend: command`). */
export const backend = defineBackend<CommandConfig>({
  specificationVersion: 2,
  name: 'command',
  displayName: 'Local command (FramePack, HunyuanVideo, LTX-Video, any CLI)',
  kind: 'local',
  configSchema,
  secretFields: [],
  describe: describeCommand,
  create: (config, ctx) => new CommandBackend(config, ctx),
});
