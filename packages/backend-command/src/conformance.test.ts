// The conformance suite against the FramePack preset, driven through the musubi-tuner stand-in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBackendConformance, framepackStandIn } from '@ttv/testkit';
import { afterAll } from 'vitest';
import { backend } from './command-plugin.js';
import { framepackVars } from './framepack.fixture.js';

const fp = framepackStandIn();
const dir = mkdtempSync(join(tmpdir(), 'ttv-command-conf-'));
const models = fp.makeFakeModels(join(dir, 'models'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeBackendConformance({
  name: 'command, preset framepack (stand-in)',
  plugin: backend,
  config: {
    preset: 'framepack',
    command: fp.python,
    vars: framepackVars(fp, models),
    env: fp.env({ loadMs: 100, stepMs: 5 }),
    killGraceSeconds: 1,
  },
  context: { configDir: dir },
  expectExactEndFrame: true,
  timeoutMs: 90_000,
});
