// The embedded backend's render speed: seconds of video produced per second of wall time, at 1280x720 24 fps.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function run({ core, kenburns }) {
  const work = await mkdtemp(join(tmpdir(), 'ttv-kenburns-bench-'));
  try {
    const image = join(work, 'in.png');
    await core.makeTestImage(image, { width: 1280, height: 720, pattern: 'mandelbrot' });
    const plugin = kenburns.default;
    const config = plugin.configSchema.parse({});
    const backend = await plugin.create(config, { configDir: work, env: process.env, log: () => {} });
    const rows = [];
    for (const [label, extra] of [
      ['first-frame (pan/zoom)', {}],
      ['first-last-frame (move + crossfade)', { lastFrame: image }],
    ]) {
      const times = [];
      for (let i = 0; i < 3; i++) {
        const outputPath = join(work, `out-${i}.mp4`);
        const t0 = performance.now();
        await backend.generate(
          { model: 'kenburns', prompt: 'bench', durationSec: 5, width: 1280, height: 720, firstFrame: image, outputPath, segmentIndex: i, ...extra },
          { signal: new AbortController().signal, onProgress() {}, async onJob() {}, log() {}, workDir: work },
        );
        times.push((performance.now() - t0) / 1000);
      }
      times.sort((a, b) => a - b);
      const median = times[1];
      rows.push({
        name: `render 5 s 1280x720@24 ${label}`,
        value: median,
        unit: 's',
        note: `${(5 / median).toFixed(2)} s of video per s; goal: a few seconds on 2 cores`,
      });
    }
    return rows;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
