// The conformance suite against the remote example, with its API emulated on loopback by @ttv/testkit.
import { describeBackendConformance, startJobsEmulator } from '@ttv/testkit';
import { afterAll, beforeAll } from 'vitest';
import { createRelayBackend, relayConfigSchema } from '../src/remote.js';

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
  create: () => createRelayBackend(relayConfigSchema.parse({ url: emulator.url, pollMs: 20 })),
  remote: { resume: true },
  spend: { count: () => emulator.paidSubmissions },
  cancels: { count: () => emulator.cancels.length },
});
