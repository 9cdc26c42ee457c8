// The ttv backend conformance suite, as a third party runs it: @ttv/testkit from npm, pinned.
import { describeBackendConformance } from '@ttv/testkit';
import plugin from '../src/index.js';

// Both models: `still` (first frame) is the default; `solid` is text-only. The capabilities come from
// plugin.describe(config); the backend is the one plugin.create(config, ctx) makes.
for (const model of ['still', 'solid']) {
  describeBackendConformance({ name: `solid/${model}`, model, plugin, config: { fps: 12 } });
}
