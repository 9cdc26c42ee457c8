/**
 * The testkit conformance suite against the Veo + GCS emulator (unit tier). The suite drives the backend through
 * core's `callBackend`, as the engine does (job protocol: submit, status, release; Veo has no cancel). The
 * emulator renders at full size (outputScale 1) here, because the suite checks that clips have exactly the requested size.
 */
import { describeBackendConformance, startVeoEmulator, type VeoEmulator } from '@ttv/testkit';
import { afterAll, beforeAll } from 'vitest';
import { API_KEY, clearGoogleEnv, emulatorConfig, TOKEN } from './test-helpers.fixture.js';
import { backend } from './veo3-plugin.js';

let emu: VeoEmulator;

beforeAll(async () => {
  clearGoogleEnv();
  emu = await startVeoEmulator({ operationDurationMs: 0, outputScale: 1, accessToken: TOKEN, apiKey: API_KEY, renderConcurrency: 1 });
});
afterAll(async () => {
  await emu?.close();
});

/** What both runs share: the plugin against the emulator, its submits as spend, its requests as network calls. */
const onEmulator = {
  plugin: backend,
  context: { env: {} },
  spend: { count: () => emu.stats().submits },
  network: { count: () => emu.requests.length },
  remote: { resume: true as const },
  timeoutMs: 120_000,
};

describeBackendConformance({
  ...onEmulator,
  name: 'veo3 veo-3.1-fast (emulator, access token)',
  config: () => emulatorConfig(emu),
  secrets: [TOKEN],
});

describeBackendConformance({
  ...onEmulator,
  name: 'veo3 veo-3.0 (emulator, express mode)',
  config: () => ({ auth: 'express', apiKey: API_KEY, model: 'veo-3.0-generate-001', baseUrl: emu.url, polling: { intervalMs: 5, jitter: 0 } }),
  secrets: [API_KEY],
});
