// The ttv backend conformance suite: unit tier against the Runway emulator (full-size outputs, the real SDK),
// live tier against the real API only when RUNWAYML_API_SECRET is set (it spends about 20 credits, $0.20).
import { describeBackendConformance, type RunwayEmulator, startRunwayEmulator } from '@ttv/testkit';
import { afterAll, beforeAll } from 'vitest';
import { backend } from './runway-plugin.js';

let emu: RunwayEmulator;

beforeAll(async () => {
  // outputScale 1: the suite checks that clips have exactly the requested size.
  emu = await startRunwayEmulator({ outputScale: 1, taskDurationMs: 400 });
});
afterAll(async () => {
  await emu?.close();
});

/** The plugin on the emulator: its config section (read once the emulator has started) and the key in the env. */
const onEmulator = (model: 'gen4_turbo' | 'veo3.1_fast' | 'seedance2_mini') => ({
  plugin: backend,
  config: () => ({ model, baseUrl: emu.url, polling: { intervalMs: 20, maxIntervalMs: 60 }, timeouts: { requestMs: 10_000 } }),
  context: { env: { RUNWAYML_API_SECRET: 'key_test' } },
});

const counters = {
  spend: { count: () => emu.stats().created },
  network: { count: () => emu.requests.length },
  cancels: { count: () => emu.stats().cancels },
};

describeBackendConformance({
  name: 'runway gen4_turbo (emulator)',
  ...onEmulator('gen4_turbo'),
  ...counters,
  secrets: ['key_test'], // the emulator's default key
  remote: { resume: true },
});

describeBackendConformance({
  name: 'runway veo3.1_fast (emulator)',
  ...onEmulator('veo3.1_fast'),
  ...counters,
  secrets: ['key_test'],
  remote: { resume: true },
  // The emulator cross-fades into the last frame and ends on it, like Veo's keyframe mode.
  expectExactEndFrame: true,
});

describeBackendConformance({
  name: 'runway seedance2_mini (emulator)',
  ...onEmulator('seedance2_mini'),
  ...counters,
  secrets: ['key_test'],
  remote: { resume: true },
  expectExactEndFrame: true,
});

const liveKey = process.env['RUNWAYML_API_SECRET'];
describeBackendConformance({
  name: 'runway gen4_turbo (live API)',
  tier: 'live',
  live: { skipUnless: () => Boolean(liveKey), reason: 'set RUNWAYML_API_SECRET to run against the real Runway API (spends ~20 credits)' },
  plugin: backend,
  config: { model: 'gen4_turbo' },
  secrets: liveKey ? [liveKey] : [],
  remote: { resume: true },
});
