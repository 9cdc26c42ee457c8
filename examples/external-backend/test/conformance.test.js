// The ttv backend conformance suite, as a third party runs it: @ttv/testkit from npm, pinned.
import { describeBackendConformance } from '@ttv/testkit';
import plugin, { configSchema, createSolidBackend } from '../src/index.js';

// Both models: `still` (first frame) is the default; `solid` is text-only.
for (const model of ['still', 'solid']) {
  describeBackendConformance({
    name: `solid/${model}`,
    model,
    create: () => createSolidBackend(configSchema.parse({ fps: 12 })),
  });
}

// The plugin object the registry loads is the same backend.
describeBackendConformance({
  name: 'solid (via plugin.create)',
  create: () => plugin.create(plugin.configSchema.parse({}), { configDir: process.cwd(), env: {}, log: () => {} }),
});
