// The testkit conformance suite against the Wan2.1 stand-in: both tasks, with 1 and with 2 GPUs per job
// (the 2-GPU runs go through the torchrun stand-in with FSDP/Ulysses flags).
import { describeBackendConformance } from '@ttv/testkit';
import { afterAll, beforeAll } from 'vitest';
import { type WanFixture, wanFixture } from './standin.fixture.js';
import { backend } from './wan21-plugin.js';

let fx: WanFixture | undefined;
const ready = wanFixture().then((f) => (fx = f));
beforeAll(async () => {
  await ready;
});
afterAll(() => fx?.cleanup());

for (const model of ['i2v-14B', 'flf2v-14B'] as const) {
  for (const gpusPerJob of [1, 2]) {
    describeBackendConformance({
      name: `wan21 ${model}, ${gpusPerJob} GPU${gpusPerJob > 1 ? 's (torchrun)' : ''} per job (stand-in)`,
      model,
      plugin: backend,
      // The stand-in's paths are absolute. Full-size renders (the suite checks the exact requested size); flf2v at 480p to keep 81 frames cheap.
      config: async () =>
        (fx ?? (await ready)).config({ gpus: [0, 1], gpusPerJob, size: { 'flf2v-14B': '832*480' }, killGraceSeconds: 1 }, { loadMs: 100, stepMs: 5 }),
      timeoutMs: 120_000,
    });
  }
}
