import { defineBackend } from '@ttv/core/backend';
import { KenBurnsBackend } from './kenburns-backend.js';
import { configSchema, type KenBurnsConfig } from './kenburns-config.js';
import { describeKenBurns } from './kenburns-models.js';

/**
 * The plugin object the registry loads. `describe` is static (no ffmpeg, no files): `ttv backends` and the
 * planner use it without creating the backend. `create` receives the config section already parsed with
 * `configSchema`, so every default is filled in.
 */
export const backend = defineBackend<KenBurnsConfig>({
  specificationVersion: 2,
  name: 'kenburns',
  displayName: 'Ken Burns (embedded)',
  kind: 'embedded',
  configSchema,
  secretFields: [],
  describe: describeKenBurns,
  create: (config, ctx) => new KenBurnsBackend(config, ctx),
});
