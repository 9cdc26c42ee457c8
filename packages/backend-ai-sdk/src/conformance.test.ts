// The ttv backend conformance suite against the fal and Replicate emulators, through the real @ai-sdk/fal and
// @ai-sdk/replicate packages (pointed at the emulators by ai-sdk.baseURL; the SDK is never mocked).

import { describeBackendConformance } from '@ttv/testkit';
import { type FalEmulator, hostedConformanceOptions, type ReplicateEmulator, startFalEmulator, startReplicateEmulator } from '@ttv/testkit/emulators';
import { afterAll, beforeAll } from 'vitest';
import { backend } from './ai-sdk-plugin.js';

let fal: FalEmulator;
let replicate: ReplicateEmulator;

beforeAll(async () => {
  fal = await startFalEmulator({ jobMs: 300 });
  replicate = await startReplicateEmulator({ jobMs: 300 });
});
afterAll(async () => {
  await fal?.close();
  await replicate?.close();
});

const fast = { polling: { intervalMs: 20, maxIntervalMs: 60 }, timeouts: { requestMs: 10_000 } };

describeBackendConformance({
  name: 'ai-sdk fal kling-video v2.1 pro (emulator)',
  plugin: backend,
  config: () => ({ provider: 'fal', baseURL: fal.url, apiKey: fal.apiKey, ...fast }),
  secrets: ['fal_test_key'],
  ...hostedConformanceOptions(() => fal),
  remote: { resume: true },
  expectExactEndFrame: true,
});

describeBackendConformance({
  name: 'ai-sdk replicate google/veo-3.1-fast (emulator)',
  plugin: backend,
  config: () => ({ provider: 'replicate', baseURL: `${replicate.url}/v1`, apiKey: replicate.apiToken, ...fast }),
  secrets: ['r8_test_token'],
  ...hostedConformanceOptions(() => replicate),
  remote: { resume: true },
  expectExactEndFrame: true,
});
