import { defineBackend } from '@ttv/core/backend';
import { createAiSdkBackend } from './ai-sdk-backend.js';
import { type AiSdkConfig, configSchema } from './ai-sdk-config.js';
import { describeAiSdk } from './ai-sdk-models.js';

/**
 * The plugin the registry loads (`backend: ai-sdk`, section `ai-sdk:`). `describe` is static; `create` only
 * resolves the key (config, else the provider's variable) and checks the model is priced. The provider package is
 * imported on the first call.
 */
export const backend = defineBackend<AiSdkConfig>({
  specificationVersion: 2,
  name: 'ai-sdk',
  displayName: 'AI SDK video models',
  kind: 'remote',
  configSchema,
  secretFields: ['apiKey'],
  describe: describeAiSdk,
  create: (config, ctx) => createAiSdkBackend(config, ctx),
});
