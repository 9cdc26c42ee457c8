// The conformance suite against the FramePack preset, driven through the musubi-tuner stand-in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBackendConformance } from '@ttv/testkit';
import { afterAll } from 'vitest';
import { CommandBackend } from './command-backend.js';
import { configSchema } from './config.js';
import { fp, framepackVars } from './framepack.fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'ttv-command-conf-'));
const models = fp.makeFakeModels(join(dir, 'models'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeBackendConformance({
  name: 'command, preset framepack (stand-in)',
  create: () =>
    new CommandBackend(
      configSchema.parse({
        preset: 'framepack',
        command: fp.python,
        vars: framepackVars(models),
        env: fp.env({ loadMs: 100, stepMs: 5 }),
        killGraceSeconds: 1,
      }),
      dir,
    ),
  expectExactEndFrame: true,
  timeoutMs: 90_000,
});
