// The ttv backend conformance suite against the embedded reference backend (unit tier: local ffmpeg, free).
import { describeBackendConformance } from '@ttv/testkit';
import { backend } from './kenburns-plugin.js';

describeBackendConformance({
  name: 'kenburns',
  // A fresh instance per check; small, fast settings (the suite picks the smallest size and a 1 s clip).
  plugin: backend,
  config: { fps: 12, preset: 'ultrafast' },
  expectExactEndFrame: true,
});
