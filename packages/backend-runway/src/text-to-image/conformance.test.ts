// The image-generator conformance suite against the Runway emulator (the real @runwayml/sdk on loopback). The
// real API is exercised by live.test.ts, only when RUNWAYML_API_SECRET is set.
import { describeImagesConformance, type RunwayEmulator, startRunwayEmulator } from '@ttv/testkit';
import { afterAll, beforeAll } from 'vitest';
import images from './index.js';

let emu: RunwayEmulator;

beforeAll(async () => {
  emu = await startRunwayEmulator({ outputScale: 4, taskDurationMs: 150 });
});
afterAll(async () => {
  await emu?.close();
});

describeImagesConformance({
  name: 'runway-images gen4_image (emulator)',
  plugin: images,
  config: () => ({ baseUrl: emu.url, apiKey: emu.apiKey, polling: { intervalMs: 20, maxIntervalMs: 60 } }),
  secrets: ['key_test'],
});

describeImagesConformance({
  name: 'runway-images gen4_image_turbo, fit pad (emulator)',
  plugin: images,
  config: () => ({ baseUrl: emu.url, apiKey: emu.apiKey, model: 'gen4_image_turbo', fit: 'pad', polling: { intervalMs: 20, maxIntervalMs: 60 } }),
  secrets: ['key_test'],
});
