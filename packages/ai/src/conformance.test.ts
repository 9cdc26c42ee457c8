import { describeImagesConformance, describePlannerConformance } from '@ttv/testkit';
import { startGeminiEmulator, startOpenAIEmulator } from '@ttv/testkit/emulators';
import { afterAll } from 'vitest';
import images from './images.js';
import planner from './planner.js';

const openai = await startOpenAIEmulator({ imageScale: 8, apiKey: 'sk-conformance-secret-1234' });
const gemini = await startGeminiEmulator({ imageScale: 8, apiKey: 'gemini-conformance-secret-1234' });
afterAll(async () => {
  await openai.close();
  await gemini.close();
});

describeImagesConformance({
  name: 'ai-images (OpenAI emulator, gpt-image-1)',
  plugin: images,
  config: () => ({ model: 'openai:gpt-image-1', baseURL: openai.baseURL, apiKey: openai.apiKey }),
  secrets: [openai.apiKey],
});

describeImagesConformance({
  name: 'ai-images (Gemini emulator, gemini-2.5-flash-image)',
  plugin: images,
  config: () => ({ model: 'google:gemini-2.5-flash-image', baseURL: gemini.baseURL, apiKey: gemini.apiKey }),
  secrets: [gemini.apiKey],
});

describePlannerConformance({
  name: 'ai-planner (OpenAI emulator, gpt-4o-mini)',
  plugin: planner,
  config: () => ({ model: 'openai:gpt-4o-mini', baseURL: openai.baseURL, apiKey: openai.apiKey }),
  secrets: [openai.apiKey],
});

describePlannerConformance({
  name: 'ai-planner (Gemini emulator, gemini-2.5-flash)',
  plugin: planner,
  config: () => ({ model: 'google:gemini-2.5-flash', baseURL: gemini.baseURL, apiKey: gemini.apiKey }),
  secrets: [gemini.apiKey],
});
