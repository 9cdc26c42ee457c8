// The conformance suite against the remote example, with its API emulated on loopback by @ttv/testkit.
import { describeBackendConformance, startJobsEmulator } from '@ttv/testkit';
import { afterAll, beforeAll } from 'vitest';
import relay from '../src/remote.js';

/** @type {Awaited<ReturnType<typeof startJobsEmulator>>} */
let emulator;
beforeAll(async () => {
  emulator = await startJobsEmulator({ jobMs: 300 });
});
afterAll(async () => {
  await emulator?.close();
});

describeBackendConformance({
  name: 'relay (remote, job protocol)',
  plugin: relay,
  // Read once the emulator has started.
  config: () => ({ url: emulator.url, pollMs: 20 }),
  remote: { resume: true },
  spend: { count: () => emulator.paidSubmissions },
  cancels: { count: () => emulator.cancels.length },
});
