/**
 * The provider packages are optional peers: each is imported only when a config names it, and a missing one is
 * BACKEND_NOT_INSTALLED with the install command. `openai:` uses OpenAI's Responses API (the SDK's default),
 * `openai-compatible:` the chat completions API of any compatible server (Ollama, vLLM, LM Studio) with JSON-schema
 * structured output.
 */
import { importOptionalPeer, TtvError } from '@ttv/core/backend';
import type { ImageModel, LanguageModel } from 'ai';
import { type ModelRef, type ProviderId, parseModelRef } from './config.js';

export const PROVIDER_PACKAGES: Record<ProviderId, string> = {
  openai: '@ai-sdk/openai',
  anthropic: '@ai-sdk/anthropic',
  google: '@ai-sdk/google',
  'openai-compatible': '@ai-sdk/openai-compatible',
};

export interface ProviderSettings {
  model: string;
  apiKey?: string | undefined;
  baseURL?: string | undefined;
}

/** `import()` of a provider package; BACKEND_NOT_INSTALLED naming the package when it is not installed. */
export function loadProvider<T>(provider: ProviderId, importer: () => Promise<T>): Promise<T> {
  const pkg = PROVIDER_PACKAGES[provider];
  return importOptionalPeer({ pkg, neededBy: `the ${provider} models`, field: 'model', value: provider, beside: '@ttv/ai' }, importer);
}

/** The provider factory a model reference names, configured with the key and base URL. */
async function providerOf(ref: ModelRef, settings: ProviderSettings) {
  const options = { ...(settings.apiKey ? { apiKey: settings.apiKey } : {}), ...(settings.baseURL ? { baseURL: settings.baseURL } : {}) };
  switch (ref.provider) {
    case 'openai':
      return (await loadProvider('openai', () => import('@ai-sdk/openai'))).createOpenAI(options);
    case 'anthropic':
      return (await loadProvider('anthropic', () => import('@ai-sdk/anthropic'))).createAnthropic(options);
    case 'google':
      return (await loadProvider('google', () => import('@ai-sdk/google'))).createGoogleGenerativeAI(options);
    case 'openai-compatible':
      return (await loadProvider('openai-compatible', () => import('@ai-sdk/openai-compatible'))).createOpenAICompatible({
        name: 'openai-compatible',
        baseURL: settings.baseURL ?? '',
        ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
        supportsStructuredOutputs: true,
      });
  }
}

export async function languageModelOf(settings: ProviderSettings): Promise<LanguageModel> {
  const ref = parseModelRef(settings.model);
  const provider = await providerOf(ref, settings);
  return provider.languageModel(ref.modelId);
}

export async function imageModelOf(settings: ProviderSettings): Promise<ImageModel> {
  const ref = parseModelRef(settings.model);
  const provider = await providerOf(ref, settings);
  if (!('imageModel' in provider) || typeof provider.imageModel !== 'function') {
    throw new TtvError('CONFIG_INVALID', `${ref.provider} has no image models in @ttv/ai`, {
      field: 'model',
      value: settings.model,
      fix: 'use openai:gpt-image-1 or google:gemini-2.5-flash-image',
    });
  }
  return provider.imageModel(ref.modelId);
}
